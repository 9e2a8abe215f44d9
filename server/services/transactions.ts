import type { OutboxRepository } from "../db/repositories/outbox";
import type { SubmissionRow, SubmissionsRepository } from "../db/repositories/submissions";
import { NotFoundError } from "../errors";
import type { Principal } from "./principal";
import { SCOPE } from "./scopes";

export interface ChainTransactionDto {
  hash: string;
  signer: string;
  nonce: number;
  status: string;
  blockNumber: number | null;
  blockHash: string | null;
  gasUsed: string | null;
}

export interface TransactionDto {
  id: string;
  operation: string;
  organization: string;
  status: SubmissionRow["status"];
  hash: string | null;
  blockNumber: number | null;
  chainTransactions: ChainTransactionDto[];
  result?: unknown;
  error?: SubmissionRow["error"];
  createdAt: string;
  completedAt: string | null;
}

/** Accepted writes as the API shows them (`GET /v1/transactions/{id}` and inside every write's answer). */
export class TransactionService {
  constructor(
    private readonly submissions: SubmissionsRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  dto(submission: SubmissionRow): TransactionDto {
    const rows = this.outbox.bySubmission(submission.id).filter((r) => r.status !== "rejected" || submission.status === "rejected");
    const last = rows[rows.length - 1];
    return {
      id: submission.id,
      operation: submission.operation,
      organization: submission.orgCode,
      status: submission.status,
      hash: last?.txHash ?? null,
      blockNumber: last?.blockNumber ?? null,
      chainTransactions: rows.map((r) => ({
        hash: r.txHash,
        signer: r.signer,
        nonce: r.nonce,
        status: r.status,
        blockNumber: r.blockNumber,
        blockHash: r.blockHash,
        gasUsed: r.gasUsed,
      })),
      ...(submission.status === "mined" ? { result: submission.result } : {}),
      ...(submission.error ? { error: submission.error } : {}),
      createdAt: submission.createdAt,
      completedAt: submission.completedAt,
    };
  }

  /** A submission, visible to the organisation that made it and to keys allowed to read all of them. */
  get(id: string, principal: Principal): TransactionDto {
    const submission = this.submissions.get(id);
    if (!submission || (submission.orgCode !== principal.orgCode && !principal.scopes.has(SCOPE.TRANSACTIONS_READ_ALL))) {
      throw new NotFoundError("TRANSACTION_NOT_FOUND", `No transaction ${id}`);
    }
    return this.dto(submission);
  }

  byId(id: string): SubmissionRow | undefined {
    return this.submissions.get(id);
  }
}

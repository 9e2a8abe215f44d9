import type { Request } from "express";
import type { TxPipeline } from "../chain/tx/pipeline";
import type { SubmissionRow } from "../db/repositories/submissions";
import type { TransactionService } from "../services/transactions";

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Whether the client asked not to wait (`Prefer: respond-async`, RFC 7240). */
export const prefersAsync = (req: Request): boolean =>
  (req.get("prefer") ?? "")
    .split(",")
    .some((p) => p.trim().toLowerCase().split(";")[0].trim() === "respond-async");

/**
 * Turns an accepted submission into the HTTP answer: wait until it ends (bounded), then 2xx with the result and
 * transaction, or the contract's error; 202 with a Location when the client prefers not to wait, when the node was
 * unreachable while sending, or when it is not mined in time.
 */
export class WriteResponder {
  constructor(
    private readonly pipeline: TxPipeline,
    private readonly transactions: TransactionService,
    private readonly waitTimeoutMs: number,
    private readonly index: { reach(blockNumber: number, timeoutMs: number): Promise<boolean>; writeWaitMs: number },
  ) {}

  async answer(submissionId: string, options: { preferAsync: boolean; deferred?: boolean; successStatus: number }): Promise<Answer> {
    let submission = this.transactions.byId(submissionId)!;
    if (submission.status === "pending" && !options.preferAsync && !options.deferred) {
      submission = (await this.pipeline.waitFor(submissionId, this.waitTimeoutMs)) ?? this.transactions.byId(submissionId)!;
    }
    if (submission.status === "mined") {
      // Read-your-writes: the client's next GET is answered from the index, so the answer waits (bounded) until
      // the index holds the write's block.
      const block = this.transactions.dto(submission).blockNumber;
      if (block !== null) await this.index.reach(block, this.index.writeWaitMs);
    }
    return this.fromSubmission(submission, options);
  }

  fromSubmission(submission: SubmissionRow, options: { preferAsync: boolean; successStatus: number }): Answer {
    const transaction = this.transactions.dto(submission);
    if (submission.status === "pending") {
      return {
        status: 202,
        body: { transaction },
        headers: {
          Location: `/v1/transactions/${submission.id}`,
          ...(options.preferAsync ? { "Preference-Applied": "respond-async" } : {}),
        },
      };
    }
    if (submission.status === "mined") {
      // The result is the answer's own field; the embedded transaction does not repeat it.
      const { result: _omitted, ...withoutResult } = transaction;
      return { status: options.successStatus, body: { result: submission.result, transaction: withoutResult } };
    }
    const e = submission.error!;
    return {
      status: e.status,
      body: { error: { code: e.code, message: e.message, details: { ...(e.details as object | undefined), transaction } } },
    };
  }
}

import crypto from "node:crypto";
import type { Request } from "express";
import type { IdempotencyRepository } from "../db/repositories/idempotency";
import { BadRequestError, ConflictError, UnprocessableError } from "../errors";
import type { Principal } from "../services/principal";
import type { TransactionService } from "../services/transactions";
import { canonicalJson } from "../util/canonical-json";
import type { Outcome } from "./route";
import { prefersAsync, type Answer, type WriteResponder } from "./writes";

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on writes, scoped to the calling organisation:
 * - same key, same request → the first answer (stored in SQLite, so also after a restart);
 * - same key, another request → 422 IDEMPOTENCY_KEY_REUSED;
 * - same key while the first is still being checked/signed → 409 IDEMPOTENCY_REQUEST_IN_PROGRESS (retry);
 *   once the first is accepted (in the outbox) a duplicate waits for the same transaction and answers the same.
 * A request refused before it reached the outbox (validation, simulation, unreachable chain) changed nothing: its
 * claim is released and the key may be used again.
 */
export class IdempotencyHandler {
  constructor(
    private readonly repo: IdempotencyRepository,
    private readonly writes: WriteResponder,
    private readonly transactions: TransactionService,
  ) {}

  /** Reads and key-less writes: no bookkeeping. */
  async plain(req: Request, handler: () => Promise<Outcome>, successStatus = 200): Promise<Answer> {
    return this.toAnswer(req, await handler(), successStatus);
  }

  async run(
    req: Request,
    principal: Principal,
    successStatus: number,
    handler: (claim?: { orgCode: string; key: string }) => Promise<Outcome>,
    storedAnswer: (body: unknown) => unknown = (body) => body,
  ): Promise<Answer> {
    const key = req.get("idempotency-key");
    if (key === undefined) return this.toAnswer(req, await handler(undefined), successStatus);
    if (!KEY_FORMAT.test(key)) {
      throw new BadRequestError("INVALID_IDEMPOTENCY_KEY", "Idempotency-Key must be 1–255 visible ASCII characters");
    }
    const orgCode = principal.orgCode;
    const fingerprint = crypto
      .createHash("sha256")
      .update(canonicalJson([req.method, req.baseUrl + req.path, req.query, req.body ?? null]))
      .digest("hex");

    const existing = this.repo.get(orgCode, key);
    if (existing) {
      if (existing.fingerprint !== fingerprint) {
        throw new UnprocessableError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used for a different request", {
          key,
          firstUsedAt: existing.createdAt,
          method: existing.method,
          path: existing.path,
        });
      }
      if (existing.state === "completed") {
        return { status: existing.responseStatus!, body: existing.responseBody, headers: { "Idempotent-Replayed": "true" } };
      }
      if (!existing.submissionId) {
        throw new ConflictError("IDEMPOTENCY_REQUEST_IN_PROGRESS", "A request with this Idempotency-Key is still being processed; retry shortly", { key });
      }
      const answer = await this.writes.answer(existing.submissionId, { preferAsync: prefersAsync(req), successStatus: existing.successStatus });
      this.repo.complete(orgCode, key, answer.status, answer.body);
      return { ...answer, headers: { ...answer.headers, "Idempotent-Replayed": "true" } };
    }

    const claimed = this.repo.claim({ orgCode, key, fingerprint, method: req.method, path: req.baseUrl + req.path, successStatus });
    if (!claimed) throw new ConflictError("IDEMPOTENCY_REQUEST_IN_PROGRESS", "A request with this Idempotency-Key is still being processed; retry shortly", { key });

    let outcome: Outcome;
    try {
      outcome = await handler({ orgCode, key });
    } catch (err) {
      const row = this.repo.get(orgCode, key);
      const submission = row?.submissionId ? this.transactions.byId(row.submissionId) : undefined;
      if (submission && submission.status !== "rejected") {
        // Accepted before the failure: the answer follows the transaction like any other.
        const answer = await this.writes.answer(submission.id, { preferAsync: prefersAsync(req), successStatus });
        this.repo.complete(orgCode, key, answer.status, answer.body);
        return answer;
      }
      this.repo.release(orgCode, key);
      throw err;
    }
    const answer = await this.toAnswer(req, outcome, successStatus);
    this.repo.complete(orgCode, key, answer.status, answer.status < 300 ? storedAnswer(answer.body) : answer.body);
    return answer;
  }

  private async toAnswer(req: Request, outcome: Outcome, successStatus: number): Promise<Answer> {
    if ("submission" in outcome) {
      return this.writes.answer(outcome.submission.submissionId, {
        preferAsync: prefersAsync(req),
        deferred: outcome.submission.deferred,
        successStatus: outcome.successStatus ?? successStatus,
      });
    }
    return outcome;
  }
}

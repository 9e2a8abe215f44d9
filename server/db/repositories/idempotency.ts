import type { Db } from "../connection";
import { nowIso } from "../connection";

export interface IdempotencyRow {
  orgCode: string;
  key: string;
  fingerprint: string;
  method: string;
  path: string;
  state: "in_flight" | "completed";
  submissionId: string | null;
  successStatus: number;
  responseStatus: number | null;
  responseBody: unknown;
  createdAt: string;
}

interface RawRow {
  org_code: string;
  key: string;
  fingerprint: string;
  method: string;
  path: string;
  state: "in_flight" | "completed";
  submission_id: string | null;
  success_status: number;
  response_status: number | null;
  response_body: string | null;
  created_at: string;
}

const toRow = (r: RawRow): IdempotencyRow => ({
  orgCode: r.org_code,
  key: r.key,
  fingerprint: r.fingerprint,
  method: r.method,
  path: r.path,
  state: r.state,
  submissionId: r.submission_id,
  successStatus: r.success_status,
  responseStatus: r.response_status,
  responseBody: r.response_body === null ? null : JSON.parse(r.response_body),
  createdAt: r.created_at,
});

/** Idempotency keys are scoped to the calling organisation: two organisations may use the same key. */
export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  get(orgCode: string, key: string): IdempotencyRow | undefined {
    const r = this.db.prepare("SELECT * FROM idempotency WHERE org_code = ? AND key = ?").get(orgCode, key) as RawRow | undefined;
    return r && toRow(r);
  }

  /** Claims the key; false if it is already taken (better-sqlite3 is synchronous, so this cannot race in-process). */
  claim(row: { orgCode: string; key: string; fingerprint: string; method: string; path: string; successStatus: number }): boolean {
    const now = nowIso();
    const result = this.db
      .prepare(
        `INSERT INTO idempotency (org_code, key, fingerprint, method, path, state, success_status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'in_flight', ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(row.orgCode, row.key, row.fingerprint, row.method, row.path, row.successStatus, now, now);
    return result.changes === 1;
  }

  /** Called inside the outbox transaction: from now on the request is accepted and its answer follows the submission. */
  attachSubmission(orgCode: string, key: string, submissionId: string): void {
    this.db
      .prepare("UPDATE idempotency SET submission_id = ?, updated_at = ? WHERE org_code = ? AND key = ?")
      .run(submissionId, nowIso(), orgCode, key);
  }

  complete(orgCode: string, key: string, status: number, body: unknown): void {
    this.db
      .prepare(
        "UPDATE idempotency SET state = 'completed', response_status = ?, response_body = ?, updated_at = ? WHERE org_code = ? AND key = ?",
      )
      .run(status, JSON.stringify(body ?? null), nowIso(), orgCode, key);
  }

  /** Forgets a claim whose request changed nothing, so the client may retry with the same key. */
  release(orgCode: string, key: string): void {
    this.db.prepare("DELETE FROM idempotency WHERE org_code = ? AND key = ? AND state = 'in_flight'").run(orgCode, key);
  }

  /** Claims left by a process that died before its request reached the outbox: nothing happened, so they go. */
  releaseOrphans(): number {
    return this.db.prepare("DELETE FROM idempotency WHERE state = 'in_flight' AND submission_id IS NULL").run().changes;
  }
}

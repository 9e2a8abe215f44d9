import type { Db } from "../connection";
import { nowIso, withoutFsync } from "../connection";

export type SubmissionStatus = "pending" | "mined" | "failed" | "rejected";

/** One accepted write: what was asked (operation + params), by whom, and how it ended. */
export interface SubmissionRow {
  id: string;
  orgCode: string;
  operation: string;
  params: unknown;
  status: SubmissionStatus;
  result: unknown;
  error: SubmissionError | null;
  createdAt: string;
  completedAt: string | null;
}

/** The error an ended submission answers with (same shape as the HTTP error body). */
export interface SubmissionError {
  status: number;
  code: string;
  message: string;
  details?: unknown;
}

interface RawRow {
  id: string;
  org_code: string;
  operation: string;
  params: string;
  status: SubmissionStatus;
  result: string | null;
  error: string | null;
  created_at: string;
  completed_at: string | null;
}

const toRow = (r: RawRow): SubmissionRow => ({
  id: r.id,
  orgCode: r.org_code,
  operation: r.operation,
  params: JSON.parse(r.params),
  status: r.status,
  result: r.result === null ? null : JSON.parse(r.result),
  error: r.error === null ? null : (JSON.parse(r.error) as SubmissionError),
  createdAt: r.created_at,
  completedAt: r.completed_at,
});

export class SubmissionsRepository {
  constructor(private readonly db: Db) {}

  insert(s: { id: string; orgCode: string; operation: string; params: unknown }): void {
    this.db
      .prepare("INSERT INTO submissions (id, org_code, operation, params, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)")
      .run(s.id, s.orgCode, s.operation, JSON.stringify(s.params), nowIso());
  }

  get(id: string): SubmissionRow | undefined {
    const r = this.db.prepare("SELECT * FROM submissions WHERE id = ?").get(id) as RawRow | undefined;
    return r && toRow(r);
  }

  pending(): SubmissionRow[] {
    return (this.db.prepare("SELECT * FROM submissions WHERE status = 'pending' ORDER BY created_at").all() as RawRow[]).map(toRow);
  }

  /** Without its own fsync: a result the database forgets is decoded again from the receipts by the tracker. */
  complete(id: string, status: Exclude<SubmissionStatus, "pending">, result: unknown, error: SubmissionError | null): void {
    withoutFsync(this.db, () =>
      this.db
        .prepare("UPDATE submissions SET status = ?, result = ?, error = ?, completed_at = ? WHERE id = ?")
        .run(status, result === undefined ? null : JSON.stringify(result), error ? JSON.stringify(error) : null, nowIso(), id),
    );
  }

  /** A submission whose transactions the chain lost is open again until they are mined anew. */
  reopen(id: string): void {
    this.db.prepare("UPDATE submissions SET status = 'pending', completed_at = NULL WHERE id = ?").run(id);
  }
}

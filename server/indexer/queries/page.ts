import type Database from "better-sqlite3";

/** One page of a list in a stable order, with an opaque cursor for the next page (null at the end). */
export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface PageOptions {
  /** The cursor of the previous page's `next`. */
  after?: string | null;
  limit: number;
}

export const MAX_PAGE_SIZE = 500;

/** A query the caller got wrong (a bad cursor, a page size out of range): the read API answers 400. */
export class InvalidQueryError extends Error {
  override name = "InvalidQueryError";
}

export class InvalidCursorError extends InvalidQueryError {
  override name = "InvalidCursorError";
  constructor(readonly cursor: string) {
    super(`invalid page cursor: ${cursor}`);
  }
}

export function encodeCursor(block: number, index: number): string {
  return Buffer.from(`${block}:${index}`).toString("base64url");
}

export function decodeCursor(cursor: string): { block: number; index: number } {
  const match = /^(\d+):(\d+)$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match) throw new InvalidCursorError(cursor);
  return { block: Number(match[1]), index: Number(match[2]) };
}

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidQueryError(`page size must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
  }
  return limit;
}

/** One SQL condition with its parameters. */
export interface Condition {
  sql: string;
  params: unknown[];
}

/** The conditions of the filters that are set. */
export function conditions(...candidates: (Condition | false | undefined | null)[]): Condition[] {
  return candidates.filter((c): c is Condition => !!c);
}

/**
 * Keyset pagination over a projection table in the order its rows were created on chain: every projection row keeps
 * `created_block` and `created_log_index` of the event that created it, so pages stay stable while new rows arrive.
 * `from` names the table as `t` (joins allowed); `where` holds conditions with their parameters.
 */
export function keysetPage<Row, T>(
  db: Database.Database,
  query: { from: string; select?: string; where: Condition[] },
  options: PageOptions,
  map: (row: Row) => T,
): Page<T> {
  const { from, where } = query;
  const limit = checkLimit(options.limit);
  const after = options.after ? decodeCursor(options.after) : { block: -1, index: -1 };
  const conditions = ["(t.created_block, t.created_log_index) > (?, ?)", ...where.map((w) => w.sql)];
  const params = [after.block, after.index, ...where.flatMap((w) => w.params)];
  const rows = db
    .prepare(`SELECT ${query.select ?? "t.*"} FROM ${from} WHERE ${conditions.join(" AND ")} ORDER BY t.created_block, t.created_log_index LIMIT ?`)
    .all(...params, limit + 1) as (Row & { created_block: number; created_log_index: number })[];
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const tail = page[page.length - 1];
  return { items: page.map(map), next: more && tail ? encodeCursor(tail.created_block, tail.created_log_index) : null };
}

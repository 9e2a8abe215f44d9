import type Database from "better-sqlite3";
import { fromRow, type EventRow } from "../indexer";
import type { IndexedEvent } from "../projection";
import { checkLimit, decodeCursor, encodeCursor } from "./page";

/** Every indexed event in chain order, paged so a large index streams in constant memory. */
export function* indexedEvents(db: Database.Database, pageSize = 5_000): Generator<IndexedEvent> {
  const page = db.prepare("SELECT * FROM idx_events WHERE (block_number, log_index) > (?, ?) ORDER BY block_number, log_index LIMIT ?");
  let last = { block: -1, index: -1 };
  for (;;) {
    const rows = page.all(last.block, last.index, pageSize) as EventRow[];
    if (rows.length === 0) return;
    for (const row of rows) yield fromRow(row);
    const tail = rows[rows.length - 1];
    last = { block: tail.block_number, index: tail.log_index };
  }
}

export interface HistoryPage {
  events: IndexedEvent[];
  /** Opaque cursor for the next page, null at the end. */
  next: string | null;
}

/**
 * The history of one subject (`dataset:…`, `batch:…`, `listing:…`, `org:…`, `account:…`) in chain order, with
 * keyset pagination on (block, log index): stable while new events arrive.
 */
export function historyOf(db: Database.Database, subject: string, options: { after?: string | null; limit: number }): HistoryPage {
  const limit = checkLimit(options.limit);
  const after = options.after ? decodeCursor(options.after) : { block: -1, index: -1 };
  const rows = db
    .prepare(
      `SELECT e.* FROM idx_event_subjects s
       JOIN idx_events e ON e.tx_hash = s.tx_hash AND e.log_index = s.log_index
       WHERE s.subject = ? AND (s.block_number, s.log_index) > (?, ?)
       ORDER BY s.block_number, s.log_index
       LIMIT ?`,
    )
    .all(subject, after.block, after.index, limit + 1) as EventRow[];
  const more = rows.length > limit;
  const events = rows.slice(0, limit).map(fromRow);
  const tail = events[events.length - 1];
  return { events, next: more && tail ? encodeCursor(tail.blockNumber, tail.logIndex) : null };
}

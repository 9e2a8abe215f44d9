import type Database from "better-sqlite3";
import { fromRow, type EventRow } from "../indexer";
import type { IndexedEvent } from "../projection";

/** One entry of the event feed: an event the index added, or one a reorg rolled back (`removed`). */
export interface FeedEntry {
  /** Position in the feed: stable, never reused, increasing in the order things happened to the index. */
  offset: number;
  removed: boolean;
  event: IndexedEvent;
  /** The subjects of a removed event (`dataset:…`, `batch:…`, `org:…`); for added ones ask `subjectsIn`. */
  removedSubjects?: string[];
}

interface FeedRow extends Partial<EventRow> {
  feed_seq: number;
  removed: number;
  snapshot: string | null;
  f_tx_hash: string;
}

/**
 * Entries after `after`, oldest first. An added entry whose event a later reorg removed is skipped: that event no
 * longer exists on the chain, and the removal entry further on says so to anyone who saw it.
 */
export function readFeed(db: Database.Database, after: number, limit: number): { entries: FeedEntry[]; scannedTo: number } {
  const rows = db
    .prepare(
      `SELECT f.seq AS feed_seq, f.removed, f.snapshot, f.tx_hash AS f_tx_hash, e.* FROM idx_feed f
       LEFT JOIN idx_events e ON f.removed = 0 AND e.tx_hash = f.tx_hash AND e.log_index = f.log_index AND e.block_hash = f.block_hash
       WHERE f.seq > ? ORDER BY f.seq LIMIT ?`,
    )
    .all(after, limit) as FeedRow[];
  const entries: FeedEntry[] = [];
  for (const row of rows) {
    if (row.removed) {
      const snapshot = JSON.parse(row.snapshot!) as EventRow & { subjects: string[] | string };
      const subjects = typeof snapshot.subjects === "string" ? (JSON.parse(snapshot.subjects) as string[]) : snapshot.subjects;
      entries.push({ offset: row.feed_seq, removed: true, event: fromRow(snapshot), removedSubjects: subjects ?? [] });
    } else if (row.tx_hash !== null && row.tx_hash !== undefined) {
      entries.push({ offset: row.feed_seq, removed: false, event: fromRow(row as EventRow) });
    }
  }
  return { entries, scannedTo: rows.length > 0 ? rows[rows.length - 1].feed_seq : after };
}

/** The events about `subject` among blocks `fromBlock`..`toBlock`, as `block:logIndex` keys (uses the subject index). */
export function subjectEventsIn(db: Database.Database, subject: string, fromBlock: number, toBlock: number): Set<string> {
  const rows = db
    .prepare("SELECT block_number, log_index FROM idx_event_subjects WHERE subject = ? AND block_number BETWEEN ? AND ?")
    .all(subject, fromBlock, toBlock) as { block_number: number; log_index: number }[];
  return new Set(rows.map((r) => `${r.block_number}:${r.log_index}`));
}

/** The newest offset of the feed (0 when empty). */
export function feedHead(db: Database.Database): number {
  return (db.prepare("SELECT COALESCE(MAX(seq), 0) AS head FROM idx_feed").get() as { head: number }).head;
}

/** The block time of the first entry after `offset`, if any: how old the oldest event a subscriber has not had is. */
export function firstPendingTimestamp(db: Database.Database, offset: number): number | null {
  const entry = readFeed(db, offset, 50).entries[0];
  return entry ? entry.event.timestamp : null;
}

/** The numbering of this feed (see idx_feed_epoch): offsets of another epoch mean nothing here. */
export function feedEpoch(db: Database.Database): string {
  return (db.prepare("SELECT epoch FROM idx_feed_epoch WHERE id = 1").get() as { epoch: string }).epoch;
}

/**
 * A cursor in chain terms, valid in any numbering of the same chain: the newest event (its block) such that every
 * event of the chain up to that block lies at or before the cursor. null: no event lies before the cursor.
 */
export interface FeedMark {
  block: number;
  blockHash: string;
}

const CANONICAL_AFTER = `SELECT e.block_number AS block FROM idx_feed f
  JOIN idx_events e ON e.tx_hash = f.tx_hash AND e.log_index = f.log_index AND e.block_hash = f.block_hash
  WHERE f.seq > ? AND f.removed = 0 ORDER BY f.seq LIMIT 1`;

/**
 * The mark of `offset`. Events still on the chain appear in the feed in chain order (a reorg removes a suffix and adds
 * the new one after it), so the first of them after the offset is the oldest not yet passed, and every event of an
 * older block is at or before the offset: the mark is the newest event before that block. A cursor in the middle of a
 * block marks the block before it, so a rebased cursor delivers that block again (at least once, never a gap).
 */
export function feedMark(db: Database.Database, offset: number): FeedMark | null {
  const pending = db.prepare(CANONICAL_AFTER).get(offset) as { block: number } | undefined;
  const row = (
    pending
      ? db.prepare("SELECT block_number, block_hash FROM idx_events WHERE block_number < ? ORDER BY block_number DESC, log_index DESC LIMIT 1").get(pending.block)
      : db.prepare("SELECT block_number, block_hash FROM idx_events ORDER BY block_number DESC, log_index DESC LIMIT 1").get()
  ) as { block_number: number; block_hash: string } | undefined;
  return row ? { block: row.block_number, blockHash: row.block_hash } : null;
}

/**
 * Where a cursor marked in another numbering of this chain resumes in this feed: just before the first event after
 * the marked block. `exact` false when the marked block is no longer the chain's (it was replaced after the mark was
 * taken): the cursor then starts from the beginning, since what the subscriber last saw is unknown here. null while
 * the index has not reached the marked block yet.
 */
export function resumeOffset(db: Database.Database, mark: FeedMark | null): { offset: number; exact: boolean } | null {
  if (!mark) return { offset: 0, exact: true };
  const cursor = db.prepare("SELECT block_number FROM idx_cursor WHERE id = 1").get() as { block_number: number } | undefined;
  if (!cursor || cursor.block_number < mark.block) return null;
  if (!db.prepare("SELECT 1 FROM idx_events WHERE block_number = ? AND block_hash = ? LIMIT 1").get(mark.block, mark.blockHash)) {
    return { offset: 0, exact: false };
  }
  const next = db.prepare("SELECT tx_hash, log_index, block_hash FROM idx_events WHERE block_number > ? ORDER BY block_number, log_index LIMIT 1").get(mark.block) as
    | { tx_hash: string; log_index: number; block_hash: string }
    | undefined;
  if (!next) return { offset: feedHead(db), exact: true };
  const seq = (
    db.prepare("SELECT MIN(seq) AS seq FROM idx_feed WHERE removed = 0 AND tx_hash = ? AND log_index = ? AND block_hash = ?").get(next.tx_hash, next.log_index, next.block_hash) as {
      seq: number;
    }
  ).seq;
  return { offset: seq - 1, exact: true };
}

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

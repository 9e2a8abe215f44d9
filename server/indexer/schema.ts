import type Database from "better-sqlite3";

/**
 * The indexer's own tables. Projections (datasets, balances, listings …) add theirs; all of them are a pure
 * function of `idx_events`, so a reorg deletes events past the common ancestor and rebuilds projections.
 */
export const INDEXER_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS idx_cursor (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     block_number INTEGER NOT NULL,
     block_hash TEXT NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS idx_blocks (
     number INTEGER PRIMARY KEY,
     hash TEXT NOT NULL,
     parent_hash TEXT NOT NULL,
     timestamp INTEGER NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS idx_events (
     tx_hash TEXT NOT NULL,
     log_index INTEGER NOT NULL,
     block_number INTEGER NOT NULL,
     block_hash TEXT NOT NULL,
     timestamp INTEGER NOT NULL,
     contract TEXT NOT NULL,
     address TEXT NOT NULL,
     name TEXT NOT NULL,
     args TEXT NOT NULL,
     actor_account TEXT,
     actor_org TEXT,
     PRIMARY KEY (tx_hash, log_index)
   )`,
  `CREATE INDEX IF NOT EXISTS idx_events_order ON idx_events (block_number, log_index)`,
  // Every entity an event concerns (asset, batch, listing, organisation, account), for the history API.
  `CREATE TABLE IF NOT EXISTS idx_event_subjects (
     subject TEXT NOT NULL,
     block_number INTEGER NOT NULL,
     log_index INTEGER NOT NULL,
     tx_hash TEXT NOT NULL,
     PRIMARY KEY (subject, block_number, log_index)
   ) WITHOUT ROWID`,
];

export function migrateIndexer(db: Database.Database): void {
  db.transaction(() => {
    for (const statement of INDEXER_SCHEMA) db.exec(statement);
  })();
}

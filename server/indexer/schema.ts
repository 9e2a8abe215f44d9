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
  // The event feed of subscriptions: every event added to the index and every one a reorg rolled back, in the order it
  // happened, numbered by an offset that is never reused (AUTOINCREMENT), so a subscriber's cursor stays meaningful
  // across reorgs. Kept by triggers, so the indexer's write path is unchanged. A removed event keeps its row as a
  // snapshot (with its subjects) since the event itself is gone from idx_events.
  `CREATE TABLE IF NOT EXISTS idx_feed (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     removed INTEGER NOT NULL,
     tx_hash TEXT NOT NULL,
     log_index INTEGER NOT NULL,
     block_hash TEXT NOT NULL,
     snapshot TEXT
   )`,
  // The feed's numbering: a new one whenever the feed is built afresh (index.db deleted, or dropped for another
  // deployment), so a subscriber's cursor of an earlier numbering is recognised and moved by chain position.
  `CREATE TABLE IF NOT EXISTS idx_feed_epoch (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     epoch TEXT NOT NULL
   )`,
  `INSERT OR IGNORE INTO idx_feed_epoch (id, epoch) VALUES (1, lower(hex(randomblob(16))))`,
  // An index built before the feed existed: number its events once, in chain order.
  `INSERT INTO idx_feed (removed, tx_hash, log_index, block_hash)
     SELECT 0, tx_hash, log_index, block_hash FROM idx_events
     WHERE NOT EXISTS (SELECT 1 FROM idx_feed) ORDER BY block_number, log_index`,
  `CREATE TRIGGER IF NOT EXISTS idx_feed_added AFTER INSERT ON idx_events BEGIN
     INSERT INTO idx_feed (removed, tx_hash, log_index, block_hash) VALUES (0, NEW.tx_hash, NEW.log_index, NEW.block_hash);
   END`,
  `CREATE TRIGGER IF NOT EXISTS idx_feed_removed AFTER DELETE ON idx_events BEGIN
     INSERT INTO idx_feed (removed, tx_hash, log_index, block_hash, snapshot) VALUES (1, OLD.tx_hash, OLD.log_index, OLD.block_hash,
       json_object('tx_hash', OLD.tx_hash, 'log_index', OLD.log_index, 'block_number', OLD.block_number, 'block_hash', OLD.block_hash,
         'timestamp', OLD.timestamp, 'contract', OLD.contract, 'address', OLD.address, 'name', OLD.name, 'args', OLD.args,
         'actor_account', OLD.actor_account, 'actor_org', OLD.actor_org,
         'subjects', (SELECT json_group_array(subject) FROM idx_event_subjects
                      WHERE block_number = OLD.block_number AND log_index = OLD.log_index AND tx_hash = OLD.tx_hash)));
   END`,
];

export function migrateIndexer(db: Database.Database): void {
  db.transaction(() => {
    for (const statement of INDEXER_SCHEMA) db.exec(statement);
  })();
}

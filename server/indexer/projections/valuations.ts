import type Database from "better-sqlite3";
import type { IndexedEvent, Projection } from "../projection";
import { amount, datasetKey, stmt } from "./sql";

/** The valuation record of each dataset: every ValuationRecorded event, in chain order. */
export const valuationsProjection: Projection = {
  name: "valuations",
  schema: [
    `CREATE TABLE IF NOT EXISTS idx_valuations (
       tx_hash TEXT NOT NULL,
       log_index INTEGER NOT NULL,
       dataset_id TEXT NOT NULL,
       amount_vnd TEXT NOT NULL,
       valuation_date INTEGER NOT NULL,
       method TEXT NOT NULL,
       appraiser TEXT NOT NULL,
       report_hash TEXT NOT NULL,
       recorded_at INTEGER NOT NULL,
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL,
       PRIMARY KEY (tx_hash, log_index)
     )`,
    `CREATE INDEX IF NOT EXISTS idx_valuations_dataset ON idx_valuations (dataset_id, created_block, created_log_index)`,
  ],

  apply(db: Database.Database, event: IndexedEvent): void {
    if (event.contract !== "DataAssetRegistry" || event.name !== "ValuationRecorded") return;
    const a = event.args;
    stmt(
      db,
      `INSERT OR IGNORE INTO idx_valuations
         (tx_hash, log_index, dataset_id, amount_vnd, valuation_date, method, appraiser, report_hash, recorded_at, created_block, created_log_index)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(event.txHash, event.logIndex, datasetKey(a.id), amount(a.amountVnd), Number(a.valuationDate), a.method, a.appraiser, a.reportHash, event.timestamp, event.blockNumber, event.logIndex);
  },

  subjects: () => [],

  reset(db: Database.Database): void {
    db.exec("DELETE FROM idx_valuations");
  },
};

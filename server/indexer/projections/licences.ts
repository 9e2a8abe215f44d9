import type Database from "better-sqlite3";
import type { IndexedEvent, Projection } from "../projection";
import { datasetKey, stmt } from "./sql";

/**
 * Usage licences of datasets, one row per (dataset, organisation): a renewal replaces terms and expiry, a revocation
 * keeps the row with `revoked` set so the licence's story stays readable (the history API has every event).
 */
export const licencesProjection: Projection = {
  name: "licences",
  schema: [
    `CREATE TABLE IF NOT EXISTS idx_licences (
       dataset_id TEXT NOT NULL,
       org_id TEXT NOT NULL,
       terms_hash TEXT NOT NULL,
       terms TEXT NOT NULL,
       expires_at INTEGER NOT NULL,
       revoked INTEGER NOT NULL DEFAULT 0,
       revoked_reason TEXT,
       granted_tx TEXT NOT NULL,
       granted_at INTEGER NOT NULL,
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL,
       updated_block INTEGER NOT NULL,
       PRIMARY KEY (dataset_id, org_id)
     )`,
    `CREATE INDEX IF NOT EXISTS idx_licences_org ON idx_licences (org_id, created_block, created_log_index)`,
    `CREATE INDEX IF NOT EXISTS idx_licences_order ON idx_licences (created_block, created_log_index)`,
  ],

  apply(db: Database.Database, event: IndexedEvent): void {
    if (event.contract !== "DataAssetRegistry") return;
    const a = event.args;
    if (event.name === "LicenseGranted") {
      // A renewal (or a grant after a revocation) replaces terms and expiry; the licence keeps its place in the order.
      stmt(
        db,
        `INSERT INTO idx_licences
           (dataset_id, org_id, terms_hash, terms, expires_at, revoked, revoked_reason, granted_tx, granted_at, created_block, created_log_index, updated_block)
         VALUES (?, ?, ?, ?, ?, 0, NULL, ?, ?, ?, ?, ?)
         ON CONFLICT (dataset_id, org_id) DO UPDATE SET
           terms_hash = excluded.terms_hash, terms = excluded.terms, expires_at = excluded.expires_at, revoked = 0, revoked_reason = NULL,
           granted_tx = excluded.granted_tx, granted_at = excluded.granted_at, updated_block = excluded.updated_block`,
      ).run(datasetKey(a.id), a.orgId, a.termsHash, a.terms, Number(a.expiresAt), event.txHash, event.timestamp, event.blockNumber, event.logIndex, event.blockNumber);
    } else if (event.name === "LicenseRevoked") {
      stmt(db, "UPDATE idx_licences SET revoked = 1, revoked_reason = ?, updated_block = ? WHERE dataset_id = ? AND org_id = ?").run(
        a.reason,
        event.blockNumber,
        datasetKey(a.id),
        a.orgId,
      );
    }
  },

  // The datasets projection names the dataset and the organisation of every licence event.
  subjects: () => [],

  reset(db: Database.Database): void {
    db.exec("DELETE FROM idx_licences");
  },
};

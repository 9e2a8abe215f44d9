import type Database from "better-sqlite3";
import type { IndexedEvent, Projection } from "../projection";
import { account, amount, idText, stmt } from "./sql";

/** Carbon projects and the verifiers' attestations of their monitoring reports. */
export const projectsProjection: Projection = {
  name: "projects",
  schema: [
    `CREATE TABLE IF NOT EXISTS idx_projects (
       project_key TEXT PRIMARY KEY,
       project_id TEXT NOT NULL,
       developer_org TEXT NOT NULL,
       standard TEXT NOT NULL,
       methodology TEXT NOT NULL,
       location TEXT NOT NULL,
       metadata_hash TEXT NOT NULL,
       registered_tx TEXT NOT NULL,
       registered_at INTEGER NOT NULL,
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL
     )`,
    `CREATE INDEX IF NOT EXISTS idx_projects_id ON idx_projects (project_id)`,
    `CREATE INDEX IF NOT EXISTS idx_projects_order ON idx_projects (created_block, created_log_index)`,
    `CREATE TABLE IF NOT EXISTS idx_attestations (
       attestation_id TEXT PRIMARY KEY,
       project_key TEXT NOT NULL,
       verifier TEXT NOT NULL,
       period_start INTEGER NOT NULL,
       period_end INTEGER NOT NULL,
       amount TEXT NOT NULL,
       report_hash TEXT NOT NULL,
       batch_id TEXT,
       attested_tx TEXT NOT NULL,
       attested_at INTEGER NOT NULL,
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL
     )`,
    `CREATE INDEX IF NOT EXISTS idx_attestations_project ON idx_attestations (project_key, created_block, created_log_index)`,
  ],

  apply(db: Database.Database, event: IndexedEvent): void {
    if (event.contract !== "CarbonCreditRegistry") return;
    const a = event.args;
    switch (event.name) {
      case "ProjectRegistered":
        stmt(
          db,
          `INSERT OR REPLACE INTO idx_projects
             (project_key, project_id, developer_org, standard, methodology, location, metadata_hash, registered_tx, registered_at, created_block, created_log_index)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(a.projectKey, a.projectId, a.developerOrg, a.standard, a.methodology, a.location, a.metadataHash, event.txHash, event.timestamp, event.blockNumber, event.logIndex);
        break;
      case "Attested":
        stmt(
          db,
          `INSERT OR REPLACE INTO idx_attestations
             (attestation_id, project_key, verifier, period_start, period_end, amount, report_hash, batch_id, attested_tx, attested_at, created_block, created_log_index)
           VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)`,
        ).run(a.attestationId, a.projectKey, account(a.verifier), Number(a.periodStart), Number(a.periodEnd), amount(a.amount), a.reportHash, event.txHash, event.timestamp, event.blockNumber, event.logIndex);
        break;
      case "BatchIssued":
        stmt(db, "UPDATE idx_attestations SET batch_id = ? WHERE attestation_id = ?").run(idText(a.batchId), a.attestationId);
        break;
      default:
        break;
    }
  },

  // The batches projection names the subjects of every registry event.
  subjects: () => [],

  reset(db: Database.Database): void {
    db.exec("DELETE FROM idx_projects; DELETE FROM idx_attestations;");
  },
};

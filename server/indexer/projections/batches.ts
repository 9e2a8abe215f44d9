import type Database from "better-sqlite3";
import type { IndexedEvent, Projection } from "../projection";
import { account, accountSubjects, amount, idText, plus, stmt } from "./sql";

/**
 * Carbon batches with their supply split (issued, circulating, retired, cancelled), serial block, freeze and
 * corresponding-adjustment status; and the accounts the issuer froze. Names the subjects of every registry event:
 * `batch:<id>`, `project:<key>`, the developer `org:<id>`, and the accounts involved.
 */
export const batchesProjection: Projection = {
  name: "batches",
  schema: [
    `CREATE TABLE IF NOT EXISTS idx_batches (
       batch_id TEXT PRIMARY KEY,
       project_key TEXT NOT NULL,
       attestation_id TEXT NOT NULL,
       first_holder TEXT NOT NULL,
       serial_first TEXT NOT NULL,
       serial_last TEXT NOT NULL,
       issued TEXT NOT NULL,
       circulating TEXT NOT NULL,
       retired TEXT NOT NULL DEFAULT '0',
       cancelled TEXT NOT NULL DEFAULT '0',
       frozen INTEGER NOT NULL DEFAULT 0,
       frozen_reason TEXT,
       adjustment INTEGER NOT NULL DEFAULT 0,
       adjustment_evidence TEXT,
       issued_tx TEXT NOT NULL,
       issued_at INTEGER NOT NULL,
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL,
       updated_block INTEGER NOT NULL
     )`,
    `CREATE INDEX IF NOT EXISTS idx_batches_project ON idx_batches (project_key, created_block, created_log_index)`,
    `CREATE INDEX IF NOT EXISTS idx_batches_order ON idx_batches (created_block, created_log_index)`,
    `CREATE TABLE IF NOT EXISTS idx_frozen_accounts (
       account TEXT PRIMARY KEY,
       frozen INTEGER NOT NULL,
       reason TEXT NOT NULL,
       updated_block INTEGER NOT NULL
     )`,
  ],

  apply(db: Database.Database, event: IndexedEvent): void {
    if (event.contract !== "CarbonCreditRegistry") return;
    const a = event.args;
    switch (event.name) {
      case "BatchIssued":
        stmt(
          db,
          `INSERT OR REPLACE INTO idx_batches
             (batch_id, project_key, attestation_id, first_holder, serial_first, serial_last, issued, circulating, issued_tx, issued_at, created_block, created_log_index, updated_block)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          idText(a.batchId),
          a.projectKey,
          a.attestationId,
          account(a.to),
          amount(a.serialFirst),
          amount(a.serialLast),
          amount(a.amount),
          amount(a.amount),
          event.txHash,
          event.timestamp,
          event.blockNumber,
          event.logIndex,
          event.blockNumber,
        );
        break;
      case "Retired":
      case "Cancelled": {
        const column = event.name === "Retired" ? "retired" : "cancelled";
        const row = stmt(db, `SELECT ${column} AS consumed, circulating FROM idx_batches WHERE batch_id = ?`).get(idText(a.batchId)) as
          | { consumed: string; circulating: string }
          | undefined;
        if (!row) break;
        const units = a.amount as bigint;
        stmt(db, `UPDATE idx_batches SET ${column} = ?, circulating = ?, updated_block = ? WHERE batch_id = ?`).run(
          plus(row.consumed, units),
          plus(row.circulating, -units),
          event.blockNumber,
          idText(a.batchId),
        );
        break;
      }
      case "BatchFrozen":
      case "BatchUnfrozen":
        stmt(db, "UPDATE idx_batches SET frozen = ?, frozen_reason = ?, updated_block = ? WHERE batch_id = ?").run(
          event.name === "BatchFrozen" ? 1 : 0,
          a.reason,
          event.blockNumber,
          idText(a.batchId),
        );
        break;
      case "CorrespondingAdjustmentChanged":
        stmt(db, "UPDATE idx_batches SET adjustment = ?, adjustment_evidence = ?, updated_block = ? WHERE batch_id = ?").run(
          Number(a.status),
          a.evidenceHash,
          event.blockNumber,
          idText(a.batchId),
        );
        break;
      case "AccountFrozen":
      case "AccountUnfrozen":
        stmt(db, "INSERT OR REPLACE INTO idx_frozen_accounts (account, frozen, reason, updated_block) VALUES (?, ?, ?, ?)").run(
          account(a.account),
          event.name === "AccountFrozen" ? 1 : 0,
          a.reason,
          event.blockNumber,
        );
        break;
      default:
        break;
    }
  },

  subjects(event: IndexedEvent): string[] {
    if (event.contract !== "CarbonCreditRegistry") return [];
    const a = event.args;
    const batches = a.batchId !== undefined ? [a.batchId] : a.id !== undefined ? [a.id] : Array.isArray(a.ids) ? a.ids : [];
    const subjects = batches.map((id) => `batch:${idText(id)}`);
    if (typeof a.projectKey === "string") subjects.push(`project:${a.projectKey}`);
    if (typeof a.developerOrg === "string") subjects.push(`org:${a.developerOrg}`);
    subjects.push(...accountSubjects(a.from, a.to, a.holder, a.verifier, a.account));
    return subjects;
  },

  reset(db: Database.Database): void {
    db.exec("DELETE FROM idx_batches; DELETE FROM idx_frozen_accounts;");
  },
};

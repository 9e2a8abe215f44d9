import type Database from "better-sqlite3";
import type { IndexedEvent, Projection } from "../projection";
import { account, amount, idText, stmt } from "./sql";

/** Retirement certificates (with the claim: beneficiary, reason, consumption period) and cancellations. */
export const retirementsProjection: Projection = {
  name: "retirements",
  schema: [
    `CREATE TABLE IF NOT EXISTS idx_retirements (
       retirement_id TEXT PRIMARY KEY,
       batch_id TEXT NOT NULL,
       holder TEXT NOT NULL,
       amount TEXT NOT NULL,
       serial_first TEXT NOT NULL,
       serial_last TEXT NOT NULL,
       beneficiary_name TEXT NOT NULL,
       beneficiary_org TEXT NOT NULL,
       reason TEXT NOT NULL,
       consumption_start INTEGER NOT NULL,
       consumption_end INTEGER NOT NULL,
       retired_tx TEXT NOT NULL,
       retired_at INTEGER NOT NULL,
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL
     )`,
    `CREATE INDEX IF NOT EXISTS idx_retirements_order ON idx_retirements (created_block, created_log_index)`,
    `CREATE INDEX IF NOT EXISTS idx_retirements_holder ON idx_retirements (holder, created_block, created_log_index)`,
    `CREATE INDEX IF NOT EXISTS idx_retirements_batch ON idx_retirements (batch_id, created_block, created_log_index)`,
    `CREATE TABLE IF NOT EXISTS idx_cancellations (
       tx_hash TEXT NOT NULL,
       log_index INTEGER NOT NULL,
       batch_id TEXT NOT NULL,
       holder TEXT NOT NULL,
       amount TEXT NOT NULL,
       serial_first TEXT NOT NULL,
       serial_last TEXT NOT NULL,
       reason TEXT NOT NULL,
       cancelled_at INTEGER NOT NULL,
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL,
       PRIMARY KEY (tx_hash, log_index)
     )`,
    `CREATE INDEX IF NOT EXISTS idx_cancellations_batch ON idx_cancellations (batch_id, created_block, created_log_index)`,
  ],

  apply(db: Database.Database, event: IndexedEvent): void {
    if (event.contract !== "CarbonCreditRegistry") return;
    const a = event.args;
    if (event.name === "Retired") {
      const claim = a.claim as { beneficiaryName: string; beneficiaryOrg: string; reason: string; consumptionStart: bigint; consumptionEnd: bigint };
      stmt(
        db,
        `INSERT OR REPLACE INTO idx_retirements
           (retirement_id, batch_id, holder, amount, serial_first, serial_last, beneficiary_name, beneficiary_org, reason, consumption_start, consumption_end,
            retired_tx, retired_at, created_block, created_log_index)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        idText(a.retirementId),
        idText(a.batchId),
        account(a.holder),
        amount(a.amount),
        amount(a.serialFirst),
        amount(a.serialLast),
        claim.beneficiaryName,
        claim.beneficiaryOrg,
        claim.reason,
        Number(claim.consumptionStart),
        Number(claim.consumptionEnd),
        event.txHash,
        event.timestamp,
        event.blockNumber,
        event.logIndex,
      );
    } else if (event.name === "Cancelled") {
      stmt(
        db,
        `INSERT OR IGNORE INTO idx_cancellations
           (tx_hash, log_index, batch_id, holder, amount, serial_first, serial_last, reason, cancelled_at, created_block, created_log_index)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(event.txHash, event.logIndex, idText(a.batchId), account(a.holder), amount(a.amount), amount(a.serialFirst), amount(a.serialLast), a.reason, event.timestamp, event.blockNumber, event.logIndex);
    }
  },

  subjects(event: IndexedEvent): string[] {
    if (event.contract !== "CarbonCreditRegistry" || event.name !== "Retired") return [];
    const claim = event.args.claim as { beneficiaryOrg: string };
    // The beneficiary organisation's history shows the retirements made in its name.
    return [`retirement:${idText(event.args.retirementId)}`, ...(/^0x0+$/.test(claim.beneficiaryOrg) ? [] : [`org:${claim.beneficiaryOrg}`])];
  },

  reset(db: Database.Database): void {
    db.exec("DELETE FROM idx_retirements; DELETE FROM idx_cancellations;");
  },
};

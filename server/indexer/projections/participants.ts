import type Database from "better-sqlite3";
import type { IndexedEvent, Projection } from "../projection";
import { stmt } from "./sql";

/** Organisations and their accounts, from ParticipantRegistry events. */
export const participantsProjection: Projection = {
  name: "participants",
  schema: [
    `CREATE TABLE IF NOT EXISTS idx_orgs (
       org_id TEXT PRIMARY KEY,
       kind INTEGER NOT NULL,
       status INTEGER NOT NULL,
       valid_until TEXT NOT NULL,
       metadata_hash TEXT NOT NULL,
       name TEXT NOT NULL,
       registered_block INTEGER NOT NULL,
       registered_tx TEXT NOT NULL,
       updated_block INTEGER NOT NULL
     )`,
    `CREATE TABLE IF NOT EXISTS idx_accounts (
       account TEXT PRIMARY KEY,
       org_id TEXT NOT NULL,
       added_block INTEGER NOT NULL
     )`,
    `CREATE INDEX IF NOT EXISTS idx_accounts_org ON idx_accounts (org_id)`,
  ],

  apply(db: Database.Database, event: IndexedEvent): void {
    if (event.contract !== "ParticipantRegistry") return;
    const a = event.args;
    switch (event.name) {
      case "OrganizationRegistered":
        stmt(db, 
          `INSERT OR REPLACE INTO idx_orgs (org_id, kind, status, valid_until, metadata_hash, name, registered_block, registered_tx, updated_block)
           VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?)`,
        ).run(a.orgId, Number(a.kind), String(a.validUntil), a.metadataHash, a.name, event.blockNumber, event.txHash, event.blockNumber);
        break;
      case "OrganizationUpdated":
        stmt(db, "UPDATE idx_orgs SET valid_until = ?, metadata_hash = ?, updated_block = ? WHERE org_id = ?").run(
          String(a.validUntil),
          a.metadataHash,
          event.blockNumber,
          a.orgId,
        );
        break;
      case "OrganizationStatusChanged":
        stmt(db, "UPDATE idx_orgs SET status = ?, updated_block = ? WHERE org_id = ?").run(Number(a.newStatus), event.blockNumber, a.orgId);
        break;
      case "AccountAdded":
        stmt(db, "INSERT OR REPLACE INTO idx_accounts (account, org_id, added_block) VALUES (?, ?, ?)").run(
          (a.account as string).toLowerCase(),
          a.orgId,
          event.blockNumber,
        );
        break;
      case "AccountRemoved":
        stmt(db, "DELETE FROM idx_accounts WHERE account = ?").run((a.account as string).toLowerCase());
        break;
      default:
        break;
    }
  },

  subjects(event: IndexedEvent): string[] {
    if (event.contract !== "ParticipantRegistry" || typeof event.args.orgId !== "string") return [];
    const subjects = [`org:${event.args.orgId}`];
    if (typeof event.args.account === "string") subjects.push(`account:${event.args.account.toLowerCase()}`);
    return subjects;
  },

  reset(db: Database.Database): void {
    db.exec("DELETE FROM idx_orgs; DELETE FROM idx_accounts;");
  },
};

export function orgOfAccount(db: Database.Database, account: string): string | null {
  const row = stmt(db, "SELECT org_id FROM idx_accounts WHERE account = ?").get(account.toLowerCase()) as { org_id: string } | undefined;
  return row?.org_id ?? null;
}

/** An organisation's status and validity (unix seconds, 0 for none) as the index holds them; undefined if unknown. */
export function orgStanding(db: Database.Database, orgId: string): { status: number; validUntil: bigint } | undefined {
  const row = stmt(db, "SELECT status, valid_until FROM idx_orgs WHERE org_id = ?").get(orgId) as { status: number; valid_until: string } | undefined;
  return row && { status: row.status, validUntil: BigInt(row.valid_until) };
}

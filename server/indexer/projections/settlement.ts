import type Database from "better-sqlite3";
import type { IndexedEvent, Projection } from "../projection";
import { account, accountSubjects, plus, stmt } from "./sql";

/** VND balances per account, and the token's supply (minted, burned). */
export const settlementProjection: Projection = {
  name: "settlement",
  schema: [
    `CREATE TABLE IF NOT EXISTS idx_vnd_balances (
       account TEXT PRIMARY KEY,
       balance TEXT NOT NULL DEFAULT '0',
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL,
       updated_block INTEGER NOT NULL
     )`,
    `CREATE TABLE IF NOT EXISTS idx_vnd_supply (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       minted TEXT NOT NULL,
       burned TEXT NOT NULL
     )`,
  ],

  apply(db: Database.Database, event: IndexedEvent): void {
    if (event.contract !== "SettlementToken" || event.name !== "Transfer") return;
    const from = account(event.args.from);
    const to = account(event.args.to);
    const value = event.args.value as bigint;
    if (from === null || to === null) {
      const supply = (stmt(db, "SELECT minted, burned FROM idx_vnd_supply WHERE id = 1").get() as { minted: string; burned: string } | undefined) ?? { minted: "0", burned: "0" };
      stmt(db, "INSERT OR REPLACE INTO idx_vnd_supply (id, minted, burned) VALUES (1, ?, ?)").run(
        from === null ? plus(supply.minted, value) : supply.minted,
        to === null ? plus(supply.burned, value) : supply.burned,
      );
    }
    if (from !== null) credit(db, event, from, -value);
    if (to !== null) credit(db, event, to, value);
  },

  subjects(event: IndexedEvent): string[] {
    if (event.contract !== "SettlementToken") return [];
    const a = event.args;
    return event.name === "Transfer" || event.name === "Minted" || event.name === "Burned" ? accountSubjects(a.from, a.to) : [];
  },

  reset(db: Database.Database): void {
    db.exec("DELETE FROM idx_vnd_balances; DELETE FROM idx_vnd_supply;");
  },
};

function credit(db: Database.Database, event: IndexedEvent, who: string, delta: bigint): void {
  stmt(db, "INSERT OR IGNORE INTO idx_vnd_balances (account, created_block, created_log_index, updated_block) VALUES (?, ?, ?, ?)").run(
    who,
    event.blockNumber,
    event.logIndex,
    event.blockNumber,
  );
  const row = stmt(db, "SELECT balance FROM idx_vnd_balances WHERE account = ?").get(who) as { balance: string };
  stmt(db, "UPDATE idx_vnd_balances SET balance = ?, updated_block = ? WHERE account = ?").run(plus(row.balance, delta), event.blockNumber, who);
}

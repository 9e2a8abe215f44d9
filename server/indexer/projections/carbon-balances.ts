import type Database from "better-sqlite3";
import type { IndexedEvent, Projection } from "../projection";
import { account, idText, plus, stmt } from "./sql";

/** Credit balances per (account, batch), and what each account retired of each batch (its retired balance). */
export const carbonBalancesProjection: Projection = {
  name: "carbon balances",
  schema: [
    `CREATE TABLE IF NOT EXISTS idx_carbon_balances (
       account TEXT NOT NULL,
       batch_id TEXT NOT NULL,
       balance TEXT NOT NULL DEFAULT '0',
       retired TEXT NOT NULL DEFAULT '0',
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL,
       updated_block INTEGER NOT NULL,
       PRIMARY KEY (account, batch_id)
     )`,
    `CREATE INDEX IF NOT EXISTS idx_carbon_balances_batch ON idx_carbon_balances (batch_id)`,
  ],

  apply(db: Database.Database, event: IndexedEvent): void {
    if (event.contract !== "CarbonCreditRegistry") return;
    const a = event.args;
    switch (event.name) {
      case "TransferSingle":
        move(db, event, a.from, a.to, a.id as bigint, a.value as bigint);
        break;
      case "TransferBatch":
        (a.ids as bigint[]).forEach((id, i) => move(db, event, a.from, a.to, id, (a.values as bigint[])[i]));
        break;
      case "Retired": {
        const holder = account(a.holder)!;
        const row = ensure(db, event, holder, idText(a.batchId));
        stmt(db, "UPDATE idx_carbon_balances SET retired = ?, updated_block = ? WHERE account = ? AND batch_id = ?").run(
          plus(row.retired, a.amount as bigint),
          event.blockNumber,
          holder,
          idText(a.batchId),
        );
        break;
      }
      default:
        break;
    }
  },

  // The batches projection names the subjects of every registry event.
  subjects: () => [],

  reset(db: Database.Database): void {
    db.exec("DELETE FROM idx_carbon_balances");
  },
};

function move(db: Database.Database, event: IndexedEvent, from: unknown, to: unknown, id: bigint, value: bigint): void {
  const batchId = idText(id);
  for (const [who, delta] of [
    [account(from), -value],
    [account(to), value],
  ] as const) {
    if (who === null) continue;
    const row = ensure(db, event, who, batchId);
    stmt(db, "UPDATE idx_carbon_balances SET balance = ?, updated_block = ? WHERE account = ? AND batch_id = ?").run(plus(row.balance, delta), event.blockNumber, who, batchId);
  }
}

function ensure(db: Database.Database, event: IndexedEvent, who: string, batchId: string): { balance: string; retired: string } {
  stmt(
    db,
    `INSERT OR IGNORE INTO idx_carbon_balances (account, batch_id, created_block, created_log_index, updated_block) VALUES (?, ?, ?, ?, ?)`,
  ).run(who, batchId, event.blockNumber, event.logIndex, event.blockNumber);
  return stmt(db, "SELECT balance, retired FROM idx_carbon_balances WHERE account = ? AND batch_id = ?").get(who, batchId) as { balance: string; retired: string };
}

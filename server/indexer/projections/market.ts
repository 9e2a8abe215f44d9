import type Database from "better-sqlite3";
import type { IndexedEvent, Projection } from "../projection";
import { account, accountSubjects, amount, idText, plus, stmt } from "./sql";

/**
 * Listings (remainder, status open/filled/cancelled/reclaimed; the issuer's cancellation in escrow reduces the remainder
 * and, at 0, closes the listing as cancelled), trades (with the retirement of a retire-on-purchase
 * fill, which the registry records in the same transaction) and the market's fee. Subjects: `listing:<id>`,
 * `batch:<id>`, and seller and buyer accounts.
 */
export const marketProjection: Projection = {
  name: "market",
  schema: [
    `CREATE TABLE IF NOT EXISTS idx_listings (
       listing_id TEXT PRIMARY KEY,
       seller TEXT NOT NULL,
       batch_id TEXT NOT NULL,
       amount TEXT NOT NULL,
       remaining TEXT NOT NULL,
       unit_price TEXT NOT NULL,
       min_fill TEXT NOT NULL,
       expiry INTEGER NOT NULL,
       buyer TEXT,
       status TEXT NOT NULL,
       listed_tx TEXT NOT NULL,
       listed_at INTEGER NOT NULL,
       closed_tx TEXT,
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL,
       updated_block INTEGER NOT NULL
     )`,
    `CREATE INDEX IF NOT EXISTS idx_listings_order ON idx_listings (created_block, created_log_index)`,
    `CREATE INDEX IF NOT EXISTS idx_listings_batch ON idx_listings (batch_id, status)`,
    `CREATE TABLE IF NOT EXISTS idx_trades (
       tx_hash TEXT NOT NULL,
       log_index INTEGER NOT NULL,
       listing_id TEXT NOT NULL,
       seller TEXT NOT NULL,
       buyer TEXT NOT NULL,
       batch_id TEXT NOT NULL,
       amount TEXT NOT NULL,
       unit_price TEXT NOT NULL,
       cost TEXT NOT NULL,
       fee TEXT NOT NULL,
       retirement_id TEXT,
       traded_at INTEGER NOT NULL,
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL,
       PRIMARY KEY (tx_hash, log_index)
     )`,
    `CREATE INDEX IF NOT EXISTS idx_trades_order ON idx_trades (created_block, created_log_index)`,
    `CREATE INDEX IF NOT EXISTS idx_trades_listing ON idx_trades (listing_id)`,
    `CREATE TABLE IF NOT EXISTS idx_market_config (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       fee_bps INTEGER NOT NULL,
       fee_recipient TEXT,
       paused INTEGER NOT NULL
     )`,
  ],

  apply(db: Database.Database, event: IndexedEvent): void {
    const a = event.args;
    if (event.contract === "CarbonCreditRegistry" && event.name === "Retired") {
      // Retire-on-purchase: the market's retirement names the buyer as holder, in the transaction of the trade.
      stmt(
        db,
        `UPDATE idx_trades SET retirement_id = ? WHERE tx_hash = ? AND buyer = ? AND batch_id = ? AND amount = ? AND retirement_id IS NULL`,
      ).run(idText(a.retirementId), event.txHash, account(a.holder), idText(a.batchId), amount(a.amount));
      return;
    }
    if (event.contract !== "CarbonMarket") return;
    switch (event.name) {
      case "Listed":
        stmt(
          db,
          `INSERT OR REPLACE INTO idx_listings
             (listing_id, seller, batch_id, amount, remaining, unit_price, min_fill, expiry, buyer, status, listed_tx, listed_at, created_block, created_log_index, updated_block)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)`,
        ).run(
          idText(a.listingId),
          account(a.seller),
          idText(a.batchId),
          amount(a.amount),
          amount(a.amount),
          amount(a.unitPrice),
          amount(a.minFill),
          Number(a.expiry),
          account(a.buyer),
          event.txHash,
          event.timestamp,
          event.blockNumber,
          event.logIndex,
          event.blockNumber,
        );
        break;
      case "Traded": {
        const cost = (a.amount as bigint) * (a.unitPrice as bigint);
        stmt(
          db,
          `INSERT OR IGNORE INTO idx_trades
             (tx_hash, log_index, listing_id, seller, buyer, batch_id, amount, unit_price, cost, fee, traded_at, created_block, created_log_index)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(event.txHash, event.logIndex, idText(a.listingId), account(a.seller), account(a.buyer), idText(a.batchId), amount(a.amount), amount(a.unitPrice), cost.toString(), amount(a.fee), event.timestamp, event.blockNumber, event.logIndex);
        const row = stmt(db, "SELECT remaining FROM idx_listings WHERE listing_id = ?").get(idText(a.listingId)) as { remaining: string } | undefined;
        if (!row) break;
        setRemaining(db, event, plus(row.remaining, -(a.amount as bigint)), "filled");
        break;
      }
      case "ListingCancelled":
      case "ListingReclaimed":
        stmt(db, "UPDATE idx_listings SET remaining = '0', status = ?, closed_tx = ?, updated_block = ? WHERE listing_id = ?").run(
          event.name === "ListingCancelled" ? "cancelled" : "reclaimed",
          event.txHash,
          event.blockNumber,
          idText(a.listingId),
        );
        break;
      case "ListingReduced":
        // The issuer cancelled credits in escrow: what is left stays for sale; nothing left closes the listing as cancelled.
        setRemaining(db, event, amount(a.remaining), "cancelled");
        break;
      case "FeeChanged":
      case "Paused":
      case "Unpaused": {
        const config = (stmt(db, "SELECT fee_bps, fee_recipient, paused FROM idx_market_config WHERE id = 1").get() as
          | { fee_bps: number; fee_recipient: string | null; paused: number }
          | undefined) ?? { fee_bps: 0, fee_recipient: null, paused: 0 };
        if (event.name === "FeeChanged") Object.assign(config, { fee_bps: Number(a.feeBps), fee_recipient: account(a.recipient) });
        else config.paused = event.name === "Paused" ? 1 : 0;
        stmt(db, "INSERT OR REPLACE INTO idx_market_config (id, fee_bps, fee_recipient, paused) VALUES (1, ?, ?, ?)").run(config.fee_bps, config.fee_recipient, config.paused);
        break;
      }
      default:
        break;
    }
  },

  subjects(event: IndexedEvent): string[] {
    if (event.contract !== "CarbonMarket") return [];
    const a = event.args;
    const subjects: string[] = [];
    if (a.listingId !== undefined) subjects.push(`listing:${idText(a.listingId)}`);
    if (a.batchId !== undefined) subjects.push(`batch:${idText(a.batchId)}`);
    subjects.push(...accountSubjects(a.seller, a.buyer, a.by));
    return subjects;
  },

  reset(db: Database.Database): void {
    db.exec("DELETE FROM idx_listings; DELETE FROM idx_trades; DELETE FROM idx_market_config;");
  },
};

/** A listing's new remainder; at 0 it closes with `closedAs`, in the event's transaction. */
function setRemaining(db: Database.Database, event: IndexedEvent, remaining: string, closedAs: "filled" | "cancelled"): void {
  stmt(db, "UPDATE idx_listings SET remaining = ?, status = ?, closed_tx = ?, updated_block = ? WHERE listing_id = ?").run(
    remaining,
    remaining === "0" ? closedAs : "open",
    remaining === "0" ? event.txHash : null,
    event.blockNumber,
    idText(event.args.listingId),
  );
}

import type Database from "better-sqlite3";
import type { IndexedEvent, Projection } from "../projection";
import { account, accountSubjects, amount, datasetKey, idText, stmt } from "./sql";

/**
 * The data exchange: offers (with their sold count and whether cancelled) and licence sales. Subjects: `offer:<id>`,
 * `dataset:<id>` (so a dataset's history shows its offers and sales), `org:<buyer org>` and the accounts involved.
 */
export const exchangeProjection: Projection = {
  name: "exchange",
  schema: [
    `CREATE TABLE IF NOT EXISTS idx_offers (
       offer_id TEXT PRIMARY KEY,
       dataset_id TEXT NOT NULL,
       offerer TEXT NOT NULL,
       price TEXT NOT NULL,
       term INTEGER NOT NULL,
       licence_end INTEGER NOT NULL,
       terms_hash TEXT NOT NULL,
       max_licences INTEGER NOT NULL,
       sold INTEGER NOT NULL DEFAULT 0,
       expiry INTEGER NOT NULL,
       allowed TEXT NOT NULL,
       cancelled INTEGER NOT NULL DEFAULT 0,
       offered_tx TEXT NOT NULL,
       offered_at INTEGER NOT NULL,
       closed_tx TEXT,
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL,
       updated_block INTEGER NOT NULL
     )`,
    `CREATE INDEX IF NOT EXISTS idx_offers_order ON idx_offers (created_block, created_log_index)`,
    `CREATE INDEX IF NOT EXISTS idx_offers_dataset ON idx_offers (dataset_id)`,
    `CREATE TABLE IF NOT EXISTS idx_licence_sales (
       tx_hash TEXT NOT NULL,
       log_index INTEGER NOT NULL,
       offer_id TEXT NOT NULL,
       dataset_id TEXT NOT NULL,
       buyer TEXT NOT NULL,
       buyer_org TEXT NOT NULL,
       holder TEXT NOT NULL,
       price TEXT NOT NULL,
       fee TEXT NOT NULL,
       previous_expires_at INTEGER NOT NULL,
       expires_at INTEGER NOT NULL,
       sold_at INTEGER NOT NULL,
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL,
       PRIMARY KEY (tx_hash, log_index)
     )`,
    `CREATE INDEX IF NOT EXISTS idx_licence_sales_order ON idx_licence_sales (created_block, created_log_index)`,
    `CREATE INDEX IF NOT EXISTS idx_licence_sales_buyer ON idx_licence_sales (buyer_org)`,
    `CREATE INDEX IF NOT EXISTS idx_licence_sales_holder ON idx_licence_sales (holder)`,
  ],

  apply(db: Database.Database, event: IndexedEvent): void {
    if (event.contract !== "DataExchange") return;
    const a = event.args;
    switch (event.name) {
      case "OfferCreated":
        stmt(
          db,
          `INSERT OR REPLACE INTO idx_offers
             (offer_id, dataset_id, offerer, price, term, licence_end, terms_hash, max_licences, sold, expiry, allowed, cancelled,
              offered_tx, offered_at, created_block, created_log_index, updated_block)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 0, ?, ?, ?, ?, ?)`,
        ).run(
          idText(a.offerId),
          datasetKey(a.datasetId),
          account(a.offerer),
          amount(a.price),
          Number(a.term),
          Number(a.licenceEnd),
          a.termsHash,
          Number(a.maxLicences),
          Number(a.expiry),
          JSON.stringify(a.allowed as string[]),
          event.txHash,
          event.timestamp,
          event.blockNumber,
          event.logIndex,
          event.blockNumber,
        );
        break;
      case "LicensePurchased":
        stmt(
          db,
          `INSERT OR IGNORE INTO idx_licence_sales
             (tx_hash, log_index, offer_id, dataset_id, buyer, buyer_org, holder, price, fee, previous_expires_at, expires_at, sold_at,
              created_block, created_log_index)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          event.txHash,
          event.logIndex,
          idText(a.offerId),
          datasetKey(a.datasetId),
          account(a.buyer),
          a.buyerOrg,
          account(a.holder),
          amount(a.price),
          amount(a.fee),
          Number(a.previousExpiresAt),
          Number(a.expiresAt),
          event.timestamp,
          event.blockNumber,
          event.logIndex,
        );
        stmt(db, "UPDATE idx_offers SET sold = sold + 1, updated_block = ? WHERE offer_id = ?").run(event.blockNumber, idText(a.offerId));
        break;
      case "OfferCancelled":
        stmt(db, "UPDATE idx_offers SET cancelled = 1, closed_tx = ?, updated_block = ? WHERE offer_id = ?").run(
          event.txHash,
          event.blockNumber,
          idText(a.offerId),
        );
        break;
      default:
        break;
    }
  },

  subjects(event: IndexedEvent): string[] {
    if (event.contract !== "DataExchange") return [];
    const a = event.args;
    const subjects: string[] = [];
    if (a.offerId !== undefined) subjects.push(`offer:${idText(a.offerId)}`);
    if (a.datasetId !== undefined) subjects.push(`dataset:${datasetKey(a.datasetId)}`);
    if (typeof a.buyerOrg === "string") subjects.push(`org:${a.buyerOrg}`);
    subjects.push(...accountSubjects(a.offerer, a.buyer, a.holder));
    return subjects;
  },

  reset(db: Database.Database): void {
    db.exec("DELETE FROM idx_offers; DELETE FROM idx_licence_sales;");
  },
};

import type Database from "better-sqlite3";
import { accountParam, idParam, type ChainRef } from "./common";
import { InvalidQueryError, conditions, keysetPage, type Page, type PageOptions } from "./page";

export const LISTING_STATUSES = ["open", "filled", "cancelled", "reclaimed"] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];

export interface ListingView {
  listingId: string;
  seller: string;
  batchId: string;
  /** Units listed and left, decimal text. */
  amount: string;
  remaining: string;
  /** VND per unit, decimal text. */
  unitPrice: string;
  minFill: string;
  /** Unix seconds; null for none. */
  expiry: number | null;
  /** The only buyer allowed; null for anyone. */
  buyer: string | null;
  /** As the index saw it: an open listing past its expiry stays "open" until someone reclaims it. */
  status: ListingStatus;
  listed: ChainRef;
  closedTx: string | null;
}

export interface TradeView {
  listingId: string;
  seller: string;
  buyer: string;
  batchId: string;
  amount: string;
  unitPrice: string;
  /** VND the buyer paid (amount × unit price); the seller received cost − fee. */
  cost: string;
  fee: string;
  /** The retirement certificate, for a fill retired on purchase. */
  retirementId: string | null;
  traded: ChainRef;
}

/** Listings in the order listed. */
export function listListings(
  db: Database.Database,
  filter: { status?: ListingStatus; batchId?: string; seller?: string; expired?: { at: number; expired: boolean } },
  page: PageOptions,
): Page<ListingView> {
  if (filter.status !== undefined && !LISTING_STATUSES.includes(filter.status)) {
    throw new InvalidQueryError(`status must be one of ${LISTING_STATUSES.join(", ")}, got ${JSON.stringify(filter.status)}`);
  }
  const where = conditions(
    filter.status !== undefined && { sql: "t.status = ?", params: [filter.status] },
    filter.batchId !== undefined && { sql: "t.batch_id = ?", params: [idParam(filter.batchId, "batch id")] },
    filter.seller !== undefined && { sql: "t.seller = ?", params: [accountParam(filter.seller, "seller")] },
    // Past its expiry at time `at` (unix seconds), or not: an open listing's status as the contract sees it then.
    filter.expired !== undefined &&
      (filter.expired.expired
        ? { sql: "(t.expiry != 0 AND t.expiry < ?)", params: [filter.expired.at] }
        : { sql: "(t.expiry = 0 OR t.expiry >= ?)", params: [filter.expired.at] }),
  );
  return keysetPage(db, { from: "idx_listings t", where }, page, listingView);
}

export function getListing(db: Database.Database, listingId: string | number | bigint): ListingView | null {
  const row = db.prepare("SELECT * FROM idx_listings WHERE listing_id = ?").get(idParam(listingId, "listing id")) as ListingRow | undefined;
  return row ? listingView(row) : null;
}

/** Units bought from a listing so far, decimal text. */
export function filledOf(db: Database.Database, listingId: string | number | bigint): string {
  const rows = db.prepare("SELECT amount FROM idx_trades WHERE listing_id = ?").all(idParam(listingId, "listing id")) as { amount: string }[];
  return rows.reduce((sum, r) => sum + BigInt(r.amount), 0n).toString();
}

/** Trades in chain order; `account` matches buyer or seller. */
export function listTrades(
  db: Database.Database,
  filter: { listingId?: string; batchId?: string; account?: string },
  page: PageOptions,
): Page<TradeView> {
  const account = filter.account !== undefined ? accountParam(filter.account) : undefined;
  const where = conditions(
    filter.listingId !== undefined && { sql: "t.listing_id = ?", params: [idParam(filter.listingId, "listing id")] },
    filter.batchId !== undefined && { sql: "t.batch_id = ?", params: [idParam(filter.batchId, "batch id")] },
    account !== undefined && { sql: "(t.buyer = ? OR t.seller = ?)", params: [account, account] },
  );
  return keysetPage(db, { from: "idx_trades t", where }, page, (row: TradeRow) => ({
    listingId: row.listing_id,
    seller: row.seller,
    buyer: row.buyer,
    batchId: row.batch_id,
    amount: row.amount,
    unitPrice: row.unit_price,
    cost: row.cost,
    fee: row.fee,
    retirementId: row.retirement_id,
    traded: { txHash: row.tx_hash, blockNumber: row.created_block, logIndex: row.log_index, timestamp: row.traded_at },
  }));
}

/** The market's fee and pause flag as last set (zero fee and running when never set). */
export function marketConfig(db: Database.Database): { feeBps: number; feeRecipient: string | null; paused: boolean } {
  const row = db.prepare("SELECT fee_bps, fee_recipient, paused FROM idx_market_config WHERE id = 1").get() as
    | { fee_bps: number; fee_recipient: string | null; paused: number }
    | undefined;
  return { feeBps: row?.fee_bps ?? 0, feeRecipient: row?.fee_recipient ?? null, paused: row?.paused === 1 };
}

interface ListingRow {
  listing_id: string;
  seller: string;
  batch_id: string;
  amount: string;
  remaining: string;
  unit_price: string;
  min_fill: string;
  expiry: number;
  buyer: string | null;
  status: ListingStatus;
  listed_tx: string;
  listed_at: number;
  closed_tx: string | null;
  created_block: number;
  created_log_index: number;
}

interface TradeRow {
  tx_hash: string;
  log_index: number;
  listing_id: string;
  seller: string;
  buyer: string;
  batch_id: string;
  amount: string;
  unit_price: string;
  cost: string;
  fee: string;
  retirement_id: string | null;
  traded_at: number;
  created_block: number;
}

function listingView(row: ListingRow): ListingView {
  return {
    listingId: row.listing_id,
    seller: row.seller,
    batchId: row.batch_id,
    amount: row.amount,
    remaining: row.remaining,
    unitPrice: row.unit_price,
    minFill: row.min_fill,
    expiry: row.expiry === 0 ? null : row.expiry,
    buyer: row.buyer,
    status: row.status,
    listed: { txHash: row.listed_tx, blockNumber: row.created_block, logIndex: row.created_log_index, timestamp: row.listed_at },
    closedTx: row.closed_tx,
  };
}

import type { ChainRef } from "./types";

export const LISTING_STATUSES = ["Open", "Expired", "Filled", "Cancelled", "Reclaimed"] as const;
export type ListingStatusName = (typeof LISTING_STATUSES)[number];

export interface ListingRecord {
  id: bigint;
  seller: string;
  batchId: bigint;
  amount: bigint;
  remaining: bigint;
  /** Units bought so far. */
  filled: bigint;
  unitPrice: bigint;
  minFill: bigint;
  /** Unix seconds, 0 for none. */
  expiry: number;
  /** Zero address when anyone may buy. */
  buyer: string;
  status: ListingStatusName;
  listed: ChainRef;
}

export interface TradeRecord {
  listingId: bigint;
  seller: string;
  buyer: string;
  batchId: bigint;
  amount: bigint;
  unitPrice: bigint;
  fee: bigint;
  at: ChainRef;
  logIndex: number;
}

export interface ListingFilter {
  seller?: string;
  batchId?: bigint;
  status?: ListingStatusName;
  /** Listings with a larger id than this. */
  after?: bigint;
  limit: number;
}

export interface TradeFilter {
  listingId?: bigint;
  seller?: string;
  buyer?: string;
  batchId?: bigint;
  /** Trades after this position (`block:logIndex`). */
  after?: { blockNumber: number; logIndex: number };
  limit: number;
}

/** The market's listings and trades as the gateway shows them (answered by the event index). */
export interface MarketReader {
  listing(id: bigint): Promise<ListingRecord | undefined>;
  listings(filter: ListingFilter): Promise<{ items: ListingRecord[]; more: boolean }>;
  trades(filter: TradeFilter): Promise<{ items: TradeRecord[]; more: boolean }>;
  /** What buying `amount` now costs the buyer, and the fee in it. */
  quote(listingId: bigint, amount: bigint): Promise<{ cost: bigint; fee: bigint }>;
  /** Units of a batch in escrow for a seller's open listings. */
  escrowedBy(seller: string): Promise<Map<bigint, bigint>>;
}

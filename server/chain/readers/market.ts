import type { Provider } from "ethers";
import type { CarbonMarket } from "../../../typechain-types";
import { ContractEvents, chainRef, type ChainEvent, type ChainRef } from "./contract-events";

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

/** The market's listings and trades as the gateway shows them; the indexer answers these later. */
export interface MarketReader {
  listing(id: bigint): Promise<ListingRecord | undefined>;
  listings(filter: ListingFilter): Promise<{ items: ListingRecord[]; more: boolean }>;
  trades(filter: TradeFilter): Promise<{ items: TradeRecord[]; more: boolean }>;
  /** What buying `amount` now costs the buyer, and the fee in it. */
  quote(listingId: bigint, amount: bigint): Promise<{ cost: bigint; fee: bigint }>;
  /** Units of a batch in escrow for a seller's open listings. */
  escrowedBy(seller: string): Promise<Map<bigint, bigint>>;
}

/** MarketReader answered by the node (views and logs). */
export class ChainMarketReader implements MarketReader {
  private readonly events: ContractEvents;

  constructor(
    private readonly provider: Provider,
    private readonly market: CarbonMarket,
    address: string,
    fromBlock: number,
  ) {
    this.events = new ContractEvents(provider, market.interface, address, fromBlock);
  }

  async listing(id: bigint): Promise<ListingRecord | undefined> {
    const event = await this.events.first("Listed", id);
    return event ? this.toListing(event) : undefined;
  }

  async listings(filter: ListingFilter): Promise<{ items: ListingRecord[]; more: boolean }> {
    const listed = await this.events.named("Listed", null, filter.seller ?? null, filter.batchId ?? null);
    const items: ListingRecord[] = [];
    for (const event of listed) {
      if (filter.after !== undefined && (event.args.listingId as bigint) <= filter.after) continue;
      const record = await this.toListing(event);
      if (filter.status && record.status !== filter.status) continue;
      if (items.length === filter.limit) return { items, more: true };
      items.push(record);
    }
    return { items, more: false };
  }

  async trades(filter: TradeFilter): Promise<{ items: TradeRecord[]; more: boolean }> {
    const traded = await this.events.named("Traded", filter.listingId ?? null, filter.seller ?? null, filter.buyer ?? null);
    const items: TradeRecord[] = [];
    for (const e of traded) {
      const a = e.args;
      if (filter.batchId !== undefined && (a.batchId as bigint) !== filter.batchId) continue;
      const after = filter.after;
      if (after && (e.blockNumber < after.blockNumber || (e.blockNumber === after.blockNumber && e.logIndex <= after.logIndex))) continue;
      if (items.length === filter.limit) return { items, more: true };
      items.push({
        listingId: a.listingId as bigint,
        seller: a.seller as string,
        buyer: a.buyer as string,
        batchId: a.batchId as bigint,
        amount: a.amount as bigint,
        unitPrice: a.unitPrice as bigint,
        fee: a.fee as bigint,
        at: await chainRef(this.provider, e),
        logIndex: e.logIndex,
      });
    }
    return { items, more: false };
  }

  async quote(listingId: bigint, amount: bigint): Promise<{ cost: bigint; fee: bigint }> {
    const [cost, fee] = await this.market.quote(listingId, amount);
    return { cost, fee };
  }

  async escrowedBy(seller: string): Promise<Map<bigint, bigint>> {
    const listed = await this.events.named("Listed", null, seller);
    const escrow = new Map<bigint, bigint>();
    for (const event of listed) {
      const info = await this.market.listing(event.args.listingId as bigint);
      if (info.remaining > 0n) escrow.set(info.batchId, (escrow.get(info.batchId) ?? 0n) + info.remaining);
    }
    return escrow;
  }

  private async toListing(event: ChainEvent): Promise<ListingRecord> {
    const id = event.args.listingId as bigint;
    const amount = event.args.amount as bigint;
    const [info, listed, latest] = await Promise.all([this.market.listing(id), chainRef(this.provider, event), this.provider.getBlock("latest")]);
    const expiry = Number(info.expiry);
    let status: ListingStatusName;
    let returned = 0n;
    if (info.remaining > 0n) {
      // The contract refuses fills once the last block's time is past the expiry, and so the listing shows it.
      status = expiry !== 0 && latest !== null && latest.timestamp > expiry ? "Expired" : "Open";
    } else {
      const [cancelled, reclaimed] = await Promise.all([this.events.first("ListingCancelled", id), this.events.first("ListingReclaimed", id)]);
      const closedBy = cancelled ?? reclaimed;
      status = cancelled ? "Cancelled" : reclaimed ? "Reclaimed" : "Filled";
      returned = closedBy ? (closedBy.args.remaining as bigint) : 0n;
    }
    return {
      id,
      seller: info.seller,
      batchId: info.batchId,
      amount,
      remaining: info.remaining,
      filled: amount - info.remaining - returned,
      unitPrice: info.unitPrice,
      minFill: info.minFill,
      expiry,
      buyer: info.buyer,
      status,
      listed,
    };
  }
}

import type Database from "better-sqlite3";
import { ZeroAddress, type Provider } from "ethers";
import type { CarbonMarket } from "../../../typechain-types";
import type { ListingFilter, ListingRecord, ListingStatusName, MarketReader, TradeFilter, TradeRecord } from "../../services/readers/market";
import { encodeCursor, filledOf, getListing, InvalidCursorError, listListings, listTrades, MAX_PAGE_SIZE, type ListingStatus, type ListingView } from "../queries";
import { allPages, checksum, refOf } from "./refs";

const CLOSED: Record<Exclude<ListingStatus, "open">, ListingStatusName> = { filled: "Filled", cancelled: "Cancelled", reclaimed: "Reclaimed" };

/**
 * MarketReader answered by the index. Two things stay with the node: the price quote (the contract's own arithmetic)
 * and the time that decides expiry (the latest block's, as the contract judges fills).
 */
export class IndexMarketReader implements MarketReader {
  constructor(
    private readonly db: Database.Database,
    private readonly provider: Provider,
    private readonly market: CarbonMarket,
  ) {}

  async listing(id: bigint): Promise<ListingRecord | undefined> {
    const view = getListing(this.db, id);
    return view ? this.toRecord(view, await this.chainTime()) : undefined;
  }

  async listings(filter: ListingFilter): Promise<{ items: ListingRecord[]; more: boolean }> {
    let after: string | undefined;
    if (filter.after !== undefined) {
      // The API's cursor is the last listing id of the previous page; the index pages on where listings were created.
      const last = getListing(this.db, filter.after);
      if (!last) throw new InvalidCursorError(filter.after.toString());
      after = encodeCursor(last.listed.blockNumber, last.listed.logIndex);
    }
    const now = await this.chainTime();
    const status = filter.status;
    const page = listListings(
      this.db,
      {
        seller: filter.seller,
        batchId: filter.batchId?.toString(),
        status: status === undefined ? undefined : status === "Open" || status === "Expired" ? "open" : (status.toLowerCase() as ListingStatus),
        expired: status === "Open" || status === "Expired" ? { at: now, expired: status === "Expired" } : undefined,
      },
      { after, limit: filter.limit },
    );
    return { items: page.items.map((v) => this.toRecord(v, now)), more: page.next !== null };
  }

  async trades(filter: TradeFilter): Promise<{ items: TradeRecord[]; more: boolean }> {
    // The index matches an account as buyer or seller; the API's filters name the side.
    if (filter.seller || filter.buyer) return this.tradesBySide(filter, filter.seller?.toLowerCase(), filter.buyer?.toLowerCase());
    const page = listTrades(
      this.db,
      { listingId: filter.listingId?.toString(), batchId: filter.batchId?.toString() },
      { after: filter.after ? encodeCursor(filter.after.blockNumber, filter.after.logIndex) : undefined, limit: filter.limit },
    );
    return { items: page.items.map(toTrade), more: page.next !== null };
  }

  async quote(listingId: bigint, amount: bigint): Promise<{ cost: bigint; fee: bigint }> {
    const [cost, fee] = await this.market.quote(listingId, amount);
    return { cost, fee };
  }

  async escrowedBy(seller: string): Promise<Map<bigint, bigint>> {
    const open = allPages((after) => listListings(this.db, { seller, status: "open" }, { after, limit: MAX_PAGE_SIZE }));
    const escrow = new Map<bigint, bigint>();
    for (const l of open) {
      const batchId = BigInt(l.batchId);
      escrow.set(batchId, (escrow.get(batchId) ?? 0n) + BigInt(l.remaining));
    }
    return escrow;
  }

  /** A page of one side's trades: the index narrows to the account, the side is checked here. */
  private async tradesBySide(filter: TradeFilter, seller?: string, buyer?: string): Promise<{ items: TradeRecord[]; more: boolean }> {
    const items: TradeRecord[] = [];
    let after = filter.after ? encodeCursor(filter.after.blockNumber, filter.after.logIndex) : undefined;
    for (;;) {
      const page = listTrades(this.db, { listingId: filter.listingId?.toString(), batchId: filter.batchId?.toString(), account: seller ?? buyer }, { after, limit: MAX_PAGE_SIZE });
      for (const t of page.items) {
        if ((seller && t.seller !== seller) || (buyer && t.buyer !== buyer)) continue;
        if (items.length === filter.limit) return { items, more: true };
        items.push(toTrade(t));
      }
      if (!page.next) return { items, more: false };
      after = page.next;
    }
  }

  private toRecord(v: ListingView, now: number): ListingRecord {
    const expiry = v.expiry ?? 0;
    // The contract refuses fills once the last block's time is past the expiry, and so the listing shows it.
    const status: ListingStatusName = v.status === "open" ? (expiry !== 0 && now > expiry ? "Expired" : "Open") : CLOSED[v.status];
    return {
      id: BigInt(v.listingId),
      seller: checksum(v.seller)!,
      batchId: BigInt(v.batchId),
      amount: BigInt(v.amount),
      remaining: BigInt(v.remaining),
      filled: BigInt(filledOf(this.db, v.listingId)),
      unitPrice: BigInt(v.unitPrice),
      minFill: BigInt(v.minFill),
      expiry,
      buyer: checksum(v.buyer) ?? ZeroAddress,
      status,
      listed: refOf(v.listed),
    };
  }

  private async chainTime(): Promise<number> {
    return (await this.provider.getBlock("latest"))?.timestamp ?? Math.floor(Date.now() / 1000);
  }
}

function toTrade(t: ReturnType<typeof listTrades>["items"][number]): TradeRecord {
  return {
    listingId: BigInt(t.listingId),
    seller: checksum(t.seller)!,
    buyer: checksum(t.buyer)!,
    batchId: BigInt(t.batchId),
    amount: BigInt(t.amount),
    unitPrice: BigInt(t.unitPrice),
    fee: BigInt(t.fee),
    at: refOf(t.traded),
    logIndex: t.traded.logIndex,
  };
}

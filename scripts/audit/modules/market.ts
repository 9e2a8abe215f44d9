import { ZeroAddress } from "ethers";
import { VIEW_CALLS_IN_FLIGHT, expectSame, mapConcurrent } from "../engine";
import { isoTime } from "../labels";
import type { AuditEvent, AuditModule, Location, ReplayContext, SubjectSection } from "../types";
import type { CarbonModule } from "./carbon";

type ListingState = "open" | "filled" | "cancelled" | "reclaimed" | "cancelled by the issuer";

interface ListingModel {
  seller: string;
  batchId: bigint;
  amount: bigint;
  remaining: bigint;
  unitPrice: bigint;
  minFill: bigint;
  expiry: bigint;
  buyer: string;
  state: ListingState;
  listed: Location;
  changed: Location;
}

/**
 * Something a market event says must follow in its transaction: a VND payment, a credit movement into or out of
 * escrow, or the delivery of a fill (to the buyer, or burned from escrow and retired in the buyer's name).
 */
type Expectation =
  | { kind: "vnd"; from: string; to: string; value: bigint; source: AuditEvent; what: string }
  | { kind: "credits"; from: string; to: string; batchId: bigint; value: bigint; source: AuditEvent; what: string }
  | { kind: "delivery"; buyer: string; batchId: bigint; value: bigint; source: AuditEvent; what: string }
  | { kind: "retired"; holder: string; batchId: bigint; value: bigint; source: AuditEvent; what: string }
  | { kind: "cancelled"; batchId: bigint; value: bigint; source: AuditEvent; what: string };

const BPS = 10_000n;
export const CHECK = {
  trades: "every trade is consistent: buyer paid amount × unit price, the fee as recorded, the credits delivered",
  listings: "listings follow the market's rules",
  escrow: "escrow: the market holds, per batch, exactly the open listings' remainders",
  state: "listings and market settings match the market",
} as const;

/**
 * Rebuilds listings (remainder and state), fees and escrow from CarbonMarket events, and follows each market
 * transaction into the registry and the settlement token to check that every movement of credits and VND that the
 * market event implies happened, and nothing else moved in or out of escrow.
 */
export class MarketModule implements AuditModule {
  readonly name = "market";
  readonly contracts = ["CarbonMarket", "SettlementToken", "CarbonCreditRegistry"] as const;
  readonly checks = [
    `${CHECK.trades}, in the same transaction`,
    `${CHECK.listings}: listed amounts move into escrow, fills respect remainder, minimum, expiry, private buyer and no self-trade, cancellations and reclaims return the remainder, the issuer's cancellations in escrow reduce the listing by what the registry cancelled from escrow`,
    `${CHECK.escrow}, from the replay and on chain; credits enter or leave escrow only through listings`,
    `${CHECK.state}: seller, batch, remainder, price, minimum fill, expiry and buyer of every listing; fee, fee recipient, pause`,
  ] as const;

  private readonly listings = new Map<bigint, ListingModel>();
  private address = "";
  private feeBps = 0n;
  private feeRecipient = ZeroAddress;
  private feeChanged: Location | undefined;
  private paused = false;
  private pausedChanged: Location | undefined;
  private expectations: Expectation[] = [];
  private currentTx = "";

  constructor(private readonly carbon: CarbonModule) {}

  async apply(event: AuditEvent, ctx: ReplayContext): Promise<void> {
    if (event.txHash !== this.currentTx) {
      this.flush(ctx);
      this.currentTx = event.txHash;
    }
    if (event.contract === "CarbonMarket") {
      this.address = event.address.toLowerCase();
      await this.onMarketEvent(event, ctx);
    } else if (event.contract === "SettlementToken" && event.name === "Transfer") {
      this.match(event, (e) => e.kind === "vnd" && e.from === lower(event.args.from) && e.to === lower(event.args.to) && e.value === event.args.value);
    } else if (event.contract === "CarbonCreditRegistry") {
      this.onRegistryEvent(event, ctx);
    }
  }

  private async onMarketEvent(event: AuditEvent, ctx: ReplayContext): Promise<void> {
    const a = event.args;
    switch (event.name) {
      case "Listed": {
        const id = a.listingId as bigint;
        const seller = lower(a.seller);
        const buyer = lower(a.buyer);
        ctx.checked(CHECK.listings);
        const problems = [
          id !== BigInt(this.listings.size) + 1n ? `it follows listing ${this.listings.size}` : "",
          this.paused ? "the market was paused" : "",
          (a.amount as bigint) === 0n || (a.unitPrice as bigint) === 0n ? "its amount or price is zero" : "",
          (a.minFill as bigint) > (a.amount as bigint) ? "its minimum fill exceeds its amount" : "",
          buyer === seller ? "its private buyer is its seller" : "",
        ].filter(Boolean);
        if (problems.length) ctx.report(CHECK.listings, `listing ${id} breaks the market's rules: ${problems.join("; ")}`, event);
        this.listings.set(id, {
          seller,
          batchId: a.batchId as bigint,
          amount: a.amount as bigint,
          remaining: a.amount as bigint,
          unitPrice: a.unitPrice as bigint,
          minFill: a.minFill as bigint,
          expiry: a.expiry as bigint,
          buyer,
          state: "open",
          listed: event,
          changed: event,
        });
        this.expect({ kind: "credits", from: seller, to: this.address, batchId: a.batchId as bigint, value: a.amount as bigint, source: event, what: `escrow of listing ${id}` });
        break;
      }
      case "Traded":
        await this.onTraded(event, ctx);
        break;
      case "ListingCancelled":
      case "ListingReclaimed": {
        const id = a.listingId as bigint;
        const listing = this.openListing(id, event, ctx);
        if (!listing) break;
        ctx.checked(CHECK.listings);
        if (lower(a.seller) !== listing.seller || (a.remaining as bigint) !== listing.remaining) {
          ctx.report(CHECK.listings, `listing ${id} closed for ${a.seller} with ${a.remaining} left, but the replay has ${listing.seller} with ${listing.remaining}`, event);
        }
        if (event.name === "ListingReclaimed") {
          const now = BigInt(await ctx.chain.blockTimestamp(event.blockNumber));
          if (listing.expiry === 0n || now <= listing.expiry) ctx.report(CHECK.listings, `listing ${id} reclaimed before it expired`, event);
        }
        this.expect({ kind: "credits", from: this.address, to: listing.seller, batchId: listing.batchId, value: a.remaining as bigint, source: event, what: `return of listing ${id}'s remainder` });
        listing.remaining = 0n;
        listing.state = event.name === "ListingCancelled" ? "cancelled" : "reclaimed";
        listing.changed = event;
        break;
      }
      case "ListingReduced": {
        const id = a.listingId as bigint;
        const listing = this.openListing(id, event, ctx);
        if (!listing) break;
        const cancelled = a.amount as bigint;
        ctx.checked(CHECK.listings);
        if (lower(a.seller) !== listing.seller || cancelled === 0n || cancelled > listing.remaining || (a.remaining as bigint) !== listing.remaining - cancelled) {
          ctx.report(CHECK.listings, `listing ${id} of ${a.seller} reduced by ${cancelled} t to ${a.remaining} t, but the replay has ${listing.seller} with ${listing.remaining} t`, event);
        }
        // The registry burns the credits from escrow and records a cancellation with the market as holder.
        this.expect({ kind: "credits", from: this.address, to: ZeroAddress, batchId: listing.batchId, value: cancelled, source: event, what: `burn from escrow of the ${cancelled} t cancelled on listing ${id}` });
        this.expect({ kind: "cancelled", batchId: listing.batchId, value: cancelled, source: event, what: `cancellation of ${cancelled} t from escrow` });
        listing.remaining -= cancelled > listing.remaining ? listing.remaining : cancelled;
        if (listing.remaining === 0n) listing.state = "cancelled by the issuer";
        listing.changed = event;
        break;
      }
      case "FeeChanged":
        ctx.checked(CHECK.listings);
        if ((a.previousBps as bigint) !== this.feeBps) ctx.report(CHECK.listings, `fee change leaves ${a.previousBps} bps but the fee was ${this.feeBps} bps`, event);
        this.feeBps = a.feeBps as bigint;
        this.feeRecipient = lower(a.recipient);
        this.feeChanged = event;
        break;
      case "Paused":
      case "Unpaused":
        this.paused = event.name === "Paused";
        this.pausedChanged = event;
        break;
      default:
        break;
    }
  }

  private async onTraded(event: AuditEvent, ctx: ReplayContext): Promise<void> {
    const a = event.args;
    const id = a.listingId as bigint;
    const amount = a.amount as bigint;
    const unitPrice = a.unitPrice as bigint;
    const buyer = lower(a.buyer);
    const seller = lower(a.seller);
    const listing = this.openListing(id, event, ctx);
    ctx.checked(CHECK.trades);
    const cost = amount * unitPrice;
    const fee = (cost * this.feeBps) / BPS;
    const problems: string[] = [];
    if ((a.fee as bigint) !== fee) problems.push(`fee ${a.fee} VND, but ${this.feeBps} bps of ${cost} VND is ${fee}`);
    if (listing) {
      if (seller !== listing.seller) problems.push(`seller ${seller}, but the listing's is ${listing.seller}`);
      if ((a.batchId as bigint) !== listing.batchId) problems.push(`batch ${a.batchId}, but the listing's is ${listing.batchId}`);
      if (unitPrice !== listing.unitPrice) problems.push(`unit price ${unitPrice} VND, but the listing's is ${listing.unitPrice}`);
      if (amount === 0n || amount > listing.remaining) problems.push(`${amount} t bought with ${listing.remaining} t left`);
      if (amount < listing.minFill && amount !== listing.remaining) problems.push(`${amount} t is below the minimum fill of ${listing.minFill} t`);
      if (listing.buyer !== ZeroAddress && listing.buyer !== buyer) problems.push(`bought by ${buyer}, but the listing is reserved for ${listing.buyer}`);
      if (listing.expiry !== 0n && BigInt(await ctx.chain.blockTimestamp(event.blockNumber)) > listing.expiry) problems.push("the listing had expired");
    }
    if (buyer === seller) problems.push("buyer and seller are the same account");
    if (this.paused) problems.push("the market was paused");
    if (problems.length) ctx.report(CHECK.trades, `trade on listing ${id} is inconsistent: ${problems.join("; ")}`, event);

    this.expect({ kind: "vnd", from: buyer, to: seller, value: cost - (a.fee as bigint), source: event, what: `payment of ${cost - (a.fee as bigint)} VND to the seller` });
    if ((a.fee as bigint) !== 0n) this.expect({ kind: "vnd", from: buyer, to: this.feeRecipient, value: a.fee as bigint, source: event, what: `fee of ${a.fee} VND` });
    this.expect({ kind: "delivery", buyer, batchId: a.batchId as bigint, value: amount, source: event, what: `delivery of ${amount} t to the buyer` });
    if (listing) {
      listing.remaining -= amount > listing.remaining ? listing.remaining : amount;
      if (listing.remaining === 0n) listing.state = "filled";
      listing.changed = event;
    }
  }

  private onRegistryEvent(event: AuditEvent, ctx: ReplayContext): void {
    const a = event.args;
    if (event.name === "Retired") {
      this.match(event, (e) => e.kind === "retired" && e.holder === lower(a.holder) && e.batchId === a.batchId && e.value === a.amount);
      return;
    }
    if (event.name === "Cancelled" && this.address && lower(a.holder) === this.address) {
      this.match(event, (e) => e.kind === "cancelled" && e.batchId === a.batchId && e.value === a.amount);
      return;
    }
    if (event.name !== "TransferSingle" && event.name !== "TransferBatch") return;
    const from = lower(a.from);
    const to = lower(a.to);
    if (!this.address || (from !== this.address && to !== this.address)) return;
    const ids = event.name === "TransferSingle" ? [a.id as bigint] : (a.ids as bigint[]);
    const values = event.name === "TransferSingle" ? [a.value as bigint] : (a.values as bigint[]);
    ids.forEach((batchId, i) => {
      const value = values[i];
      const index = this.expectations.findIndex(
        (e) =>
          (e.kind === "credits" && e.from === from && e.to === to && e.batchId === batchId && e.value === value) ||
          (e.kind === "delivery" && from === this.address && (to === e.buyer || to === ZeroAddress) && e.batchId === batchId && e.value === value),
      );
      ctx.checked(CHECK.escrow);
      if (index < 0) {
        ctx.report(CHECK.escrow, `${value} t of batch ${batchId} moved ${to === this.address ? "into" : "out of"} escrow without a listing event`, event);
        return;
      }
      const [found] = this.expectations.splice(index, 1);
      // Retire-on-purchase: the credits are burned in escrow and the retirement must name the buyer.
      if (found.kind === "delivery" && to === ZeroAddress) {
        this.expect({ kind: "retired", holder: found.buyer, batchId, value, source: found.source, what: `retirement of ${value} t in the buyer's name` });
      }
    });
  }

  private expect(expectation: Expectation): void {
    this.expectations.push(expectation);
  }

  private match(event: AuditEvent, predicate: (e: Expectation) => boolean): void {
    const index = this.expectations.findIndex(predicate);
    if (index >= 0 && this.expectations[index].source.txHash === event.txHash) this.expectations.splice(index, 1);
  }

  /** At the end of a transaction, whatever a market event implied and did not happen is reported at that event. */
  private flush(ctx: ReplayContext): void {
    for (const e of this.expectations) {
      const check = e.kind === "credits" || e.kind === "cancelled" ? CHECK.escrow : CHECK.trades;
      ctx.checked(check);
      ctx.report(check, `${e.source.name} of listing ${e.source.args.listingId}: the ${e.what} did not happen in its transaction`, e.source);
    }
    this.expectations = [];
  }

  private openListing(id: bigint, event: AuditEvent, ctx: ReplayContext): ListingModel | undefined {
    const listing = this.listings.get(id);
    ctx.checked(CHECK.listings);
    if (!listing) ctx.report(CHECK.listings, `${event.name} for unknown listing ${id}`, event);
    else if (listing.state !== "open") ctx.report(CHECK.listings, `${event.name} for listing ${id}, which was ${listing.state}`, event);
    return listing;
  }

  subjects(): SubjectSection[] {
    const items = [...this.listings].map(([id, l]) => ({
      id: `listing ${id}`,
      text: `${l.state}, ${l.remaining} of ${l.amount} t of batch ${l.batchId} left at ${l.unitPrice} VND/t, seller ${this.carbon.labelOf(l.seller)}${l.expiry ? `, expires ${isoTime(l.expiry)}` : ""}`,
      blockNumber: l.listed.blockNumber,
    }));
    return [{ title: "Market listings", total: items.length, items }];
  }

  async reconcile(ctx: ReplayContext): Promise<void> {
    this.flush(ctx);
    const call = <T>(fn: string, args: unknown[] = []) => ctx.chain.call<T>("CarbonMarket", fn, args);
    const ids = [...this.listings.keys()];
    expectSame(ctx, CHECK.state, "lastListingId", ids.length, await call<bigint>("lastListingId"), this.listings.get(BigInt(ids.length))?.changed);
    const views = await mapConcurrent(ids, VIEW_CALLS_IN_FLIGHT, (id) => call<ListingView>("listing", [id]).catch(() => undefined));
    const escrow = new Map<bigint, { amount: bigint; changed: Location }>();
    ids.forEach((id, i) => {
      const model = this.listings.get(id)!;
      const view = views[i];
      const replayed = [model.seller, model.batchId, model.remaining, model.unitPrice, model.minFill, model.expiry, model.buyer];
      const onChain = view ? [view.seller.toLowerCase(), view.batchId, view.remaining, view.unitPrice, view.minFill, view.expiry, view.buyer.toLowerCase()] : "no listing";
      expectSame(ctx, CHECK.state, `listing ${id} (seller, batch, remaining, price, minimum fill, expiry, buyer)`, replayed, onChain, model.changed);
      const held = escrow.get(model.batchId) ?? { amount: 0n, changed: model.changed };
      escrow.set(model.batchId, { amount: held.amount + model.remaining, changed: later(held.changed, model.changed) });
    });
    const batches = [...escrow.keys()];
    const balances = await mapConcurrent(batches, VIEW_CALLS_IN_FLIGHT, (batchId) => ctx.chain.call<bigint>("CarbonCreditRegistry", "balanceOf", [this.address, batchId]));
    batches.forEach((batchId, i) => {
      const { amount, changed } = escrow.get(batchId)!;
      expectSame(ctx, CHECK.escrow, `escrow of batch ${batchId} on chain = open listings' remainders`, amount, balances[i], changed);
      expectSame(ctx, CHECK.escrow, `escrow of batch ${batchId} replayed = open listings' remainders`, amount, this.carbon.balanceOf(this.address, batchId), changed);
    });
    expectSame(ctx, CHECK.state, "fee (bps) and recipient", [this.feeBps, this.feeRecipient], [await call<bigint>("feeBps"), (await call<string>("feeRecipient")).toLowerCase()], this.feeChanged);
    expectSame(ctx, CHECK.state, "market paused", this.paused, await call<boolean>("paused"), this.pausedChanged);
  }
}

const lower = (address: unknown): string => (address as string).toLowerCase();
const later = (x: Location, y: Location): Location => (y.blockNumber > x.blockNumber || (y.blockNumber === x.blockNumber && y.logIndex > x.logIndex) ? y : x);

interface ListingView {
  seller: string;
  batchId: bigint;
  remaining: bigint;
  unitPrice: bigint;
  minFill: bigint;
  expiry: bigint;
  buyer: string;
}

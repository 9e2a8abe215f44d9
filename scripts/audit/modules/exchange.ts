import { ZeroAddress } from "ethers";
import { expectSame, mapConcurrent } from "../engine";
import type { AuditEvent, AuditModule, Location, ReplayContext } from "../types";

/** The `terms` of the LicenseGranted event that DataAssetRegistry.grantPurchasedLicense emits. */
export const PURCHASED_TERMS = "purchased";

interface OfferModel {
  datasetId: bigint;
  price: bigint;
  termsHash: string;
  maxLicences: bigint;
  sold: bigint;
  cancelled: boolean;
  changed: Location;
}

const BPS = 10_000n;
const CHECK = {
  paid: "every licence sale is paid in full: price − fee to the dataset's holder and the fee to the fee recipient, in its transaction",
  licensed: "every paid licence has its sale: each licence granted as purchased is named by a sale in its transaction, with the same dataset, organisation, expiry and terms",
  offers: "sales follow the exchange's rules: the offer's price and fee rate, not cancelled, never past its maximum",
  state: "offers match the exchange: sold count and cancellation of every offer",
} as const;

/**
 * Replays DataExchange: rebuilds offers (sold, cancelled) and the fee, and follows every sale into the settlement token
 * and the dataset registry to check that the VND moved to the holder and that the licence the registry granted is the
 * one sold; a licence the registry marks as purchased without a sale in its transaction is reported.
 */
export class ExchangeModule implements AuditModule {
  readonly name = "exchange";
  readonly contracts = ["DataExchange", "SettlementToken", "DataAssetRegistry"] as const;
  readonly checks = [CHECK.paid, CHECK.licensed, CHECK.offers, `${CHECK.state}, and the number of offers`] as const;

  private readonly offers = new Map<bigint, OfferModel>();
  private feeBps = 0n;
  private feeRecipient = ZeroAddress;
  private currentTx = "";
  /** The current transaction's sales, purchased-licence grants and VND transfers, matched when it ends. */
  private sales: AuditEvent[] = [];
  private grants: AuditEvent[] = [];
  private transfers: AuditEvent[] = [];

  apply(event: AuditEvent, ctx: ReplayContext): void {
    if (event.txHash !== this.currentTx) {
      this.flush(ctx);
      this.currentTx = event.txHash;
    }
    const a = event.args;
    if (event.contract === "SettlementToken" && event.name === "Transfer") this.transfers.push(event);
    else if (event.contract === "DataAssetRegistry" && event.name === "LicenseGranted" && a.terms === PURCHASED_TERMS) this.grants.push(event);
    else if (event.contract === "DataExchange") this.onExchangeEvent(event, ctx);
  }

  private onExchangeEvent(event: AuditEvent, ctx: ReplayContext): void {
    const a = event.args;
    switch (event.name) {
      case "OfferCreated":
        this.offers.set(a.offerId as bigint, {
          datasetId: a.datasetId as bigint,
          price: a.price as bigint,
          termsHash: (a.termsHash as string).toLowerCase(),
          maxLicences: a.maxLicences as bigint,
          sold: 0n,
          cancelled: false,
          changed: event,
        });
        break;
      case "LicensePurchased":
        this.onSale(event, ctx);
        break;
      case "OfferCancelled": {
        const offer = this.offers.get(a.offerId as bigint);
        ctx.checked(CHECK.offers);
        if (!offer || offer.cancelled) ctx.report(CHECK.offers, `offer ${a.offerId} cancelled, but it is ${offer ? "already cancelled" : "unknown"}`, event);
        if (offer) Object.assign(offer, { cancelled: true, changed: event });
        break;
      }
      case "FeeChanged":
        this.feeBps = a.feeBps as bigint;
        this.feeRecipient = (a.recipient as string).toLowerCase();
        break;
      default:
        break;
    }
  }

  private onSale(event: AuditEvent, ctx: ReplayContext): void {
    const a = event.args;
    const id = a.offerId as bigint;
    const offer = this.offers.get(id);
    const price = a.price as bigint;
    const problems: string[] = [];
    ctx.checked(CHECK.offers);
    if (!offer) problems.push("the offer is unknown");
    else {
      if (offer.cancelled) problems.push("the offer was cancelled");
      if (price !== offer.price) problems.push(`price ${price} VND, but the offer's is ${offer.price}`);
      if ((a.datasetId as bigint) !== offer.datasetId) problems.push(`dataset ${a.datasetId}, but the offer's is ${offer.datasetId}`);
      if (offer.maxLicences !== 0n && offer.sold >= offer.maxLicences) problems.push(`licence ${offer.sold + 1n} of at most ${offer.maxLicences}`);
      offer.sold += 1n;
      offer.changed = event;
    }
    const fee = (price * this.feeBps) / BPS;
    if ((a.fee as bigint) !== fee) problems.push(`fee ${a.fee} VND, but ${this.feeBps} bps of ${price} VND is ${fee}`);
    if (problems.length) ctx.report(CHECK.offers, `sale on offer ${id} breaks the exchange's rules: ${problems.join("; ")}`, event);
    this.sales.push(event);
  }

  /** At the end of a transaction: each sale needs its payments and its licence, each purchased licence its sale. */
  private flush(ctx: ReplayContext): void {
    for (const sale of this.sales) {
      const a = sale.args;
      const buyer = (a.buyer as string).toLowerCase();
      const fee = a.fee as bigint;
      const payments: [string, bigint, string][] = [[(a.holder as string).toLowerCase(), (a.price as bigint) - fee, "the holder"]];
      if (fee !== 0n) payments.push([this.feeRecipient, fee, "the fee recipient"]);
      for (const [to, value, whom] of payments) {
        ctx.checked(CHECK.paid);
        const index = this.transfers.findIndex((t) => (t.args.from as string).toLowerCase() === buyer && (t.args.to as string).toLowerCase() === to && t.args.value === value);
        if (index < 0) ctx.report(CHECK.paid, `sale on offer ${a.offerId}: the payment of ${value} VND to ${whom} did not happen in its transaction`, sale);
        else this.transfers.splice(index, 1);
      }
      const offer = this.offers.get(a.offerId as bigint);
      const index = this.grants.findIndex(
        (g) =>
          g.args.id === a.datasetId &&
          (g.args.orgId as string).toLowerCase() === (a.buyerOrg as string).toLowerCase() &&
          g.args.expiresAt === a.expiresAt &&
          (!offer || (g.args.termsHash as string).toLowerCase() === offer.termsHash),
      );
      ctx.checked(CHECK.licensed);
      if (index < 0) ctx.report(CHECK.licensed, `sale on offer ${a.offerId}: no licence with its dataset, organisation, expiry and terms was granted in its transaction`, sale);
      else this.grants.splice(index, 1);
    }
    for (const grant of this.grants) {
      ctx.checked(CHECK.licensed);
      ctx.report(CHECK.licensed, `licence of dataset ${grant.args.id} to ${grant.args.orgId} granted as purchased without a sale in its transaction`, grant);
    }
    this.sales = [];
    this.grants = [];
    this.transfers = [];
  }

  async reconcile(ctx: ReplayContext): Promise<void> {
    this.flush(ctx);
    const call = <T>(fn: string, args: unknown[] = []) => ctx.chain.call<T>("DataExchange", fn, args);
    const ids = [...this.offers.keys()];
    expectSame(ctx, CHECK.state, "lastOfferId", ids.length, await call<bigint>("lastOfferId"), this.offers.get(BigInt(ids.length))?.changed);
    const views = await mapConcurrent(ids, 16, (id) => call<{ sold: bigint; cancelled: boolean }>("offerOf", [id]).catch(() => undefined));
    ids.forEach((id, i) => {
      const model = this.offers.get(id)!;
      const view = views[i];
      expectSame(ctx, CHECK.state, `offer ${id} (sold, cancelled)`, [model.sold, model.cancelled], view ? [view.sold, view.cancelled] : "no offer", model.changed);
    });
  }
}

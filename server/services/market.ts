import { ZeroAddress, type Interface } from "ethers";
import type { ChainContracts } from "../chain/contracts";
import type { ListingRecord, ListingStatusName, MarketReader, TradeRecord } from "./readers/market";
import type { OperationRegistry } from "../chain/tx/operations";
import type { SubmitOutcome, TxCall, TxPipeline } from "../chain/tx/pipeline";
import { eventIn, eventsIn } from "../chain/tx/receipt-events";
import { NotFoundError } from "../errors";
import { isoOf } from "../util/time";
import { batchHref, claimTuple, retirementHref, txRefDto, type RetirementClaimInput } from "./carbon";
import { readChain } from "./chain-read";
import type { MarketApprovals } from "./market-approvals";
import type { OrgDirectory } from "./org-directory";
import type { ParticipantService } from "./participants";
import type { Principal } from "./principal";

type Claim = { orgCode: string; key: string };

export interface ListingInput {
  batchId: bigint;
  amount: string;
  unitPrice: string;
  minFill?: string;
  /** Unix seconds, 0 for none. */
  expiry: number;
  buyer?: string;
}

export interface FillInput {
  amount: string;
  maxCost: string;
  retire?: RetirementClaimInput;
}

export const listingHref = (id: string | bigint) => `/v1/market/listings/${id.toString()}`;

/**
 * The carbon market through the gateway: listings, fills (delivery versus payment, optionally retiring on purchase)
 * and cancellations, each signed by the participant's own key. The market's one-time approvals go in the same
 * submission as the request's own transaction, checked together first (MarketApprovals).
 */
export class MarketService {
  constructor(
    private readonly contracts: ChainContracts,
    private readonly pipeline: TxPipeline,
    private readonly participants: ParticipantService,
    private readonly directory: OrgDirectory,
    private readonly approvals: MarketApprovals,
    readonly reader: MarketReader,
    operations: OperationRegistry,
  ) {
    const iface = this.market.interface;
    operations.register<Record<string, unknown>>("market.list", ({ params, receipts }) => {
      const id = (eventIn(receipts, iface, this.address, "Listed").listingId as bigint).toString();
      return { ...params, listingId: id, href: listingHref(id) };
    });
    operations.register<Record<string, unknown>>("market.fill", ({ params, receipts }) => {
      const trade = eventIn(receipts, iface, this.address, "Traded");
      const cost = (trade.amount as bigint) * (trade.unitPrice as bigint);
      const [retired] = eventsIn(receipts, this.contracts.carbon.interface, this.contracts.addresses.carbon, "Retired");
      const retirementId = retired ? (retired.retirementId as bigint).toString() : null;
      return {
        ...params,
        batchId: (trade.batchId as bigint).toString(),
        unitPrice: (trade.unitPrice as bigint).toString(),
        cost: cost.toString(),
        fee: (trade.fee as bigint).toString(),
        retirement: retirementId
          ? { id: retirementId, serialFirst: (retired.serialFirst as bigint).toString(), serialLast: (retired.serialLast as bigint).toString(), href: retirementHref(retirementId) }
          : null,
      };
    });
    operations.register<Record<string, unknown>>("market.cancel", ({ params, receipts }) => {
      const e = eventIn(receipts, iface, this.address, "ListingCancelled");
      return { ...params, returned: (e.remaining as bigint).toString() };
    });
  }

  private get market() {
    return this.contracts.market;
  }

  private get address(): string {
    return this.contracts.addresses.market;
  }

  private call(fn: string, args: unknown[]): TxCall {
    return { to: this.address, data: (this.market.interface as Interface).encodeFunctionData(fn, args) };
  }

  private async signer(caller: Principal) {
    return { orgCode: caller.orgCode, wallet: await this.participants.walletOf(caller.orgCode) };
  }

  async list(caller: Principal, input: ListingInput, idempotency?: Claim): Promise<SubmitOutcome> {
    const buyer = input.buyer ? await this.directory.accountOf(input.buyer) : ZeroAddress;
    const call = this.call("list", [input.batchId, BigInt(input.amount), BigInt(input.unitPrice), BigInt(input.minFill ?? "0"), input.expiry, buyer]);
    const signer = await this.signer(caller);
    const calls = await this.approvals.callsFor("credits", signer, call);
    return this.pipeline.submit({
      ...signer,
      operation: "market.list",
      params: {
        seller: caller.orgCode,
        batchId: input.batchId.toString(),
        amount: input.amount,
        unitPrice: input.unitPrice,
        minFill: input.minFill ?? "0",
        expiresAt: input.expiry === 0 ? null : isoOf(input.expiry),
        buyer: input.buyer ?? null,
      },
      calls,
      idempotency,
    });
  }

  async fill(caller: Principal, listingId: bigint, input: FillInput, idempotency?: Claim): Promise<SubmitOutcome> {
    const args = [listingId, BigInt(input.amount), BigInt(input.maxCost)];
    const call = input.retire ? this.call("fillAndRetire", [...args, claimTuple(input.retire)]) : this.call("fill", args);
    const signer = await this.signer(caller);
    const calls = await this.approvals.callsFor("vnd", signer, call);
    return this.pipeline.submit({
      ...signer,
      operation: "market.fill",
      params: {
        listingId: listingId.toString(),
        buyer: caller.orgCode,
        amount: input.amount,
        maxCost: input.maxCost,
        retireOnPurchase: input.retire
          ? {
              beneficiary: { name: input.retire.beneficiary.name, organization: input.retire.beneficiary.organization ?? null },
              reason: input.retire.reason,
              consumptionPeriod: { start: isoOf(input.retire.consumptionStart), end: isoOf(input.retire.consumptionEnd) },
            }
          : null,
        href: listingHref(listingId),
      },
      calls,
      idempotency,
    });
  }

  async cancel(caller: Principal, listingId: bigint, idempotency?: Claim): Promise<SubmitOutcome> {
    return this.pipeline.submit({
      ...(await this.signer(caller)),
      operation: "market.cancel",
      params: { listingId: listingId.toString(), seller: caller.orgCode, status: "Cancelled", href: listingHref(listingId) },
      calls: [this.call("cancelListing", [listingId])],
      idempotency,
    });
  }

  async listing(id: bigint) {
    const record = await readChain(() => this.reader.listing(id));
    if (!record) throw new NotFoundError("LISTING_NOT_FOUND", `No listing ${id}`, { id: id.toString() });
    return this.listingDto(record);
  }

  async listings(filter: { seller?: string; batchId?: bigint; status?: ListingStatusName; cursor?: bigint; limit: number }) {
    const seller = filter.seller ? await this.directory.accountOf(filter.seller) : undefined;
    const page = await readChain(() => this.reader.listings({ seller, batchId: filter.batchId, status: filter.status, after: filter.cursor, limit: filter.limit }));
    const items = await Promise.all(page.items.map((l) => this.listingDto(l)));
    return { items, nextCursor: page.more ? items[items.length - 1].id : null };
  }

  async trades(filter: { listingId?: bigint; seller?: string; buyer?: string; batchId?: bigint; cursor?: string; limit: number }) {
    const [seller, buyer] = await Promise.all([
      filter.seller ? this.directory.accountOf(filter.seller) : undefined,
      filter.buyer ? this.directory.accountOf(filter.buyer) : undefined,
    ]);
    const after = filter.cursor ? { blockNumber: Number(filter.cursor.split(":")[0]), logIndex: Number(filter.cursor.split(":")[1]) } : undefined;
    const page = await readChain(() => this.reader.trades({ listingId: filter.listingId, seller, buyer, batchId: filter.batchId, after, limit: filter.limit }));
    const items = await Promise.all(page.items.map((t) => this.tradeDto(t)));
    const last = page.items[page.items.length - 1];
    return { items, nextCursor: page.more ? `${last.at.blockNumber}:${last.logIndex}` : null };
  }

  private async listingDto(l: ListingRecord) {
    return {
      id: l.id.toString(),
      seller: await this.directory.ref(l.seller),
      batchId: l.batchId.toString(),
      amount: l.amount.toString(),
      remaining: l.remaining.toString(),
      filled: l.filled.toString(),
      unitPrice: l.unitPrice.toString(),
      minFill: l.minFill.toString(),
      expiresAt: l.expiry === 0 ? null : isoOf(l.expiry),
      buyer: await this.directory.ref(l.buyer),
      status: l.status,
      listed: txRefDto(l.listed),
      links: { self: listingHref(l.id), batch: batchHref(l.batchId) },
    };
  }

  private async tradeDto(t: TradeRecord) {
    return {
      listingId: t.listingId.toString(),
      seller: await this.directory.ref(t.seller),
      buyer: await this.directory.ref(t.buyer),
      batchId: t.batchId.toString(),
      amount: t.amount.toString(),
      unitPrice: t.unitPrice.toString(),
      cost: (t.amount * t.unitPrice).toString(),
      fee: t.fee.toString(),
      transaction: txRefDto(t.at),
      logIndex: t.logIndex,
    };
  }
}

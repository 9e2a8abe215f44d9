import { AbiCoder, encodeBytes32String, keccak256, type Interface, type JsonRpcApiProvider } from "ethers";
import type { ChainContracts } from "../chain/contracts";
import { revertErrorFrom } from "../chain/revert";
import { isChainUnreachable } from "../chain/chain-errors";
import { clientSigningScope } from "../chain/tx/client-signing";
import type { OperationRegistry } from "../chain/tx/operations";
import type { SubmitOutcome, TxCall, TxPipeline } from "../chain/tx/pipeline";
import { eventIn } from "../chain/tx/receipt-events";
import { ChainUnavailableError, NotFoundError } from "../errors";
import type { GatewayIndex } from "../indexer/gateway-index";
import { getOffer, listOffers, offersWithTerms, type OfferView } from "../indexer/queries";
import type { OdrlPolicyDocument } from "../routes/schemas/policy";
import { isoOf } from "../util/time";
import { readChain } from "./chain-read";
import type { OrgDirectory } from "./org-directory";
import type { ParticipantService } from "./participants";
import { policyHashOf, type PolicyStore } from "./policies";
import type { Principal } from "./principal";

type Claim = { orgCode: string; key: string };

export interface OfferInput {
  priceVnd: string;
  termDays?: number;
  /** Unix seconds: a fixed end instead of a duration. */
  licenceEnd?: number;
  policy: OdrlPolicyDocument;
  allowed?: string[];
  maxLicences?: number;
  /** Unix seconds, 0 for none. */
  expiry: number;
}

export const offerHref = (id: string | bigint) => `/v1/offers/${id.toString()}`;

/** Storage slot of OpenZeppelin ERC-20's `_allowances` mapping (the second variable of ERC20). */
const ALLOWANCES_SLOT = 1n;
/** Gas limits of an approval and of a purchase simulated together (a zero-fee chain: limits only cap the work). */
const APPROVE_GAS = 80_000n;
const PURCHASE_GAS = 400_000n;

/**
 * The data exchange through the gateway: offers (the policy document stored here, its hash on chain), purchases
 * (VND to the holder and the licence granted in one transaction) and cancellations, each signed by the participant's
 * own key.
 *
 * A purchase needs the exchange approved for the price. Unlike the market's standing approval, this one is sent only
 * together with the purchase and only after the purchase has been simulated with the approval in place (an `eth_call`
 * whose state override sets the allowance), so a purchase the chain would refuse leaves no approval behind.
 */
export class ExchangeService {
  constructor(
    private readonly contracts: ChainContracts,
    private readonly pipeline: TxPipeline,
    private readonly participants: ParticipantService,
    private readonly directory: OrgDirectory,
    private readonly policies: PolicyStore,
    private readonly index: GatewayIndex,
    /** The node, for the simulation with a state override and for the time that decides expiry. */
    private readonly provider: Pick<JsonRpcApiProvider, "send" | "getBlock">,
    operations: OperationRegistry,
  ) {
    const iface = this.exchange.interface;
    operations.register<Record<string, unknown>>("exchange.offer", ({ params, receipts }) => {
      const id = (eventIn(receipts, iface, this.address, "OfferCreated").offerId as bigint).toString();
      return { ...params, offerId: id, href: offerHref(id) };
    });
    operations.register<Record<string, unknown>>("exchange.purchase", ({ params, receipts }) => {
      const sale = eventIn(receipts, iface, this.address, "LicensePurchased");
      return {
        ...params,
        datasetId: `0x${(sale.datasetId as bigint).toString(16).padStart(64, "0")}`,
        price: (sale.price as bigint).toString(),
        fee: (sale.fee as bigint).toString(),
        holder: sale.holder,
        previousExpiresAt: sale.previousExpiresAt === 0n ? null : isoOf(sale.previousExpiresAt as bigint),
        expiresAt: isoOf(sale.expiresAt as bigint),
      };
    });
    operations.register<Record<string, unknown>>("exchange.cancel", ({ params }) => params);
    operations.register<Record<string, unknown>>("exchange.approve", ({ params }) => params);
  }

  private get exchange() {
    return this.contracts.exchange;
  }

  private get address(): string {
    return this.contracts.addresses.exchange;
  }

  private call(fn: string, args: unknown[]): TxCall {
    return { to: this.address, data: (this.exchange.interface as Interface).encodeFunctionData(fn, args) };
  }

  private async signer(caller: Principal) {
    return { orgCode: caller.orgCode, wallet: await this.participants.walletOf(caller.orgCode) };
  }

  async offer(caller: Principal, datasetId: bigint, input: OfferInput, idempotency?: Claim): Promise<SubmitOutcome> {
    const termsHash = policyHashOf(input.policy).hash;
    const terms = {
      datasetId,
      price: BigInt(input.priceVnd),
      term: BigInt(input.termDays ?? 0) * 86_400n,
      licenceEnd: BigInt(input.licenceEnd ?? 0),
      termsHash,
      maxLicences: input.maxLicences ?? 0,
      expiry: BigInt(input.expiry),
      allowed: (input.allowed ?? []).map((code) => encodeBytes32String(code)),
    };
    const call = this.call("offer", [terms]);
    const signer = await this.signer(caller);
    await this.pipeline.simulate(signer.wallet.address, [call]);
    // Content-addressed, so storing before the transaction is mined can only add a document that matches its hash.
    this.policies.put(input.policy);
    return this.pipeline.submit({
      ...signer,
      operation: "exchange.offer",
      params: {
        datasetId: `0x${datasetId.toString(16).padStart(64, "0")}`,
        offerer: caller.orgCode,
        priceVnd: input.priceVnd,
        termDays: input.termDays ?? null,
        licenceEndsAt: input.licenceEnd ? isoOf(input.licenceEnd) : null,
        termsHash,
        allowed: input.allowed ?? [],
        maxLicences: input.maxLicences ?? null,
        expiresAt: input.expiry === 0 ? null : isoOf(input.expiry),
      },
      calls: [call],
      idempotency,
    });
  }

  async purchase(caller: Principal, offerId: bigint, maxPrice: string, idempotency?: Claim): Promise<SubmitOutcome> {
    const signer = await this.signer(caller);
    const buyer = signer.wallet.address;
    const purchase = this.call("purchase", [offerId, BigInt(maxPrice)]);
    const params = { offerId: offerId.toString(), buyer: caller.orgCode, maxPrice, href: offerHref(offerId) };
    const { settlement } = this.contracts;
    const [[price], allowance] = await readChain(() => Promise.all([this.exchange.quote(offerId), settlement.allowance(buyer, this.address)]));
    // Only a buyer that signs its own requests spends an allowance already there (its prerequisite approval). For a key
    // the gateway holds, every purchase carries its own exact approval right before it (consecutive nonces): an
    // allowance seen now may belong to another purchase of the same buyer still in flight, which would consume it
    // first and leave this one to revert on chain.
    if (allowance >= price && clientSigningScope()) {
      return this.pipeline.submit({ ...signer, operation: "exchange.purchase", params, calls: [purchase], idempotency });
    }
    await this.simulateWithAllowance(buyer, purchase, price);
    const approve: TxCall = {
      to: this.contracts.addresses.settlement,
      data: settlement.interface.encodeFunctionData("approve", [this.address, price]),
    };
    if (clientSigningScope()) {
      // A signed request carries one call: the approval of exactly the price is the request the buyer signs first
      // (a prerequisite, captured here), then it asks for the purchase again, which is then one call.
      return this.pipeline.submit({
        ...signer,
        operation: "exchange.approve",
        params: { offerId: offerId.toString(), buyer: caller.orgCode, exchange: this.address, approval: `ERC-20 approve of exactly ${price} VND` },
        calls: [approve],
      });
    }
    return this.pipeline.submit({
      ...signer,
      operation: "exchange.purchase",
      params: { ...params, approval: `ERC-20 approve of exactly ${price} VND, sent with the purchase` },
      calls: [approve, purchase],
      gasLimits: [APPROVE_GAS, PURCHASE_GAS],
      idempotency,
    });
  }

  async cancel(caller: Principal, offerId: bigint, idempotency?: Claim): Promise<SubmitOutcome> {
    return this.pipeline.submit({
      ...(await this.signer(caller)),
      operation: "exchange.cancel",
      params: { offerId: offerId.toString(), offerer: caller.orgCode, status: "Cancelled", href: offerHref(offerId) },
      calls: [this.call("cancel", [offerId])],
      idempotency,
    });
  }

  async getOffer(id: bigint) {
    const now = await this.chainTime();
    const view = getOffer(this.index.db, id.toString(), now);
    if (!view) throw new NotFoundError("OFFER_NOT_FOUND", `No offer ${id}`, { id: id.toString() });
    return { ...(await this.offerDto(view)), policy: this.policies.get(view.termsHash) };
  }

  async offers(filter: { datasetId?: bigint; holder?: string; open?: boolean; cursor?: string; limit: number }) {
    const offerers = filter.holder ? await this.accountsOf(filter.holder) : undefined;
    const now = await this.chainTime();
    const page = await readChain(async () =>
      listOffers(
        this.index.db,
        { datasetId: filter.datasetId === undefined ? undefined : `0x${filter.datasetId.toString(16).padStart(64, "0")}`, offerers, open: filter.open },
        now,
        { after: filter.cursor, limit: filter.limit },
      ),
    );
    return { items: await Promise.all(page.items.map((o) => this.offerDto(o))), nextCursor: page.next };
  }

  /** Checks a document against a terms hash; names the offers that carry the hash. */
  verify(document: unknown, termsHash: string, issues: { path: string; message: string }[]) {
    const computedHash = policyHashOf(document).hash;
    return {
      matches: computedHash === termsHash,
      termsHash,
      computedHash,
      valid: issues.length === 0,
      issues,
      offers: offersWithTerms(this.index.db, termsHash),
    };
  }

  private async accountsOf(code: string): Promise<string[]> {
    const accounts = new Set((await this.directory.accountsOf(code)).map((a) => a.toLowerCase()));
    const known = this.participants.find(code);
    if (known) accounts.add(known.address.toLowerCase());
    return [...accounts];
  }

  /** The latest block's time: the contract judges expiry by it, not by the gateway's clock. */
  private async chainTime(): Promise<number> {
    const block = await readChain(() => this.provider.getBlock("latest"));
    return block?.timestamp ?? Math.floor(Date.now() / 1000);
  }

  /**
   * Simulates `purchase` from the buyer as if it had approved exactly `price`: an eth_call with a state override of the
   * token's allowance slot. Checked first that the override lands (the allowance reads back as `price`).
   */
  private async simulateWithAllowance(buyer: string, purchase: TxCall, price: bigint): Promise<void> {
    const coder = AbiCoder.defaultAbiCoder();
    const inner = keccak256(coder.encode(["address", "uint256"], [buyer, ALLOWANCES_SLOT]));
    const slot = keccak256(coder.encode(["address", "bytes32"], [this.address, inner]));
    const override = { [this.contracts.addresses.settlement]: { stateDiff: { [slot]: `0x${price.toString(16).padStart(64, "0")}` } } };
    const provider = this.provider;
    const { settlement } = this.contracts;
    const send = async (call: TxCall) => {
      try {
        return (await provider.send("eth_call", [{ from: buyer, to: call.to, data: call.data }, "latest", override])) as string;
      } catch (err) {
        if (isChainUnreachable(err)) throw new ChainUnavailableError();
        throw revertErrorFrom(err);
      }
    };
    const check = await send({ to: this.contracts.addresses.settlement, data: settlement.interface.encodeFunctionData("allowance", [buyer, this.address]) });
    if (BigInt(check) !== price) throw new Error("the settlement token's allowance slot is not where the gateway expects it");
    await send(purchase);
  }

  private async offerDto(o: OfferView) {
    return {
      id: o.offerId,
      datasetId: o.datasetId,
      offerer: await this.directory.ref(o.offerer),
      priceVnd: o.price,
      termDays: o.term === 0 ? null : o.term / 86_400,
      licenceEndsAt: o.licenceEnd === 0 ? null : isoOf(o.licenceEnd),
      termsHash: o.termsHash,
      allowed: o.allowed.map((id) => this.directory.codeOf(id)),
      maxLicences: o.maxLicences === 0 ? null : o.maxLicences,
      sold: o.sold,
      expiresAt: o.expiry === 0 ? null : isoOf(o.expiry),
      status: o.status,
      offered: { transactionHash: o.offered.txHash, blockNumber: o.offered.blockNumber, timestamp: isoOf(o.offered.timestamp) },
      links: { self: offerHref(o.offerId), dataset: `/v1/datasets/${o.datasetId}`, purchase: `${offerHref(o.offerId)}/purchase` },
    };
  }
}

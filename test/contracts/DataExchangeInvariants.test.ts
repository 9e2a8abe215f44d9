import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { exchangeFixture, terms } from "./fixtures/exchange";

/**
 * Stateful property test of the data exchange with the registry and the VND token. fast-check generates sequences of
 * actions (offer, purchase with a maxPrice around the price, cancel, suspend or reinstate a buyer, let time pass);
 * each runs against the chain, accepted or refused, and after every step the state is read back and checked:
 *   - VND is conserved: the sum of every balance equals the supply, which never changes (no mints or burns here);
 *   - no licence without payment: a licence changes only in a purchase whose buyer paid exactly the offer's price;
 *   - no payment without licence: VND moves only in a purchase that granted or extended the buyer's licence, the
 *     holder receiving price − fee and the fee recipient the fee;
 *   - no sale past the maximum: every offer's sold count stays within its maximum and counts exactly its sales.
 * Each run starts from the same EVM snapshot. EXCHANGE_PROPERTY_RUNS / _STEPS / _SEED change the effort and replay.
 */
const NUM_RUNS = Number(process.env.EXCHANGE_PROPERTY_RUNS ?? 40);
const MAX_STEPS = Number(process.env.EXCHANGE_PROPERTY_STEPS ?? 20);
const SEED = process.env.EXCHANGE_PROPERTY_SEED === undefined ? undefined : Number(process.env.EXCHANGE_PROPERTY_SEED);
const FEE_BPS = 100n;
const DAY = 86_400;

type Action =
  | { kind: "offer"; important: boolean; price: bigint; max: bigint; expiryDays: number }
  | { kind: "buy"; buyer: number; offer: number; slack: bigint }
  | { kind: "cancel"; offer: number }
  | { kind: "toggle"; buyer: number }
  | { kind: "wait"; days: number };

const makeOffer: fc.Arbitrary<Action> = fc.record({
  kind: fc.constant("offer" as const),
  important: fc.boolean(),
  price: fc.bigInt({ min: 1n, max: 5_000_000n }),
  max: fc.bigInt({ min: 0n, max: 3n }),
  expiryDays: fc.integer({ min: 0, max: 20 }),
});
const buy: fc.Arbitrary<Action> = fc.record({ kind: fc.constant("buy" as const), buyer: fc.integer({ min: 0, max: 2 }), offer: fc.nat({ max: 1_000 }), slack: fc.bigInt({ min: -1n, max: 1n }) });
const action: fc.Arbitrary<Action> = fc.oneof(
  makeOffer,
  buy,
  buy,
  buy,
  buy,
  fc.record({ kind: fc.constant("cancel" as const), offer: fc.nat({ max: 1_000 }) }),
  fc.record({ kind: fc.constant("toggle" as const), buyer: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant("wait" as const), days: fc.integer({ min: 1, max: 40 }) }),
);

describe("DataExchange invariants (stateful property test)", function () {
  this.timeout(600_000);

  it("conserves VND, never licenses without payment or takes payment without a licence, never sells past the maximum", async function () {
    const ctx = await exchangeFixture();
    const { exchange, dataAssets, settlement, participants, signers, orgs, datasetId, importantId } = ctx;
    await exchange.connect(signers.admin).setFee(Number(FEE_BPS), signers.marketOperator.address);
    const buyers = [
      { signer: signers.businessA, org: orgs.businessA.id },
      { signer: signers.businessB, org: orgs.businessB.id },
      { signer: signers.agencyB, org: orgs.agencyB.id },
    ];
    const holders = [signers.agencyA.address, signers.marketOperator.address];
    const everyone = [...buyers.map((b) => b.signer.address), ...holders];
    const datasets = [datasetId, importantId];
    const snapshot = await network.provider.send("evm_snapshot");
    let current = snapshot;
    let totalSales = 0;
    let refused = 0;

    const read = async () => {
      const balances = await Promise.all(everyone.map((a) => settlement.balanceOf(a)));
      const licences = await Promise.all(datasets.flatMap((d) => buyers.map((b) => dataAssets.licenseOf(d, b.org).then((l) => l.expiresAt))));
      const count = Number(await exchange.lastOfferId());
      const offers = await Promise.all(Array.from({ length: count }, (_, i) => exchange.offerOf(i + 1)));
      return { balances, licences, offers, supply: await settlement.totalSupply() };
    };

    await fc.assert(
      // Every run opens with an offer, so purchases have something to buy.
      fc.asyncProperty(fc.tuple(makeOffer, fc.array(action, { minLength: 1, maxLength: MAX_STEPS })), async ([first, rest]) => {
        const actions = [first, ...rest];
        await network.provider.send("evm_revert", [current]);
        current = await network.provider.send("evm_snapshot");
        const suspended = [false, false, false];
        const sales = new Map<number, number>();
        const supply = await settlement.totalSupply();
        for (const a of actions) {
          const before = await read();
          let bought: { buyer: number; offerId: number } | undefined;
          try {
            if (a.kind === "offer") {
              const expiry = a.expiryDays === 0 ? 0n : BigInt((await time.latest()) + a.expiryDays * DAY);
              const allowed = a.important ? [orgs.agencyB.id] : [];
              await exchange.connect(signers.agencyA).offer(terms(a.important ? importantId : datasetId, { price: a.price, maxLicences: a.max, expiry, allowed }));
            } else if (a.kind === "buy" && before.offers.length > 0) {
              const offerId = (a.offer % before.offers.length) + 1;
              const price = before.offers[offerId - 1].price;
              await exchange.connect(buyers[a.buyer].signer).purchase(offerId, price + a.slack < 0n ? 0n : price + a.slack);
              bought = { buyer: a.buyer, offerId };
            } else if (a.kind === "cancel" && before.offers.length > 0) {
              await exchange.connect(signers.agencyA).cancel((a.offer % before.offers.length) + 1);
            } else if (a.kind === "toggle") {
              const org = buyers[a.buyer].org;
              await (suspended[a.buyer] ? participants.connect(signers.governor).reinstate(org, "ok") : participants.connect(signers.governor).suspend(org, "check"));
              suspended[a.buyer] = !suspended[a.buyer];
            } else if (a.kind === "wait") {
              await time.increase(a.days * DAY);
            }
          } catch (err) {
            if (!/revert/i.test(String((err as Error).message))) throw err;
            bought = undefined;
            refused += 1;
          }
          const after = await read();
          // VND conserved.
          expect(after.supply).to.equal(supply);
          expect(after.balances.reduce((s, b) => s + b, 0n)).to.equal(supply);
          const delta = after.balances.map((b, i) => b - before.balances[i]);
          const licenceChanged = after.licences.map((l, i) => l !== before.licences[i]);
          if (bought) {
            const offer = before.offers[bought.offerId - 1];
            const fee = (offer.price * FEE_BPS) / 10_000n;
            const expected = everyone.map((acc, i) => (i === bought!.buyer ? -offer.price : acc === signers.agencyA.address ? offer.price - fee : acc === signers.marketOperator.address ? fee : 0n));
            expect(delta).to.deep.equal(expected);
            const changedIndex = datasets.findIndex((d) => d === offer.datasetId) * buyers.length + bought.buyer;
            expect(licenceChanged.map((c, i) => c && i === changedIndex)).to.deep.equal(licenceChanged);
            expect(licenceChanged[changedIndex]).to.equal(true);
            expect(after.licences[changedIndex] > before.licences[changedIndex]).to.equal(true);
            sales.set(bought.offerId, (sales.get(bought.offerId) ?? 0) + 1);
            totalSales += 1;
          } else {
            // Nothing paid, nothing licensed.
            expect(delta.every((d) => d === 0n)).to.equal(true);
            expect(licenceChanged.every((c) => !c)).to.equal(true);
          }
          after.offers.forEach((o, i) => {
            if (o.maxLicences !== 0n) expect(o.sold <= o.maxLicences).to.equal(true);
            expect(Number(o.sold)).to.equal(sales.get(i + 1) ?? 0);
          });
        }
      }),
      { numRuns: NUM_RUNS, seed: SEED, endOnFailure: true },
    );
    // The runs must have exercised both sides, or the checks above proved nothing.
    expect(totalSales).to.be.greaterThan(NUM_RUNS / 4);
    expect(refused).to.be.greaterThan(0);
    await network.provider.send("evm_revert", [snapshot]);
  });
});

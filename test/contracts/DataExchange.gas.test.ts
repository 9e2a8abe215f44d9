import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { GasSnapshot, printGasTable } from "./helpers/gas-snapshot";
import { PRICE, exchangeFixture, offeredFixture, terms } from "./fixtures/exchange";
import { relay } from "./helpers/forwarder";

/**
 * Gas of the data exchange, printed against the target of issue 14 (a purchase ≤ 120k including the licence grant).
 * Measured: about 151k with an exact approval, so the target is missed: a new licence writes two fresh slots in the
 * registry (44k), the registry's AccessManager check costs about 13k and the VND transfer about 30k. The snapshot
 * guards against regressions; the README says where the remaining gas would come from.
 */
describe("DataExchange gas", function () {
  const snapshot = new GasSnapshot("DataExchange");
  const measured: Record<string, number> = {};

  after(function () {
    snapshot.write();
    printGasTable(
      Object.entries(measured).map(([operation, gas]) => ({
        operation,
        gas,
        target: /^(purchase|direct: purchase)/.test(operation) ? "≤ 120k" : undefined,
      })),
    );
  });

  async function gas(name: string, tx: Promise<ContractTransactionResponse>): Promise<number> {
    const used = Number((await (await tx).wait())!.gasUsed);
    measured[name] = used;
    snapshot.check(name, used);
    return used;
  }

  /** offeredFixture where the holder already holds VND, as most sellers will. */
  async function fundedHolderFixture() {
    const ctx = await offeredFixture();
    await ctx.settlement.connect(ctx.signers.treasury).mint(ctx.signers.agencyA.address, 1n, ethers.ZeroHash);
    return ctx;
  }

  it("offer", async function () {
    const { exchange, signers, datasetId, orgs } = await loadFixture(exchangeFixture);
    await gas("offer (open to anyone)", exchange.connect(signers.agencyA).offer(terms(datasetId)));
    await gas(
      "offer (allow-list of 2, max licences, expiry)",
      exchange.connect(signers.agencyA).offer(terms(datasetId, { allowed: [orgs.businessA.id, orgs.businessB.id], maxLicences: 10n, expiry: 2n ** 39n })),
    );
  });

  it("purchase, buyer approved exactly the price (the gateway's way)", async function () {
    const { exchange, settlement, signers, exchangeAddress } = await loadFixture(fundedHolderFixture);
    await settlement.connect(signers.businessA).approve(exchangeAddress, PRICE);
    await gas("purchase (new licence; holder holds VND; exact approval)", exchange.connect(signers.businessA).purchase(1n, PRICE));
  });

  it("purchase, buyer approved more than the price", async function () {
    const { exchange, signers } = await loadFixture(fundedHolderFixture);
    await gas("purchase (new licence; holder holds VND; standing approval)", exchange.connect(signers.businessA).purchase(1n, PRICE));
    await gas("purchase (extension of an unexpired licence)", exchange.connect(signers.businessA).purchase(1n, PRICE));
  });

  it("purchase relayed through the forwarder vs sent directly (own-key buyer)", async function () {
    // Same state for both buyers: exact approval of the price, a new licence, the holder already holds VND, and the
    // relayed buyer's forwarder nonce already used once (its approval was its first request). The relayer holds no role.
    const { exchange, settlement, forwarder, signers, exchangeAddress } = await loadFixture(fundedHolderFixture);
    const { businessA: direct, businessB: own, stranger: relayer } = signers;
    await settlement.connect(direct).approve(exchangeAddress, PRICE);
    await relay(forwarder, relayer, own, settlement, "approve", [exchangeAddress, PRICE]);
    await gas("direct: purchase (new licence; exact approval)", exchange.connect(direct).purchase(1n, PRICE));
    await gas("relayed: purchase (new licence; exact approval)", relay(forwarder, relayer, own, exchange, "purchase", [1n, PRICE]));
  });

  it("purchase, other cases", async function () {
    const { exchange, signers } = await loadFixture(offeredFixture);
    await gas("purchase (holder's first VND)", exchange.connect(signers.businessA).purchase(1n, PRICE));
    await exchange.connect(signers.admin).setFee(100, signers.marketOperator.address);
    await gas("purchase (1% fee; fee recipient's first VND)", exchange.connect(signers.businessB).purchase(1n, PRICE));
    await gas("cancel", exchange.connect(signers.agencyA).cancel(1n));
  });
});

import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { carbonFixture, claim } from "./fixtures/carbon";
import { idOf, registration } from "./helpers/datasets";

/**
 * The emergency brake: the guardian pauses a contract and every user-facing write of it stops with the contract's
 * pause error, until unpause. The gateway's POST /v1/governance/pause pauses all of them.
 * carbonFixture plus: listing 1 (50 t of batch 1 by businessA, expiring in an hour), a dataset held by agencyA.
 */
async function brakeFixture() {
  const ctx = await carbonFixture();
  const { market, dataAssets, signers, batchId } = ctx;
  const expiry = BigInt(await time.latest()) + 3600n;
  await market.connect(signers.businessA).list(batchId, 50n, 1_000n, 0n, expiry, ethers.ZeroAddress);
  const dataset = registration("brake", signers.agencyA.address);
  await dataAssets.connect(signers.registrar).register(dataset);
  return { ...ctx, expiry, datasetId: idOf(dataset.contentHash) };
}

type Ctx = Awaited<ReturnType<typeof brakeFixture>>;

describe("Emergency brake (pause of every contract)", function () {
  it("DataAssetRegistry: no dataset transfer (either form) and no registration; unpause resumes", async function () {
    const { dataAssets, signers, datasetId } = await loadFixture(brakeFixture);
    const { agencyA, agencyB, guardian, registrar } = signers;
    await dataAssets.connect(guardian).pause();
    await expect(dataAssets.connect(agencyA).transferFrom(agencyA.address, agencyB.address, datasetId)).to.be.revertedWithCustomError(dataAssets, "EnforcedPause");
    await expect(
      dataAssets.connect(agencyA)["safeTransferFrom(address,address,uint256)"](agencyA.address, agencyB.address, datasetId),
    ).to.be.revertedWithCustomError(dataAssets, "EnforcedPause");
    await expect(dataAssets.connect(registrar).register(registration("during-pause", agencyA.address))).to.be.revertedWithCustomError(dataAssets, "EnforcedPause");
    await dataAssets.connect(guardian).unpause();
    await expect(dataAssets.connect(agencyA).transferFrom(agencyA.address, agencyB.address, datasetId)).to.emit(dataAssets, "Transfer");
  });

  it("CarbonCreditRegistry: no credit transfer, batch transfer, retirement, purchase with retirement or listing", async function () {
    const { carbon, market, signers, batchId } = await loadFixture(brakeFixture);
    const { businessA: a, businessB: b, guardian } = signers;
    await carbon.connect(guardian).pause();
    await expect(carbon.connect(a).safeTransferFrom(a.address, b.address, batchId, 1n, "0x")).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPaused");
    await expect(carbon.connect(a).safeBatchTransferFrom(a.address, b.address, [batchId], [1n], "0x")).to.be.revertedWithCustomError(
      carbon,
      "CarbonCreditRegistryPaused",
    );
    await expect(carbon.connect(a).retire(batchId, 1n, claim())).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPaused");
    await expect(market.connect(b).fillAndRetire(1n, 1n, 1_000n, claim())).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPaused");
    await expect(market.connect(b).fill(1n, 1n, 1_000n)).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPaused");
    await expect(market.connect(a).list(batchId, 1n, 1_000n, 0n, 0n, ethers.ZeroAddress)).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPaused");
    await expect(market.connect(a).cancelListing(1n)).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPaused");
    await carbon.connect(guardian).unpause();
    await expect(carbon.connect(a).retire(batchId, 1n, claim())).to.emit(carbon, "Retired");
  });

  it("SettlementToken: no VND transfer, transferFrom, mint or burn, hence no fill", async function () {
    const { settlement, market, signers } = await loadFixture(brakeFixture);
    const { businessA: a, businessB: b, guardian, treasury } = signers;
    await settlement.connect(guardian).pause();
    await expect(settlement.connect(b).transfer(a.address, 1n)).to.be.revertedWithCustomError(settlement, "EnforcedPause");
    await settlement.connect(b).approve(a.address, 10n); // approving moves nothing and stays open
    await expect(settlement.connect(a).transferFrom(b.address, a.address, 1n)).to.be.revertedWithCustomError(settlement, "EnforcedPause");
    await expect(settlement.connect(treasury).mint(a.address, 1n, ethers.id("m"))).to.be.revertedWithCustomError(settlement, "EnforcedPause");
    await expect(settlement.connect(treasury).burn(treasury.address, 1n, ethers.id("b"))).to.be.revertedWithCustomError(settlement, "EnforcedPause");
    await expect(market.connect(b).fill(1n, 1n, 1_000n)).to.be.revertedWithCustomError(settlement, "EnforcedPause");
    await settlement.connect(guardian).unpause();
    await expect(settlement.connect(b).transfer(a.address, 1n)).to.emit(settlement, "Transfer");
  });

  it("CarbonMarket: no listing, filling, filling with retirement, cancelling or reclaiming; unpause resumes", async function () {
    const ctx: Ctx = await loadFixture(brakeFixture);
    const { market, signers, batchId, expiry } = ctx;
    const { businessA: a, businessB: b, guardian } = signers;
    await market.connect(guardian).pause();
    await expect(market.connect(a).list(batchId, 1n, 1_000n, 0n, 0n, ethers.ZeroAddress)).to.be.revertedWithCustomError(market, "CarbonMarketPaused");
    await expect(market.connect(b).fill(1n, 1n, 1_000n)).to.be.revertedWithCustomError(market, "CarbonMarketPaused");
    await expect(market.connect(b).fillAndRetire(1n, 1n, 1_000n, claim())).to.be.revertedWithCustomError(market, "CarbonMarketPaused");
    await expect(market.connect(a).cancelListing(1n)).to.be.revertedWithCustomError(market, "CarbonMarketPaused");
    await time.increaseTo(expiry + 1n);
    await expect(market.connect(b).reclaimExpired(1n)).to.be.revertedWithCustomError(market, "CarbonMarketPaused");
    await market.connect(guardian).unpause();
    await expect(market.connect(b).reclaimExpired(1n)).to.emit(market, "ListingReclaimed").withArgs(1n, a.address, b.address, 50n);
  });
});

/** README "What setTargetClosed closes and what not": each sentence of it, on chain. */
describe("AccessManager.setTargetClosed (the README's account of what it closes)", function () {
  it("closes every restricted function of the contract to every caller, the administrator and scheduling included, but not participants' writes nor updateAuthority", async function () {
    const { accessManager, market, signers, batchId } = await loadFixture(brakeFixture);
    const { admin, businessA: a, businessB: b, guardian, issuer, treasury } = signers;
    const target = await market.getAddress();
    await expect(accessManager.connect(admin).setTargetClosed(target, true)).to.emit(accessManager, "TargetClosed").withArgs(target, true);

    // Closed: the fee (ADMIN, which in this fixture acts at once), pause (GUARDIAN), the issuer's cancel in escrow.
    await expect(market.connect(admin).setFee(30, treasury.address)).to.be.revertedWithCustomError(market, "AccessManagedUnauthorized").withArgs(admin.address);
    await expect(market.connect(guardian).pause()).to.be.revertedWithCustomError(market, "AccessManagedUnauthorized").withArgs(guardian.address);
    await expect(market.connect(issuer).cancelEscrowed(1n, 1n, "fraud")).to.be.revertedWithCustomError(market, "AccessManagedUnauthorized").withArgs(issuer.address);
    // ...and through the AccessManager: nothing can be scheduled or executed on it.
    const setFee = market.interface.encodeFunctionData("setFee", [30, treasury.address]);
    const selector = setFee.slice(0, 10);
    await expect(accessManager.connect(admin).schedule(target, setFee, 0)).to.be.revertedWithCustomError(accessManager, "AccessManagerUnauthorizedCall").withArgs(admin.address, target, selector);
    await expect(accessManager.connect(admin).execute(target, setFee)).to.be.revertedWithCustomError(accessManager, "AccessManagerUnauthorizedCall").withArgs(admin.address, target, selector);

    // Not closed: what participants call without a role (listing, filling, cancelling), and updateAuthority.
    await expect(market.connect(a).list(batchId, 5n, 1_000n, 0n, 0n, ethers.ZeroAddress)).to.emit(market, "Listed");
    await expect(market.connect(b).fill(1n, 1n, 1_000n)).to.emit(market, "Traded");
    await expect(market.connect(a).cancelListing(2n)).to.emit(market, "ListingCancelled");
    await expect(accessManager.connect(admin).updateAuthority(target, await accessManager.getAddress())).to.emit(market, "AuthorityUpdated");

    // Reopened, the restricted functions work again.
    await accessManager.connect(admin).setTargetClosed(target, false);
    await expect(market.connect(admin).setFee(30, treasury.address)).to.emit(market, "FeeChanged");
  });
});

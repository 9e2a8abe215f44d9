import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { MARKET_ORG } from "../../scripts/lib/system";
import { carbonFixture, chainNow, claim, claimTuple } from "./fixtures/carbon";
import { expectStrangerRefused, expectWiredRoles } from "./helpers/restricted";

const PRICE = 250_000n; // VND per tCO2e
const FEE_BPS = 50n;

/** carbonFixture + a 0.5% fee to the market operator + listing 1: 100 t of batch 1 by businessA at PRICE, no limits. */
async function listedFixture() {
  const ctx = await carbonFixture();
  const { market, signers, batchId } = ctx;
  await market.connect(signers.admin).setFee(Number(FEE_BPS), signers.marketOperator.address);
  await market.connect(signers.businessA).list(batchId, 100n, PRICE, 0n, 0n, ethers.ZeroAddress);
  return ctx;
}

describe("CarbonMarket", function () {
  describe("deployment", function () {
    it("is wired to the registry, the settlement token and the permission table, and is an active Operator account", async function () {
      const { market, carbon, settlement, participants, accessManager, marketAddress } = await loadFixture(carbonFixture);
      expect(await market.registry()).to.equal(await carbon.getAddress());
      expect(await market.settlementToken()).to.equal(await settlement.getAddress());
      expect(await market.MAX_FEE_BPS()).to.equal(1_000n);
      expect(await market.feeBps()).to.equal(0n);
      expect(await market.lastListingId()).to.equal(0n);
      expect(await participants.orgOf(marketAddress)).to.equal(MARKET_ORG.id);
      expect(await participants.isActive(marketAddress)).to.equal(true);
      await expectWiredRoles(accessManager, market, "CarbonMarket");
    });

    it("refuses a stranger every restricted function", async function () {
      const { market, signers } = await loadFixture(carbonFixture);
      await expectStrangerRefused(market, "CarbonMarket", signers.stranger);
    });

    it("declares ERC-1155 receiver support", async function () {
      const { market } = await loadFixture(carbonFixture);
      expect(await market.supportsInterface("0x4e2312e0")).to.equal(true);
      expect(await market.supportsInterface("0x01ffc9a7")).to.equal(true);
      expect(await market.supportsInterface("0xd9b67a26")).to.equal(false);
    });
  });

  describe("#list", function () {
    it("moves the credits into escrow and records the listing", async function () {
      const { market, carbon, signers, batchId, marketAddress } = await loadFixture(carbonFixture);
      const seller = signers.businessA;
      const expiry = (await chainNow()) + 3600n;
      await expect(market.connect(seller).list(batchId, 100n, PRICE, 10n, expiry, signers.businessB.address))
        .to.emit(market, "Listed")
        .withArgs(1n, seller.address, batchId, 100n, PRICE, 10n, expiry, signers.businessB.address)
        .and.to.emit(carbon, "TransferSingle")
        .withArgs(marketAddress, seller.address, marketAddress, batchId, 100n);
      expect(await market.listing(1n)).to.deep.equal([seller.address, batchId, 100n, PRICE, 10n, expiry, signers.businessB.address]);
      expect(await carbon.balanceOf(marketAddress, batchId)).to.equal(100n);
      expect(await carbon.balanceOf(seller.address, batchId)).to.equal(900n);
      expect(await market.lastListingId()).to.equal(1n);
    });

    it("refuses bad terms", async function () {
      const { market, signers, batchId } = await loadFixture(carbonFixture);
      const seller = market.connect(signers.businessA);
      const now = await chainNow();
      const max56 = 2n ** 56n - 1n;
      const max128 = 2n ** 128n - 1n;
      await expect(seller.list(batchId, 0n, PRICE, 0n, 0n, ethers.ZeroAddress)).to.be.revertedWithCustomError(market, "CarbonMarketZeroAmount");
      await expect(seller.list(batchId, max56 + 1n, PRICE, 0n, 0n, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(market, "CarbonMarketAmountTooLarge")
        .withArgs(max56 + 1n, max56);
      await expect(seller.list(batchId, 1n, 0n, 0n, 0n, ethers.ZeroAddress)).to.be.revertedWithCustomError(market, "CarbonMarketZeroPrice");
      await expect(seller.list(batchId, 1n, max128 + 1n, 0n, 0n, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(market, "CarbonMarketPriceTooLarge")
        .withArgs(max128 + 1n, max128);
      await expect(seller.list(batchId, 5n, PRICE, 6n, 0n, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(market, "CarbonMarketInvalidMinFill")
        .withArgs(6n, 5n);
      for (const expiry of [now, 2n ** 40n]) {
        await expect(seller.list(batchId, 5n, PRICE, 0n, expiry, ethers.ZeroAddress))
          .to.be.revertedWithCustomError(market, "CarbonMarketInvalidExpiry")
          .withArgs(expiry);
      }
      await expect(seller.list(batchId, 5n, PRICE, 0n, 0n, signers.businessA.address))
        .to.be.revertedWithCustomError(market, "CarbonMarketSelfTrade")
        .withArgs(signers.businessA.address);
    });

    it("needs the seller's approval, an active unfrozen seller, a known unfrozen batch and an active market account", async function () {
      const { market, carbon, participants, signers, orgs, batchId, marketAddress } = await loadFixture(carbonFixture);
      const { businessA: a, agencyA: noApproval } = signers;
      await carbon.connect(a).safeTransferFrom(a.address, noApproval.address, batchId, 10n, "0x");
      await expect(market.connect(noApproval).list(batchId, 1n, PRICE, 0n, 0n, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(carbon, "ERC1155MissingApprovalForAll")
        .withArgs(marketAddress, noApproval.address);
      await expect(market.connect(a).list(9n, 1n, PRICE, 0n, 0n, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryUnknownBatch")
        .withArgs(9n);
      await carbon.connect(signers.issuer).freezeBatch(batchId, "investigation");
      await expect(market.connect(a).list(batchId, 1n, PRICE, 0n, 0n, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryBatchFrozen")
        .withArgs(batchId);
      await carbon.connect(signers.issuer).unfreezeBatch(batchId, "cleared");
      await carbon.connect(signers.issuer).freezeAccount(a.address, "investigation");
      await expect(market.connect(a).list(batchId, 1n, PRICE, 0n, 0n, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryAccountFrozen")
        .withArgs(a.address);
      await carbon.connect(signers.issuer).unfreezeAccount(a.address, "cleared");
      await participants.connect(signers.governor).suspend(MARKET_ORG.id, "maintenance");
      await expect(market.connect(a).list(batchId, 1n, PRICE, 0n, 0n, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveParticipant")
        .withArgs(marketAddress);
      await participants.connect(signers.governor).reinstate(MARKET_ORG.id, "done");
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "audit");
      await expect(market.connect(a).list(batchId, 1n, PRICE, 0n, 0n, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveParticipant")
        .withArgs(a.address);
    });

    it("is refused while paused", async function () {
      const { market, signers, batchId } = await loadFixture(carbonFixture);
      await market.connect(signers.guardian).pause();
      await expect(market.connect(signers.businessA).list(batchId, 1n, PRICE, 0n, 0n, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(market, "CarbonMarketPaused");
    });
  });

  describe("#fill", function () {
    it("swaps credits for VND atomically, pays the fee and emits the trade", async function () {
      const { market, carbon, settlement, signers, batchId, marketAddress } = await loadFixture(listedFixture);
      const { businessA: seller, businessB: buyer, marketOperator: operator } = signers;
      const cost = 40n * PRICE;
      const fee = (cost * FEE_BPS) / 10_000n;
      expect(await market.quote(1n, 40n)).to.deep.equal([cost, fee]);
      await expect(market.connect(buyer).fill(1n, 40n, cost))
        .to.emit(market, "Traded")
        .withArgs(1n, seller.address, buyer.address, batchId, 40n, PRICE, fee)
        .and.to.emit(carbon, "TransferSingle")
        .withArgs(marketAddress, marketAddress, buyer.address, batchId, 40n)
        .and.to.emit(settlement, "Transfer")
        .withArgs(buyer.address, seller.address, cost - fee);
      expect(await carbon.balanceOf(buyer.address, batchId)).to.equal(40n);
      expect(await carbon.balanceOf(marketAddress, batchId)).to.equal(60n);
      expect(await settlement.balanceOf(seller.address)).to.equal(cost - fee);
      expect(await settlement.balanceOf(operator.address)).to.equal(fee);
      expect(await settlement.balanceOf(buyer.address)).to.equal(100_000_000n - cost);
      expect((await market.listing(1n)).remaining).to.equal(60n);
    });

    it("closes the listing when the last unit is bought", async function () {
      const { market, signers } = await loadFixture(listedFixture);
      await market.connect(signers.businessB).fill(1n, 100n, 100n * PRICE);
      expect((await market.listing(1n)).remaining).to.equal(0n);
      await expect(market.connect(signers.businessB).fill(1n, 1n, PRICE))
        .to.be.revertedWithCustomError(market, "CarbonMarketListingClosed")
        .withArgs(1n);
    });

    it("charges no fee at rate 0", async function () {
      const { market, settlement, signers, batchId } = await loadFixture(carbonFixture);
      await market.connect(signers.businessA).list(batchId, 10n, PRICE, 0n, 0n, ethers.ZeroAddress);
      await expect(market.connect(signers.businessB).fill(1n, 10n, 10n * PRICE))
        .to.emit(market, "Traded")
        .withArgs(1n, signers.businessA.address, signers.businessB.address, batchId, 10n, PRICE, 0n);
      expect(await settlement.balanceOf(signers.businessA.address)).to.equal(10n * PRICE);
    });

    it("enforces the minimum fill, except for the whole remainder", async function () {
      const { market, signers, batchId } = await loadFixture(carbonFixture);
      await market.connect(signers.businessA).list(batchId, 25n, PRICE, 10n, 0n, ethers.ZeroAddress);
      const buyer = market.connect(signers.businessB);
      await expect(buyer.fill(1n, 9n, 9n * PRICE)).to.be.revertedWithCustomError(market, "CarbonMarketBelowMinFill").withArgs(1n, 9n, 10n);
      await buyer.fill(1n, 20n, 20n * PRICE);
      await expect(buyer.fill(1n, 5n, 5n * PRICE)).to.emit(market, "Traded");
      expect((await market.listing(1n)).remaining).to.equal(0n);
    });

    it("accepts a fill of exactly the minimum and refuses one unit less", async function () {
      const { market, signers, batchId } = await loadFixture(carbonFixture);
      await market.connect(signers.businessA).list(batchId, 25n, PRICE, 10n, 0n, ethers.ZeroAddress);
      const buyer = market.connect(signers.businessB);
      await expect(buyer.fill(1n, 9n, 9n * PRICE)).to.be.revertedWithCustomError(market, "CarbonMarketBelowMinFill").withArgs(1n, 9n, 10n);
      await expect(buyer.fill(1n, 10n, 10n * PRICE))
        .to.emit(market, "Traded")
        .withArgs(1n, signers.businessA.address, signers.businessB.address, batchId, 10n, PRICE, 0n);
      expect((await market.listing(1n)).remaining).to.equal(15n);
    });

    it("refuses bad fills", async function () {
      const { market, signers } = await loadFixture(listedFixture);
      const buyer = market.connect(signers.businessB);
      await expect(buyer.fill(1n, 0n, 0n)).to.be.revertedWithCustomError(market, "CarbonMarketZeroAmount");
      await expect(buyer.fill(1n, 101n, 101n * PRICE))
        .to.be.revertedWithCustomError(market, "CarbonMarketInsufficientRemaining")
        .withArgs(1n, 101n, 100n);
      await expect(buyer.fill(1n, 10n, 10n * PRICE - 1n))
        .to.be.revertedWithCustomError(market, "CarbonMarketMaxCostExceeded")
        .withArgs(10n * PRICE, 10n * PRICE - 1n);
      await expect(buyer.fill(2n, 1n, PRICE)).to.be.revertedWithCustomError(market, "CarbonMarketUnknownListing").withArgs(2n);
      await expect(market.connect(signers.businessA).fill(1n, 1n, PRICE))
        .to.be.revertedWithCustomError(market, "CarbonMarketSelfTrade")
        .withArgs(signers.businessA.address);
    });

    it("refuses fills after the expiry", async function () {
      const { market, signers, batchId } = await loadFixture(carbonFixture);
      const expiry = (await chainNow()) + 100n;
      await market.connect(signers.businessA).list(batchId, 10n, PRICE, 0n, expiry, ethers.ZeroAddress);
      await time.setNextBlockTimestamp(expiry);
      await expect(market.connect(signers.businessB).fill(1n, 1n, PRICE)).to.emit(market, "Traded");
      await expect(market.connect(signers.businessB).fill(1n, 1n, PRICE))
        .to.be.revertedWithCustomError(market, "CarbonMarketListingExpired")
        .withArgs(1n, expiry);
    });

    it("lets only the named buyer fill a private listing", async function () {
      const { market, settlement, signers, batchId } = await loadFixture(carbonFixture);
      await market.connect(signers.businessA).list(batchId, 10n, PRICE, 0n, 0n, signers.businessB.address);
      await settlement.connect(signers.treasury).mint(signers.agencyA.address, 10n * PRICE, ethers.ZeroHash);
      await settlement.connect(signers.agencyA).approve(await market.getAddress(), ethers.MaxUint256);
      await expect(market.connect(signers.agencyA).fill(1n, 1n, PRICE))
        .to.be.revertedWithCustomError(market, "CarbonMarketNotPrivateBuyer")
        .withArgs(1n, signers.agencyA.address);
      await expect(market.connect(signers.businessB).fill(1n, 1n, PRICE)).to.emit(market, "Traded");
    });

    it("needs the buyer's VND and allowance for the whole cost, fee included", async function () {
      const { market, settlement, signers, marketAddress } = await loadFixture(listedFixture);
      const buyer = signers.businessB;
      const fee = (PRICE * FEE_BPS) / 10_000n;
      // One đồng short: the seller's share goes through, then the fee transfer fails and the whole fill reverts.
      await settlement.connect(buyer).approve(marketAddress, PRICE - 1n);
      await expect(market.connect(buyer).fill(1n, 1n, PRICE))
        .to.be.revertedWithCustomError(settlement, "ERC20InsufficientAllowance")
        .withArgs(marketAddress, fee - 1n, fee);
      await settlement.connect(signers.treasury).mint(signers.agencyB.address, PRICE - 1n, ethers.ZeroHash);
      await settlement.connect(signers.agencyB).approve(marketAddress, ethers.MaxUint256);
      await expect(market.connect(signers.agencyB).fill(1n, 1n, PRICE))
        .to.be.revertedWithCustomError(settlement, "ERC20InsufficientBalance")
        .withArgs(signers.agencyB.address, fee - 1n, fee);
      expect(await settlement.balanceOf(signers.agencyB.address)).to.equal(PRICE - 1n);
      expect((await market.listing(1n)).remaining).to.equal(100n);
    });

    it("refuses suspended or unregistered buyers and suspended sellers", async function () {
      const { market, settlement, participants, signers, orgs } = await loadFixture(listedFixture);
      await settlement.connect(signers.stranger).approve(await market.getAddress(), ethers.MaxUint256);
      await expect(market.connect(signers.stranger).fill(1n, 1n, PRICE))
        .to.be.revertedWithCustomError(settlement, "SettlementTokenInactiveParticipant")
        .withArgs(signers.stranger.address);
      await participants.connect(signers.governor).suspend(orgs.businessB.id, "audit");
      await expect(market.connect(signers.businessB).fill(1n, 1n, PRICE))
        .to.be.revertedWithCustomError(settlement, "SettlementTokenInactiveParticipant")
        .withArgs(signers.businessB.address);
      await participants.connect(signers.governor).reinstate(orgs.businessB.id, "cleared");
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "audit");
      await expect(market.connect(signers.businessB).fill(1n, 1n, PRICE))
        .to.be.revertedWithCustomError(settlement, "SettlementTokenInactiveParticipant")
        .withArgs(signers.businessA.address);
    });

    it("refuses a frozen batch", async function () {
      const { market, carbon, signers, batchId } = await loadFixture(listedFixture);
      await carbon.connect(signers.issuer).freezeBatch(batchId, "investigation");
      await expect(market.connect(signers.businessB).fill(1n, 1n, PRICE))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryBatchFrozen")
        .withArgs(batchId);
    });

    it("refuses a frozen seller's listing until the account is unfrozen", async function () {
      const { market, carbon, settlement, signers } = await loadFixture(listedFixture);
      const seller = signers.businessA.address;
      await carbon.connect(signers.issuer).freezeAccount(seller, "court order");
      await expect(market.connect(signers.businessB).fill(1n, 1n, PRICE))
        .to.be.revertedWithCustomError(market, "CarbonMarketSellerFrozen")
        .withArgs(1n, seller);
      expect((await market.listing(1n)).remaining).to.equal(100n);
      expect(await settlement.balanceOf(seller)).to.equal(0n);
      await carbon.connect(signers.issuer).unfreezeAccount(seller, "order lifted");
      await expect(market.connect(signers.businessB).fill(1n, 1n, PRICE)).to.emit(market, "Traded");
    });

    it("is refused while paused", async function () {
      const { market, signers } = await loadFixture(listedFixture);
      await market.connect(signers.guardian).pause();
      await expect(market.connect(signers.businessB).fill(1n, 1n, PRICE)).to.be.revertedWithCustomError(market, "CarbonMarketPaused");
    });
  });

  describe("#fillAndRetire", function () {
    it("pays, retires from escrow and names the buyer on the certificate", async function () {
      const { market, carbon, settlement, signers, batchId, marketAddress } = await loadFixture(listedFixture);
      const { businessA: seller, businessB: buyer } = signers;
      const c = claim({ beneficiaryName: "Hai Chau district", beneficiaryOrg: ethers.ZeroHash });
      const cost = 30n * PRICE;
      const fee = (cost * FEE_BPS) / 10_000n;
      await expect(market.connect(buyer).fillAndRetire(1n, 30n, cost, c))
        .to.emit(market, "Traded")
        .withArgs(1n, seller.address, buyer.address, batchId, 30n, PRICE, fee)
        .and.to.emit(carbon, "Retired")
        .withArgs(1n, batchId, buyer.address, 30n, 1n, 30n, claimTuple(c))
        .and.to.emit(carbon, "TransferSingle")
        .withArgs(marketAddress, marketAddress, ethers.ZeroAddress, batchId, 30n);
      expect(await carbon.retiredBalanceOf(buyer.address, batchId)).to.equal(30n);
      expect(await carbon.balanceOf(buyer.address, batchId)).to.equal(0n);
      expect(await carbon.balanceOf(marketAddress, batchId)).to.equal(70n);
      expect(await settlement.balanceOf(seller.address)).to.equal(cost - fee);
      expect((await carbon.retirement(1n)).holder).to.equal(buyer.address);
      expect((await market.listing(1n)).remaining).to.equal(70n);
    });

    it("reverts the whole purchase when the retirement is refused", async function () {
      const { market, carbon, settlement, signers } = await loadFixture(listedFixture);
      const buyer = signers.businessB;
      await expect(market.connect(buyer).fillAndRetire(1n, 1n, PRICE, claim({ beneficiaryName: "" })))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryEmptyBeneficiary");
      await carbon.connect(signers.issuer).freezeAccount(buyer.address, "investigation");
      await expect(market.connect(buyer).fillAndRetire(1n, 1n, PRICE, claim()))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryAccountFrozen")
        .withArgs(buyer.address);
      expect(await settlement.balanceOf(buyer.address)).to.equal(100_000_000n);
      expect((await market.listing(1n)).remaining).to.equal(100n);
    });

    it("refuses a frozen seller's listing", async function () {
      const { market, carbon, signers } = await loadFixture(listedFixture);
      await carbon.connect(signers.issuer).freezeAccount(signers.businessA.address, "court order");
      await expect(market.connect(signers.businessB).fillAndRetire(1n, 1n, PRICE, claim()))
        .to.be.revertedWithCustomError(market, "CarbonMarketSellerFrozen")
        .withArgs(1n, signers.businessA.address);
      expect((await market.listing(1n)).remaining).to.equal(100n);
    });

    it("refuses a frozen batch's listing", async function () {
      const { market, carbon, signers, batchId } = await loadFixture(listedFixture);
      await carbon.connect(signers.issuer).freezeBatch(batchId, "investigation");
      await expect(market.connect(signers.businessB).fillAndRetire(1n, 1n, PRICE, claim()))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryBatchFrozen")
        .withArgs(batchId);
      expect((await market.listing(1n)).remaining).to.equal(100n);
    });
  });

  describe("#cancelListing", function () {
    it("returns the remainder to the seller", async function () {
      const { market, carbon, signers, batchId, marketAddress } = await loadFixture(listedFixture);
      const seller = signers.businessA;
      await market.connect(signers.businessB).fill(1n, 30n, 30n * PRICE);
      await expect(market.connect(seller).cancelListing(1n))
        .to.emit(market, "ListingCancelled")
        .withArgs(1n, seller.address, 70n)
        .and.to.emit(carbon, "TransferSingle")
        .withArgs(marketAddress, marketAddress, seller.address, batchId, 70n);
      expect(await carbon.balanceOf(seller.address, batchId)).to.equal(970n);
      expect(await carbon.balanceOf(marketAddress, batchId)).to.equal(0n);
      expect((await market.listing(1n)).remaining).to.equal(0n);
    });

    it("refuses anyone but the seller, unknown and closed listings", async function () {
      const { market, signers } = await loadFixture(listedFixture);
      await expect(market.connect(signers.businessB).cancelListing(1n))
        .to.be.revertedWithCustomError(market, "CarbonMarketNotSeller")
        .withArgs(1n, signers.businessB.address);
      await expect(market.connect(signers.businessA).cancelListing(2n)).to.be.revertedWithCustomError(market, "CarbonMarketUnknownListing").withArgs(2n);
      await market.connect(signers.businessA).cancelListing(1n);
      await expect(market.connect(signers.businessA).cancelListing(1n)).to.be.revertedWithCustomError(market, "CarbonMarketListingClosed").withArgs(1n);
    });

    it("cannot return credits of a frozen batch until it is unfrozen", async function () {
      const { market, carbon, signers, batchId } = await loadFixture(listedFixture);
      await carbon.connect(signers.issuer).freezeBatch(batchId, "investigation");
      await expect(market.connect(signers.businessA).cancelListing(1n))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryBatchFrozen")
        .withArgs(batchId);
      expect((await market.listing(1n)).remaining).to.equal(100n);
    });

    it("cannot take back a frozen seller's credits until the account is unfrozen", async function () {
      const { market, carbon, signers } = await loadFixture(listedFixture);
      const seller = signers.businessA.address;
      await carbon.connect(signers.issuer).freezeAccount(seller, "court order");
      await expect(market.connect(signers.businessA).cancelListing(1n))
        .to.be.revertedWithCustomError(market, "CarbonMarketSellerFrozen")
        .withArgs(1n, seller);
      expect((await market.listing(1n)).remaining).to.equal(100n);
      await carbon.connect(signers.issuer).unfreezeAccount(seller, "order lifted");
      await expect(market.connect(signers.businessA).cancelListing(1n)).to.emit(market, "ListingCancelled").withArgs(1n, seller, 100n);
    });
  });

  describe("#cancelEscrowed", function () {
    it("lets the issuer cancel credits in escrow: the listing shrinks, the registry burns from escrow and names the serials", async function () {
      const { market, carbon, signers, batchId, marketAddress } = await loadFixture(listedFixture);
      await expect(market.connect(signers.issuer).cancelEscrowed(1n, 30n, "double counting"))
        .to.emit(market, "ListingReduced")
        .withArgs(1n, signers.businessA.address, 30n, 70n)
        .and.to.emit(carbon, "Cancelled")
        .withArgs(batchId, marketAddress, 30n, 1n, 30n, "double counting")
        .and.to.emit(carbon, "TransferSingle")
        .withArgs(marketAddress, marketAddress, ethers.ZeroAddress, batchId, 30n);
      expect((await market.listing(1n)).remaining).to.equal(70n);
      expect(await carbon.balanceOf(marketAddress, batchId)).to.equal(70n);
      const info = await carbon.batch(batchId);
      expect([info.issued, info.circulating, info.cancelled]).to.deep.equal([1000n, 970n, 30n]);
      // The rest stays for sale.
      await expect(market.connect(signers.businessB).fill(1n, 70n, 70n * PRICE)).to.emit(market, "Traded");
    });

    it("closes the listing when its whole remainder is cancelled", async function () {
      const { market, carbon, signers, batchId, marketAddress } = await loadFixture(listedFixture);
      await market.connect(signers.businessB).fill(1n, 40n, 40n * PRICE);
      await expect(market.connect(signers.issuer).cancelEscrowed(1n, 60n, "fraud")).to.emit(market, "ListingReduced").withArgs(1n, signers.businessA.address, 60n, 0n);
      expect(await carbon.balanceOf(marketAddress, batchId)).to.equal(0n);
      await expect(market.connect(signers.businessB).fill(1n, 1n, PRICE)).to.be.revertedWithCustomError(market, "CarbonMarketListingClosed").withArgs(1n);
      await expect(market.connect(signers.businessA).cancelListing(1n)).to.be.revertedWithCustomError(market, "CarbonMarketListingClosed").withArgs(1n);
      await expect(market.connect(signers.issuer).cancelEscrowed(1n, 1n, "again")).to.be.revertedWithCustomError(market, "CarbonMarketListingClosed").withArgs(1n);
    });

    it("reaches a frozen seller's and a frozen batch's credits, which nobody else can move", async function () {
      const { market, carbon, signers, batchId } = await loadFixture(listedFixture);
      await carbon.connect(signers.issuer).freezeAccount(signers.businessA.address, "court order");
      await carbon.connect(signers.issuer).freezeBatch(batchId, "investigation");
      await expect(market.connect(signers.businessA).cancelListing(1n)).to.be.revertedWithCustomError(market, "CarbonMarketSellerFrozen");
      await expect(market.connect(signers.issuer).cancelEscrowed(1n, 100n, "fraud confirmed"))
        .to.emit(market, "ListingReduced")
        .withArgs(1n, signers.businessA.address, 100n, 0n);
      expect((await carbon.batch(batchId)).cancelled).to.equal(100n);
    });

    it("refuses a zero amount, more than the remainder (at remainder + 1), unknown listings, an empty reason and a paused registry", async function () {
      const { market, carbon, signers } = await loadFixture(listedFixture);
      const issuer = market.connect(signers.issuer);
      await expect(issuer.cancelEscrowed(1n, 0n, "x")).to.be.revertedWithCustomError(market, "CarbonMarketZeroAmount");
      await expect(issuer.cancelEscrowed(1n, 101n, "x")).to.be.revertedWithCustomError(market, "CarbonMarketInsufficientRemaining").withArgs(1n, 101n, 100n);
      await expect(issuer.cancelEscrowed(2n, 1n, "x")).to.be.revertedWithCustomError(market, "CarbonMarketUnknownListing").withArgs(2n);
      await expect(issuer.cancelEscrowed(1n, 1n, "")).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryEmptyReason");
      await carbon.connect(signers.guardian).pause();
      await expect(issuer.cancelEscrowed(1n, 1n, "x")).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPaused");
      expect((await market.listing(1n)).remaining).to.equal(100n);
      await carbon.connect(signers.guardian).unpause();
      await expect(issuer.cancelEscrowed(1n, 100n, "x")).to.emit(market, "ListingReduced").withArgs(1n, signers.businessA.address, 100n, 0n);
    });

    it("is the issuer's alone: refused to the seller, to an issuer of a suspended organisation, and the registry's side to anyone but the market", async function () {
      const { market, carbon, participants, signers, orgs, batchId } = await loadFixture(listedFixture);
      await expect(market.connect(signers.businessA).cancelEscrowed(1n, 1n, "x"))
        .to.be.revertedWithCustomError(market, "AccessManagedUnauthorized")
        .withArgs(signers.businessA.address);
      await expect(carbon.connect(signers.issuer).cancelFromEscrow(batchId, 1n, "x"))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryNotMarket")
        .withArgs(signers.issuer.address);
      await participants.connect(signers.governor).suspend(orgs.environment.id, "audit");
      await expect(market.connect(signers.issuer).cancelEscrowed(1n, 1n, "x"))
        .to.be.revertedWithCustomError(market, "AccessManagedUnauthorized")
        .withArgs(signers.issuer.address);
    });
  });

  describe("#reclaimExpired", function () {
    it("lets anyone return an expired listing's remainder to its seller", async function () {
      const { market, carbon, signers, batchId } = await loadFixture(carbonFixture);
      const expiry = (await chainNow()) + 100n;
      await market.connect(signers.businessA).list(batchId, 10n, PRICE, 0n, expiry, ethers.ZeroAddress);
      await expect(market.connect(signers.stranger).reclaimExpired(1n))
        .to.be.revertedWithCustomError(market, "CarbonMarketListingNotExpired")
        .withArgs(1n, expiry);
      await time.increaseTo(expiry + 1n);
      await expect(market.connect(signers.stranger).reclaimExpired(1n))
        .to.emit(market, "ListingReclaimed")
        .withArgs(1n, signers.businessA.address, signers.stranger.address, 10n);
      expect(await carbon.balanceOf(signers.businessA.address, batchId)).to.equal(1000n);
      await expect(market.connect(signers.stranger).reclaimExpired(1n)).to.be.revertedWithCustomError(market, "CarbonMarketListingClosed").withArgs(1n);
    });

    it("refuses an expired listing of a frozen seller or a frozen batch", async function () {
      const { market, carbon, signers, batchId } = await loadFixture(carbonFixture);
      const seller = signers.businessA.address;
      const expiry = (await chainNow()) + 100n;
      await market.connect(signers.businessA).list(batchId, 10n, PRICE, 0n, expiry, ethers.ZeroAddress);
      await time.increaseTo(expiry + 1n);
      await carbon.connect(signers.issuer).freezeAccount(seller, "court order");
      await expect(market.connect(signers.stranger).reclaimExpired(1n))
        .to.be.revertedWithCustomError(market, "CarbonMarketSellerFrozen")
        .withArgs(1n, seller);
      await carbon.connect(signers.issuer).unfreezeAccount(seller, "order lifted");
      await carbon.connect(signers.issuer).freezeBatch(batchId, "investigation");
      await expect(market.connect(signers.stranger).reclaimExpired(1n))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryBatchFrozen")
        .withArgs(batchId);
      expect((await market.listing(1n)).remaining).to.equal(10n);
    });

    it("refuses a reclaim one second before and exactly at the expiry, accepts it one second after", async function () {
      const { market, signers, batchId } = await loadFixture(carbonFixture);
      const expiry = (await chainNow()) + 100n;
      await market.connect(signers.businessA).list(batchId, 10n, PRICE, 0n, expiry, ethers.ZeroAddress);
      for (const at of [expiry - 1n, expiry]) {
        await time.setNextBlockTimestamp(at);
        await expect(market.connect(signers.stranger).reclaimExpired(1n))
          .to.be.revertedWithCustomError(market, "CarbonMarketListingNotExpired")
          .withArgs(1n, expiry);
      }
      expect(BigInt(await time.latest())).to.equal(expiry); // the refused reclaim was mined at the expiry itself
      await time.setNextBlockTimestamp(expiry + 1n);
      const reclaimed = await market.connect(signers.stranger).reclaimExpired(1n);
      await expect(reclaimed).to.emit(market, "ListingReclaimed").withArgs(1n, signers.businessA.address, signers.stranger.address, 10n);
      expect((await ethers.provider.getBlock((await reclaimed.wait())!.blockNumber))!.timestamp).to.equal(Number(expiry + 1n));
    });

    it("refuses listings without expiry", async function () {
      const { market, signers } = await loadFixture(listedFixture);
      await expect(market.connect(signers.stranger).reclaimExpired(1n))
        .to.be.revertedWithCustomError(market, "CarbonMarketListingNotExpired")
        .withArgs(1n, 0n);
    });
  });

  describe("#setFee", function () {
    it("sets a capped fee with an active recipient", async function () {
      const { market, signers } = await loadFixture(carbonFixture);
      const operator = market.connect(signers.admin);
      await expect(operator.setFee(1_000, signers.marketOperator.address)).to.emit(market, "FeeChanged").withArgs(0, 1_000, signers.marketOperator.address);
      await expect(operator.setFee(0, ethers.ZeroAddress)).to.emit(market, "FeeChanged").withArgs(1_000, 0, ethers.ZeroAddress);
      expect(await market.feeBps()).to.equal(0n);
      expect(await market.feeRecipient()).to.equal(ethers.ZeroAddress);
    });

    it("refuses a rate above the cap and a recipient that cannot receive VND", async function () {
      const { market, signers } = await loadFixture(carbonFixture);
      const operator = market.connect(signers.admin);
      await expect(operator.setFee(1_001, signers.marketOperator.address))
        .to.be.revertedWithCustomError(market, "CarbonMarketFeeTooHigh")
        .withArgs(1_001, 1_000);
      for (const recipient of [ethers.ZeroAddress, signers.stranger.address]) {
        await expect(operator.setFee(10, recipient)).to.be.revertedWithCustomError(market, "CarbonMarketInvalidFeeRecipient").withArgs(recipient);
      }
    });

    it("is governance: refused to anyone but ADMIN, the market operator included", async function () {
      const { market, signers } = await loadFixture(carbonFixture);
      for (const caller of [signers.marketOperator, signers.stranger]) {
        await expect(market.connect(caller).setFee(10, signers.marketOperator.address))
          .to.be.revertedWithCustomError(market, "AccessManagedUnauthorized")
          .withArgs(caller.address);
      }
    });
  });

  describe("#pause / #unpause", function () {
    it("lets the guardian pause and resume", async function () {
      const { market, signers } = await loadFixture(listedFixture);
      await expect(market.connect(signers.guardian).pause()).to.emit(market, "Paused").withArgs(signers.guardian.address);
      expect(await market.paused()).to.equal(true);
      await expect(market.connect(signers.guardian).pause()).to.be.revertedWithCustomError(market, "CarbonMarketPaused");
      await expect(market.connect(signers.guardian).unpause()).to.emit(market, "Unpaused").withArgs(signers.guardian.address);
      await expect(market.connect(signers.guardian).unpause()).to.be.revertedWithCustomError(market, "CarbonMarketNotPaused");
      await expect(market.connect(signers.businessB).fill(1n, 1n, PRICE)).to.emit(market, "Traded");
    });

    it("is refused to anyone without the GUARDIAN role", async function () {
      const { market, signers } = await loadFixture(carbonFixture);
      await expect(market.connect(signers.marketOperator).pause())
        .to.be.revertedWithCustomError(market, "AccessManagedUnauthorized")
        .withArgs(signers.marketOperator.address);
    });
  });

  describe("#onERC1155Received / #onERC1155BatchReceived", function () {
    it("refuses credits sent to the market outside a listing", async function () {
      const { market, carbon, signers, batchId, marketAddress } = await loadFixture(carbonFixture);
      const a = signers.businessA;
      await expect(carbon.connect(a).safeTransferFrom(a.address, marketAddress, batchId, 1n, "0x"))
        .to.be.revertedWithCustomError(market, "CarbonMarketUnsolicitedTransfer")
        .withArgs(a.address);
      await expect(carbon.connect(a).safeBatchTransferFrom(a.address, marketAddress, [batchId], [1n], "0x"))
        .to.be.revertedWithCustomError(market, "CarbonMarketUnsolicitedTransfer")
        .withArgs(a.address);
    });

    it("refuses a call that does not come from the registry", async function () {
      const { market, signers, marketAddress } = await loadFixture(carbonFixture);
      await expect(market.connect(signers.stranger).onERC1155Received(marketAddress, signers.stranger.address, 1n, 1n, "0x"))
        .to.be.revertedWithCustomError(market, "CarbonMarketUnsolicitedTransfer")
        .withArgs(marketAddress);
    });
  });

  describe("#listing / #quote", function () {
    it("refuse unknown listings", async function () {
      const { market } = await loadFixture(carbonFixture);
      await expect(market.listing(1n)).to.be.revertedWithCustomError(market, "CarbonMarketUnknownListing").withArgs(1n);
      await expect(market.quote(1n, 1n)).to.be.revertedWithCustomError(market, "CarbonMarketUnknownListing").withArgs(1n);
    });
  });
});

import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { EXCHANGE_ORG } from "../../scripts/lib/system";
import { ROLES } from "../../scripts/lib/roles";
import { FUNDS, PRICE, TERM, TERMS_HASH, chainNow, exchangeFixture, offeredFixture, terms } from "./fixtures/exchange";
import { AssetStatus, Classification } from "./helpers/datasets";
import { relay } from "./helpers/forwarder";
import { DataAssetRegistry__factory } from "../../typechain-types";
import { expectStrangerRefused, expectWiredRoles } from "./helpers/restricted";

const OrgKind = { None: 0, CityAgency: 1, Business: 2 } as const;
const MAX_TERM = 36_500n * 86_400n;
const MAX_40 = 2n ** 40n - 1n;

describe("DataExchange", function () {
  describe("deployment", function () {
    it("is wired to the registry and the token, is the registry's exchange and an active Operator account", async function () {
      const { exchange, dataAssets, settlement, participants, accessManager, exchangeAddress } = await loadFixture(exchangeFixture);
      expect(await exchange.registry()).to.equal(await dataAssets.getAddress());
      expect(await exchange.settlementToken()).to.equal(await settlement.getAddress());
      expect(await exchange.MAX_FEE_BPS()).to.equal(1_000n);
      expect(await exchange.lastOfferId()).to.equal(0n);
      expect(await exchange.paused()).to.equal(false);
      expect(await participants.orgOf(exchangeAddress)).to.equal(EXCHANGE_ORG.id);
      expect(await participants.isActive(exchangeAddress)).to.equal(true);
      expect(await dataAssets.exchange()).to.equal(exchangeAddress);
      // The role table no longer names DATA_EXCHANGE: the registry checks the exchange's address, not a role.
      expect((await accessManager.hasRole(ROLES.DATA_EXCHANGE, exchangeAddress))[0]).to.equal(false);
      await expectWiredRoles(accessManager, exchange, "DataExchange");
      await expectWiredRoles(accessManager, dataAssets, "DataAssetRegistry");
    });

    it("refuses a stranger every restricted function", async function () {
      const { exchange, signers } = await loadFixture(exchangeFixture);
      await expectStrangerRefused(exchange, "DataExchange", signers.stranger);
    });

    it("lets no one but the exchange grant a paid licence, not even the data office", async function () {
      const { dataAssets, signers, datasetId, orgs } = await loadFixture(exchangeFixture);
      await expect(dataAssets.connect(signers.registrar).grantPurchasedLicense(datasetId, orgs.businessA.id, 1n, TERM, 0n, TERMS_HASH))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryNotExchange")
        .withArgs(signers.registrar.address);
    });

    it("lets only the administrator name the exchange (setExchange), once, never zero", async function () {
      const { dataAssets, signers, exchangeAddress } = await loadFixture(exchangeFixture);
      await expect(dataAssets.connect(signers.registrar).setExchange(signers.registrar.address))
        .to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized")
        .withArgs(signers.registrar.address);
      // deploySystem set it; sold licences refer to its offers, so it cannot change.
      await expect(dataAssets.connect(signers.admin).setExchange(signers.stranger.address))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryExchangeAlreadySet")
        .withArgs(exchangeAddress);
      await expect(dataAssets.connect(signers.admin).setExchange(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        dataAssets,
        "DataAssetRegistryZeroExchange",
      );
    });

    it("emits ExchangeSet when the exchange is set on a fresh registry", async function () {
      const { accessManager, participants, signers } = await loadFixture(exchangeFixture);
      const fresh = await new DataAssetRegistry__factory(signers.admin).deploy(
        await accessManager.getAddress(),
        await participants.getAddress(),
        ethers.ZeroAddress,
      );
      await accessManager.setTargetFunctionRole(await fresh.getAddress(), [fresh.interface.getFunction("setExchange").selector], ROLES.ADMIN);
      await expect(fresh.connect(signers.admin).setExchange(signers.stranger.address)).to.emit(fresh, "ExchangeSet").withArgs(signers.stranger.address);
      expect(await fresh.exchange()).to.equal(signers.stranger.address);
    });
  });

  describe("#offer", function () {
    it("records the holder's offer and emits it", async function () {
      const { exchange, signers, datasetId, orgs } = await loadFixture(exchangeFixture);
      const expiry = (await chainNow()) + 3600n;
      const t = terms(datasetId, { maxLicences: 3n, expiry, allowed: [orgs.businessA.id, orgs.agencyB.id] });
      await expect(exchange.connect(signers.agencyA).offer(t))
        .to.emit(exchange, "OfferCreated")
        .withArgs(1n, datasetId, signers.agencyA.address, PRICE, TERM, 0n, TERMS_HASH, 3n, expiry, [orgs.businessA.id, orgs.agencyB.id]);
      expect(await exchange.offerOf(1n)).to.deep.equal([signers.agencyA.address, datasetId, PRICE, TERM, 0n, TERMS_HASH, 3n, 0n, expiry, true, false]);
      expect(await exchange.isAllowed(1n, orgs.businessA.id)).to.equal(true);
      expect(await exchange.isAllowed(1n, orgs.businessB.id)).to.equal(false);
      expect(await exchange.lastOfferId()).to.equal(1n);
    });

    it("accepts the custodian's offer and a fixed licence end", async function () {
      const { exchange, signers, datasetId } = await loadFixture(exchangeFixture);
      const end = (await chainNow()) + 86_400n;
      await expect(exchange.connect(signers.agencyB).offer(terms(datasetId, { term: 0n, licenceEnd: end })))
        .to.emit(exchange, "OfferCreated")
        .withArgs(1n, datasetId, signers.agencyB.address, PRICE, 0n, end, TERMS_HASH, 0n, 0n, []);
    });

    it("refuses anyone but the holder or custodian", async function () {
      const { exchange, signers, datasetId } = await loadFixture(exchangeFixture);
      await expect(exchange.connect(signers.businessA).offer(terms(datasetId)))
        .to.be.revertedWithCustomError(exchange, "DataExchangeNotHolder")
        .withArgs(datasetId, signers.businessA.address);
    });

    it("refuses an inactive offerer and an unknown dataset", async function () {
      const { exchange, dataAssets, participants, signers, datasetId, orgs } = await loadFixture(exchangeFixture);
      await expect(exchange.connect(signers.stranger).offer(terms(datasetId)))
        .to.be.revertedWithCustomError(exchange, "DataExchangeInactiveParticipant")
        .withArgs(signers.stranger.address);
      await expect(exchange.connect(signers.agencyA).offer(terms(123n)))
        .to.be.revertedWithCustomError(dataAssets, "ERC721NonexistentToken")
        .withArgs(123n);
      await participants.connect(signers.governor).suspend(orgs.agencyA.id, "audit");
      await expect(exchange.connect(signers.agencyA).offer(terms(datasetId)))
        .to.be.revertedWithCustomError(exchange, "DataExchangeInactiveParticipant")
        .withArgs(signers.agencyA.address);
    });

    it("refuses a Deprecated or Revoked dataset", async function () {
      const { exchange, dataAssets, signers, datasetId, importantId } = await loadFixture(exchangeFixture);
      await dataAssets.connect(signers.registrar).setStatus(datasetId, AssetStatus.Deprecated, "superseded");
      await dataAssets.connect(signers.registrar).setStatus(importantId, AssetStatus.Revoked, "withdrawn");
      await expect(exchange.connect(signers.agencyA).offer(terms(datasetId)))
        .to.be.revertedWithCustomError(exchange, "DataExchangeDatasetNotActive")
        .withArgs(datasetId, AssetStatus.Deprecated);
      await expect(exchange.connect(signers.agencyA).offer(terms(importantId)))
        .to.be.revertedWithCustomError(exchange, "DataExchangeDatasetNotActive")
        .withArgs(importantId, AssetStatus.Revoked);
    });

    it("refuses bad terms, each at its boundary", async function () {
      const { exchange, signers, datasetId, orgs } = await loadFixture(exchangeFixture);
      const holder = exchange.connect(signers.agencyA);
      const max96 = 2n ** 96n - 1n;
      await expect(holder.offer(terms(datasetId, { price: 0n }))).to.be.revertedWithCustomError(exchange, "DataExchangeZeroPrice");
      await expect(holder.offer(terms(datasetId, { price: max96 + 1n })))
        .to.be.revertedWithCustomError(exchange, "DataExchangePriceTooLarge")
        .withArgs(max96 + 1n, max96);
      for (const [term, end] of [
        [0n, 0n],
        [TERM, 86_400n],
        [MAX_TERM + 1n, 0n],
        [0n, 0n - 1n], // "now": the block's own second; a licence ending then would be void at once
        [0n, MAX_40 + 1n],
      ]) {
        const next = (await chainNow()) + 1n;
        const licenceEnd = end === -1n ? next : end === 86_400n ? next + end : end;
        await time.setNextBlockTimestamp(next);
        await expect(holder.offer(terms(datasetId, { term, licenceEnd })), `${term}/${licenceEnd}`)
          .to.be.revertedWithCustomError(exchange, "DataExchangeInvalidTerm")
          .withArgs(term, licenceEnd);
      }
      await expect(holder.offer(terms(datasetId, { termsHash: ethers.ZeroHash }))).to.be.revertedWithCustomError(
        exchange,
        "DataExchangeZeroTermsHash",
      );
      for (const relative of [true, false]) {
        const next = (await chainNow()) + 1n;
        const expiry = relative ? next : MAX_40 + 1n;
        await time.setNextBlockTimestamp(next);
        await expect(holder.offer(terms(datasetId, { expiry })))
          .to.be.revertedWithCustomError(exchange, "DataExchangeInvalidExpiry")
          .withArgs(expiry);
      }
      const many = Array.from({ length: 51 }, () => orgs.businessA.id);
      await expect(holder.offer(terms(datasetId, { allowed: many })))
        .to.be.revertedWithCustomError(exchange, "DataExchangeTooManyAllowed")
        .withArgs(51n, 50n);
      const unknown = ethers.encodeBytes32String("NOBODY");
      await expect(holder.offer(terms(datasetId, { allowed: [orgs.businessA.id, unknown] })))
        .to.be.revertedWithCustomError(exchange, "DataExchangeOrganizationNotEligible")
        .withArgs(unknown, OrgKind.None);
      // The limits themselves are accepted.
      await time.setNextBlockTimestamp((await chainNow()) + 1n);
      await expect(holder.offer(terms(datasetId, { term: MAX_TERM, price: max96, expiry: MAX_40, allowed: many.slice(1) }))).to.emit(
        exchange,
        "OfferCreated",
      );
    });

    it("offers Core and Important data to listed city agencies only", async function () {
      const { exchange, signers, importantId, orgs } = await loadFixture(exchangeFixture);
      const holder = exchange.connect(signers.agencyA);
      await expect(holder.offer(terms(importantId)))
        .to.be.revertedWithCustomError(exchange, "DataExchangeAllowListRequired")
        .withArgs(importantId, Classification.Important);
      await expect(holder.offer(terms(importantId, { allowed: [orgs.agencyB.id, orgs.businessA.id] })))
        .to.be.revertedWithCustomError(exchange, "DataExchangeOrganizationNotEligible")
        .withArgs(orgs.businessA.id, OrgKind.Business);
      await expect(holder.offer(terms(importantId, { allowed: [orgs.agencyB.id] }))).to.emit(exchange, "OfferCreated");
    });

    it("is refused while paused", async function () {
      const { exchange, signers, datasetId } = await loadFixture(exchangeFixture);
      await exchange.connect(signers.guardian).pause();
      await expect(exchange.connect(signers.agencyA).offer(terms(datasetId))).to.be.revertedWithCustomError(exchange, "DataExchangePaused");
    });
  });

  describe("#purchase", function () {
    it("pays the holder and grants the licence in one transaction", async function () {
      const { exchange, dataAssets, settlement, signers, datasetId, orgs, exchangeAddress } = await loadFixture(offeredFixture);
      const buyer = signers.businessA;
      const at = (await chainNow()) + 10n;
      await time.setNextBlockTimestamp(at);
      const tx = exchange.connect(buyer).purchase(1n, PRICE);
      await expect(tx)
        .to.emit(exchange, "LicensePurchased")
        .withArgs(1n, datasetId, buyer.address, orgs.businessA.id, signers.agencyA.address, PRICE, 0n, 0n, at + TERM)
        .and.to.emit(dataAssets, "LicenseGranted")
        .withArgs(datasetId, orgs.businessA.id, at + TERM, TERMS_HASH, "purchased")
        .and.to.emit(settlement, "Transfer")
        .withArgs(buyer.address, signers.agencyA.address, PRICE);
      await expect(tx).to.changeTokenBalances(settlement, [buyer, signers.agencyA, exchangeAddress], [-PRICE, PRICE, 0n]);
      expect(await dataAssets.licenseOf(datasetId, orgs.businessA.id)).to.deep.equal([TERMS_HASH, at + TERM]);
      expect(await dataAssets.hasAccess(datasetId, buyer.address)).to.equal(true);
      expect((await exchange.offerOf(1n)).sold).to.equal(1n);
      expect(await exchange.connect(buyer).purchase.staticCall(1n, PRICE)).to.equal(at + TERM + TERM);
    });

    it("takes the fee out of the holder's proceeds", async function () {
      const { exchange, settlement, signers } = await loadFixture(offeredFixture);
      await exchange.connect(signers.admin).setFee(100, signers.marketOperator.address);
      const fee = PRICE / 100n;
      expect(await exchange.quote(1n)).to.deep.equal([PRICE, fee]);
      const tx = exchange.connect(signers.businessA).purchase(1n, PRICE);
      await expect(tx).to.changeTokenBalances(
        settlement,
        [signers.businessA, signers.agencyA, signers.marketOperator],
        [-PRICE, PRICE - fee, fee],
      );
      await expect(tx).to.emit(exchange, "LicensePurchased").withArgs(1n, anyId(), signers.businessA.address, anyId(), signers.agencyA.address, PRICE, fee, 0n, anyId());
    });

    it("extends an unexpired licence instead of granting a second, and starts afresh after expiry", async function () {
      const { exchange, dataAssets, signers, datasetId, orgs } = await loadFixture(offeredFixture);
      const buyer = exchange.connect(signers.businessA);
      await buyer.purchase(1n, PRICE);
      const first = (await dataAssets.licenseOf(datasetId, orgs.businessA.id)).expiresAt;
      await expect(buyer.purchase(1n, PRICE))
        .to.emit(exchange, "LicensePurchased")
        .withArgs(1n, datasetId, signers.businessA.address, orgs.businessA.id, signers.agencyA.address, PRICE, 0n, first, first + TERM);
      await time.increaseTo(first + TERM + 1n);
      const at = (await chainNow()) + 5n;
      await time.setNextBlockTimestamp(at);
      await expect(buyer.purchase(1n, PRICE))
        .to.emit(exchange, "LicensePurchased")
        .withArgs(1n, datasetId, signers.businessA.address, orgs.businessA.id, signers.agencyA.address, PRICE, 0n, first + TERM, at + TERM);
    });

    it("grants a fixed-end licence once, until its end", async function () {
      const { exchange, dataAssets, signers, datasetId, orgs } = await loadFixture(exchangeFixture);
      const end = (await chainNow()) + 86_400n;
      await exchange.connect(signers.agencyA).offer(terms(datasetId, { term: 0n, licenceEnd: end }));
      await exchange.connect(signers.businessA).purchase(1n, PRICE);
      expect((await dataAssets.licenseOf(datasetId, orgs.businessA.id)).expiresAt).to.equal(end);
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryLicenseNotExtended")
        .withArgs(datasetId, orgs.businessA.id, end);
      await time.setNextBlockTimestamp(end - 1n);
      await expect(exchange.connect(signers.businessB).purchase(1n, PRICE)).to.emit(exchange, "LicensePurchased");
      await time.setNextBlockTimestamp(end);
      await expect(exchange.connect(signers.agencyB).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeOfferExpired")
        .withArgs(1n, end);
    });

    it("keeps one licence per organisation whose terms are the office's or the offer's sold last (licenseOf)", async function () {
      const { exchange, dataAssets, signers, datasetId, orgs } = await loadFixture(offeredFixture);
      const officeTerms = ethers.id("office terms");
      const otherTerms = ethers.id("second offer terms");
      const officeEnd = (await chainNow()) + 3_600n;
      await dataAssets.connect(signers.registrar).grantLicense(datasetId, orgs.businessA.id, officeEnd, officeTerms, "office");
      expect(await dataAssets.licenseOf(datasetId, orgs.businessA.id)).to.deep.equal([officeTerms, officeEnd]);
      // Buying extends the office's licence, whose terms give way to the offer's.
      await exchange.connect(signers.businessA).purchase(1n, PRICE);
      expect(await dataAssets.licenseOf(datasetId, orgs.businessA.id)).to.deep.equal([TERMS_HASH, officeEnd + TERM]);
      // A second offer with other terms: the licence refers to the offer sold last.
      await exchange.connect(signers.agencyA).offer(terms(datasetId, { termsHash: otherTerms }));
      await exchange.connect(signers.businessA).purchase(2n, PRICE);
      expect(await dataAssets.licenseOf(datasetId, orgs.businessA.id)).to.deep.equal([otherTerms, officeEnd + 2n * TERM]);
      // The office can still replace a sold licence with its own terms, and revoke it.
      await dataAssets.connect(signers.registrar).grantLicense(datasetId, orgs.businessA.id, 0n, officeTerms, "office again");
      expect(await dataAssets.licenseOf(datasetId, orgs.businessA.id)).to.deep.equal([officeTerms, 0n]);
      await dataAssets.connect(signers.registrar).revokeLicense(datasetId, orgs.businessA.id, "ended");
      expect(await dataAssets.licenseOf(datasetId, orgs.businessA.id)).to.deep.equal([ethers.ZeroHash, 0n]);
      expect(await dataAssets.hasAccess(datasetId, signers.businessA.address)).to.equal(false);
    });

    it("does not sell a licence to an organisation that holds one without expiry", async function () {
      const { exchange, dataAssets, settlement, signers, datasetId, orgs } = await loadFixture(offeredFixture);
      await dataAssets.connect(signers.registrar).grantLicense(datasetId, orgs.businessA.id, 0n, TERMS_HASH, "open-ended");
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryLicenseNotExtended")
        .withArgs(datasetId, orgs.businessA.id, 0n);
      expect(await settlement.balanceOf(signers.businessA.address)).to.equal(FUNDS);
    });

    it("refuses a price above maxPrice and accepts it equal", async function () {
      const { exchange, signers } = await loadFixture(offeredFixture);
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE - 1n))
        .to.be.revertedWithCustomError(exchange, "DataExchangePriceAboveMax")
        .withArgs(PRICE, PRICE - 1n);
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE)).to.emit(exchange, "LicensePurchased");
    });

    it("sells in the offer's last second and not after", async function () {
      const { exchange, signers, datasetId } = await loadFixture(exchangeFixture);
      const expiry = (await chainNow()) + 100n;
      await exchange.connect(signers.agencyA).offer(terms(datasetId, { expiry }));
      await time.setNextBlockTimestamp(expiry);
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE)).to.emit(exchange, "LicensePurchased");
      await expect(exchange.connect(signers.businessB).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeOfferExpired")
        .withArgs(1n, expiry);
    });

    it("sells exactly maxLicences", async function () {
      const { exchange, settlement, signers, datasetId } = await loadFixture(exchangeFixture);
      await exchange.connect(signers.agencyA).offer(terms(datasetId, { maxLicences: 2n }));
      await exchange.connect(signers.businessA).purchase(1n, PRICE);
      await exchange.connect(signers.businessB).purchase(1n, PRICE);
      // An extension is a sale too: it counts against the maximum.
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeSoldOut")
        .withArgs(1n, 2n);
      expect(await settlement.balanceOf(signers.agencyA.address)).to.equal(2n * PRICE);
    });

    it("sells only to the allow-list", async function () {
      const { exchange, signers, datasetId, orgs } = await loadFixture(exchangeFixture);
      await exchange.connect(signers.agencyA).offer(terms(datasetId, { allowed: [orgs.businessB.id] }));
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeNotAllowed")
        .withArgs(1n, orgs.businessA.id);
      await expect(exchange.connect(signers.businessB).purchase(1n, PRICE)).to.emit(exchange, "LicensePurchased");
    });

    it("sells Important data to the listed city agency", async function () {
      const { exchange, dataAssets, signers, importantId, orgs } = await loadFixture(exchangeFixture);
      await exchange.connect(signers.agencyA).offer(terms(importantId, { allowed: [orgs.agencyB.id] }));
      await exchange.connect(signers.agencyB).purchase(1n, PRICE);
      expect(await dataAssets.hasAccess(importantId, signers.agencyB.address)).to.equal(true);
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeNotAllowed")
        .withArgs(1n, orgs.businessA.id);
    });

    it("refuses an unknown or cancelled offer", async function () {
      const { exchange, signers } = await loadFixture(offeredFixture);
      await expect(exchange.connect(signers.businessA).purchase(2n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeUnknownOffer")
        .withArgs(2n);
      await exchange.connect(signers.agencyA).cancel(1n);
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeOfferClosed")
        .withArgs(1n);
    });

    it("closes the offer when the dataset becomes Deprecated or Revoked", async function () {
      const { exchange, dataAssets, signers, datasetId } = await loadFixture(offeredFixture);
      await dataAssets.connect(signers.registrar).setStatus(datasetId, AssetStatus.Deprecated, "superseded");
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeDatasetNotActive")
        .withArgs(datasetId, AssetStatus.Deprecated);
      await dataAssets.connect(signers.registrar).setStatus(datasetId, AssetStatus.Revoked, "withdrawn");
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeDatasetNotActive")
        .withArgs(datasetId, AssetStatus.Revoked);
    });

    it("closes the offer of a former holder and pays the current one for a custodian's offer", async function () {
      const { exchange, dataAssets, settlement, signers, datasetId } = await loadFixture(offeredFixture);
      await exchange.connect(signers.agencyB).offer(terms(datasetId)); // offer 2, by the custodian
      await dataAssets.connect(signers.agencyA).transferFrom(signers.agencyA.address, signers.businessB.address, datasetId);
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeOfferClosed")
        .withArgs(1n);
      await expect(exchange.connect(signers.businessA).purchase(2n, PRICE)).to.changeTokenBalances(
        settlement,
        [signers.businessA, signers.businessB, signers.agencyB],
        [-PRICE, PRICE, 0n],
      );
    });

    it("refuses the holder or offerer as buyer", async function () {
      const { exchange, settlement, signers, datasetId } = await loadFixture(offeredFixture);
      await exchange.connect(signers.agencyB).offer(terms(datasetId)); // offer 2, by the custodian
      await settlement.connect(signers.treasury).mint(signers.agencyA.address, FUNDS, ethers.ZeroHash);
      await settlement.connect(signers.agencyA).approve(await exchange.getAddress(), FUNDS);
      await expect(exchange.connect(signers.agencyA).purchase(2n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeSelfPurchase")
        .withArgs(signers.agencyA.address);
      await expect(exchange.connect(signers.agencyB).purchase(2n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeSelfPurchase")
        .withArgs(signers.agencyB.address);
    });

    it("refuses an inactive buyer and a suspended holder", async function () {
      const { exchange, participants, settlement, signers, orgs } = await loadFixture(offeredFixture);
      await expect(exchange.connect(signers.stranger).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeInactiveParticipant")
        .withArgs(signers.stranger.address);
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "audit");
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeInactiveParticipant")
        .withArgs(signers.businessA.address);
      await participants.connect(signers.governor).suspend(orgs.agencyA.id, "audit");
      await expect(exchange.connect(signers.businessB).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(settlement, "SettlementTokenInactiveParticipant")
        .withArgs(signers.agencyA.address);
    });

    it("stops while the exchange, the registry or the token is paused", async function () {
      const { exchange, dataAssets, settlement, signers } = await loadFixture(offeredFixture);
      await exchange.connect(signers.guardian).pause();
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE)).to.be.revertedWithCustomError(exchange, "DataExchangePaused");
      await exchange.connect(signers.guardian).unpause();
      await dataAssets.connect(signers.guardian).pause();
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE)).to.be.revertedWithCustomError(dataAssets, "EnforcedPause");
      await dataAssets.connect(signers.guardian).unpause();
      await settlement.connect(signers.guardian).pause();
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE)).to.be.revertedWithCustomError(settlement, "EnforcedPause");
    });

    it("serves an own-key buyer whose signed request a relayer forwards", async function () {
      const { exchange, forwarder, dataAssets, settlement, signers, datasetId, orgs } = await loadFixture(offeredFixture);
      expect(await exchange.trustedForwarder()).to.equal(await forwarder.getAddress());
      const tx = relay(forwarder, signers.stranger, signers.businessA, exchange, "purchase", [1n, PRICE]);
      await expect(tx)
        .to.emit(exchange, "LicensePurchased")
        .withArgs(1n, datasetId, signers.businessA.address, orgs.businessA.id, signers.agencyA.address, PRICE, 0n, 0n, anyId());
      await expect(tx).to.changeTokenBalances(settlement, [signers.businessA, signers.agencyA, signers.stranger], [-PRICE, PRICE, 0n]);
      expect(await dataAssets.hasAccess(datasetId, signers.businessA.address)).to.equal(true);
      // The relayer gains nothing: the rules apply to the signer, so a suspended signer is refused even when relayed.
      await exchange.connect(signers.agencyA).offer(terms(datasetId));
      await expect(relay(forwarder, signers.businessB, signers.stranger, exchange, "purchase", [2n, PRICE])).to.be.reverted;
      await expect(exchange.connect(signers.stranger).purchase(2n, PRICE))
        .to.be.revertedWithCustomError(exchange, "DataExchangeInactiveParticipant")
        .withArgs(signers.stranger.address);
    });

    it("grants nothing when the payment fails", async function () {
      const { exchange, dataAssets, settlement, signers, datasetId, orgs, exchangeAddress } = await loadFixture(offeredFixture);
      await settlement.connect(signers.businessA).approve(exchangeAddress, PRICE - 1n);
      await expect(exchange.connect(signers.businessA).purchase(1n, PRICE))
        .to.be.revertedWithCustomError(settlement, "ERC20InsufficientAllowance")
        .withArgs(exchangeAddress, PRICE - 1n, PRICE);
      expect((await dataAssets.licenseOf(datasetId, orgs.businessA.id)).termsHash).to.equal(ethers.ZeroHash);
      expect((await exchange.offerOf(1n)).sold).to.equal(0n);
    });
  });

  describe("#cancel", function () {
    it("lets the offerer close the offer, even while paused, and keeps the licences sold", async function () {
      const { exchange, dataAssets, signers, datasetId } = await loadFixture(offeredFixture);
      await exchange.connect(signers.businessA).purchase(1n, PRICE);
      await exchange.connect(signers.guardian).pause();
      await expect(exchange.connect(signers.agencyA).cancel(1n))
        .to.emit(exchange, "OfferCancelled")
        .withArgs(1n, datasetId, signers.agencyA.address);
      expect((await exchange.offerOf(1n)).cancelled).to.equal(true);
      expect(await dataAssets.hasAccess(datasetId, signers.businessA.address)).to.equal(true);
      await expect(exchange.connect(signers.agencyA).cancel(1n))
        .to.be.revertedWithCustomError(exchange, "DataExchangeOfferClosed")
        .withArgs(1n);
    });

    it("refuses anyone else and an unknown offer", async function () {
      const { exchange, signers } = await loadFixture(offeredFixture);
      await expect(exchange.connect(signers.agencyB).cancel(1n))
        .to.be.revertedWithCustomError(exchange, "DataExchangeNotOfferer")
        .withArgs(1n, signers.agencyB.address);
      await expect(exchange.connect(signers.agencyA).cancel(9n))
        .to.be.revertedWithCustomError(exchange, "DataExchangeUnknownOffer")
        .withArgs(9n);
    });
  });

  describe("#setFee", function () {
    it("sets the fee up to the cap and refuses above it", async function () {
      const { exchange, signers } = await loadFixture(exchangeFixture);
      const operator = exchange.connect(signers.admin);
      await expect(operator.setFee(1_001, signers.marketOperator.address))
        .to.be.revertedWithCustomError(exchange, "DataExchangeFeeTooHigh")
        .withArgs(1_001, 1_000);
      await expect(operator.setFee(1_000, signers.marketOperator.address))
        .to.emit(exchange, "FeeChanged")
        .withArgs(0, 1_000, signers.marketOperator.address);
      expect(await exchange.feeBps()).to.equal(1_000n);
      expect(await exchange.feeRecipient()).to.equal(signers.marketOperator.address);
      await expect(operator.setFee(0, ethers.ZeroAddress)).to.emit(exchange, "FeeChanged").withArgs(1_000, 0, ethers.ZeroAddress);
    });

    it("needs an active recipient for a non-zero fee", async function () {
      const { exchange, signers } = await loadFixture(exchangeFixture);
      await expect(exchange.connect(signers.admin).setFee(1, signers.stranger.address))
        .to.be.revertedWithCustomError(exchange, "DataExchangeInvalidFeeRecipient")
        .withArgs(signers.stranger.address);
    });

    it("is governance: refused to anyone but ADMIN, the market operator included", async function () {
      const { exchange, signers } = await loadFixture(exchangeFixture);
      for (const caller of [signers.marketOperator, signers.stranger, signers.agencyA]) {
        await expect(exchange.connect(caller).setFee(10, signers.marketOperator.address))
          .to.be.revertedWithCustomError(exchange, "AccessManagedUnauthorized")
          .withArgs(caller.address);
      }
      expect(await exchange.feeBps()).to.equal(0n);
    });
  });

  describe("#pause / #unpause", function () {
    it("toggles and refuses a repeat", async function () {
      const { exchange, signers } = await loadFixture(exchangeFixture);
      const guardian = exchange.connect(signers.guardian);
      await expect(guardian.unpause()).to.be.revertedWithCustomError(exchange, "DataExchangeNotPaused");
      await expect(guardian.pause()).to.emit(exchange, "Paused").withArgs(signers.guardian.address);
      expect(await exchange.paused()).to.equal(true);
      await expect(guardian.pause()).to.be.revertedWithCustomError(exchange, "DataExchangePaused");
      await expect(guardian.unpause()).to.emit(exchange, "Unpaused").withArgs(signers.guardian.address);
    });
  });

  describe("views", function () {
    it("refuse an unknown offer", async function () {
      const { exchange } = await loadFixture(exchangeFixture);
      await expect(exchange.offerOf(1n)).to.be.revertedWithCustomError(exchange, "DataExchangeUnknownOffer").withArgs(1n);
      await expect(exchange.quote(1n)).to.be.revertedWithCustomError(exchange, "DataExchangeUnknownOffer").withArgs(1n);
    });
  });

  describe("DataAssetRegistry#grantPurchasedLicense", function () {
    /** exchangeFixture with the exchange's address as a signer, to reach the registry's own checks directly. */
    async function directFixture() {
      const ctx = await exchangeFixture();
      await setBalance(ctx.exchangeAddress, 10n ** 18n);
      const exchangeSigner = await ethers.getImpersonatedSigner(ctx.exchangeAddress);
      return { ...ctx, exchangeSigner };
    }

    // The buyer's organisation being active is the exchange's check (DataExchangeInactiveParticipant, tested in #purchase).
    it("refuses a zero terms hash and a licence ending now", async function () {
      const { dataAssets, exchangeSigner, datasetId, orgs } = await loadFixture(directFixture);
      const grant = dataAssets.connect(exchangeSigner);
      await expect(grant.grantPurchasedLicense(datasetId, orgs.businessA.id, 1n, TERM, 0n, ethers.ZeroHash)).to.be.revertedWithCustomError(
        dataAssets,
        "DataAssetRegistryZeroTermsHash",
      );
      const now = (await chainNow()) + 1n;
      await time.setNextBlockTimestamp(now);
      await expect(grant.grantPurchasedLicense(datasetId, orgs.businessB.id, 1n, 0n, now, TERMS_HASH))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryLicenseExpiryPassed")
        .withArgs(now);
    });
  });
});

/** Matches any value (for event fields a test does not pin). */
function anyId() {
  return (): boolean => true;
}

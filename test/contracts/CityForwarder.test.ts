import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { carbonFixture, claim, claimTuple, issueBatch } from "./fixtures/carbon";
import { orgId } from "./fixtures/system";
import { Classification, idOf, registration } from "./helpers/datasets";
import { relay, signRequest, simulateRelayed } from "./helpers/forwarder";
import { ROLES, orgKind } from "../../scripts/lib/roles";

/**
 * carbonFixture plus two own-key organisations whose accounts are fresh wallets that hold no ether and never send a
 * transaction: BIZ-OWN (a business with 100 t of batch 2 and 10,000,000 VND) and AGENCY-OWN (a city agency holding
 * one dataset). Everything they do goes through the forwarder, sent by `relayer` (the gateway's relaying account).
 */
async function ownKeyFixture() {
  const ctx = await carbonFixture();
  const { participants, settlement, dataAssets, signers } = ctx;
  const business = ethers.Wallet.createRandom().connect(ethers.provider);
  const agency = ethers.Wallet.createRandom().connect(ethers.provider);
  const orgs = { business: orgId("BIZ-OWN"), agency: orgId("AGENCY-OWN") };
  await participants.connect(signers.governor).registerOrganization(orgs.business, orgKind("Business"), 0, ethers.ZeroHash, "BIZ-OWN");
  await participants.connect(signers.governor).addAccount(orgs.business, business.address);
  await participants.connect(signers.governor).registerOrganization(orgs.agency, orgKind("CityAgency"), 0, ethers.ZeroHash, "AGENCY-OWN");
  await participants.connect(signers.governor).addAccount(orgs.agency, agency.address);
  const ownBatch = await issueBatch(ctx, business.address, 100n, "report-own");
  await settlement.connect(signers.treasury).mint(business.address, 10_000_000n, ethers.id("deposit-own"));
  const dataset = registration("own-key-dataset", agency.address, { classification: Classification.Core });
  await dataAssets.connect(signers.registrar).register(dataset);
  return { ...ctx, own: { business, agency, orgs, ownBatch, datasetId: idOf(dataset.contentHash) }, relayer: signers.stranger };
}

describe("CityForwarder", function () {
  describe("deployment", function () {
    it("has the EIP-712 domain CityAssetLedger / 1 on this chain", async function () {
      const { forwarder } = await loadFixture(carbonFixture);
      const domain = await forwarder.eip712Domain();
      const { chainId } = await ethers.provider.getNetwork();
      expect(domain.name).to.equal("CityAssetLedger");
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal(chainId);
      expect(domain.verifyingContract).to.equal(await forwarder.getAddress());
    });

    it("is trusted by every participant-facing contract and the AccessManager, and by no other", async function () {
      const ctx = await loadFixture(carbonFixture);
      const forwarderAddress = await ctx.forwarder.getAddress();
      for (const contract of [ctx.accessManager, ctx.participants, ctx.dataAssets, ctx.carbon, ctx.settlement, ctx.market, ctx.exchange]) {
        expect(await contract.trustedForwarder()).to.equal(forwarderAddress);
        expect(await contract.isTrustedForwarder(forwarderAddress)).to.equal(true);
        expect(await contract.isTrustedForwarder(ctx.signers.stranger.address)).to.equal(false);
      }
    });
  });

  describe("relayed calls of an own-key participant record the signer", function () {
    it("credit approval, transfer and retirement", async function () {
      const { forwarder, carbon, marketAddress, own, relayer, signers } = await loadFixture(ownKeyFixture);
      const { business } = own;
      await expect(relay(forwarder, relayer, business, carbon, "setApprovalForAll", [marketAddress, true]))
        .to.emit(carbon, "ApprovalForAll")
        .withArgs(business.address, marketAddress, true);
      await expect(
        relay(forwarder, relayer, business, carbon, "safeTransferFrom", [business.address, signers.businessB.address, own.ownBatch, 5n, "0x"]),
      )
        .to.emit(carbon, "TransferSingle")
        .withArgs(business.address, business.address, signers.businessB.address, own.ownBatch, 5n);
      const c = claim({ beneficiaryOrg: own.orgs.business });
      const [serialFirst] = [(await carbon.batch(own.ownBatch)).serialFirst];
      await expect(relay(forwarder, relayer, business, carbon, "retire", [own.ownBatch, 10n, c]))
        .to.emit(carbon, "Retired")
        .withArgs(serialFirst, own.ownBatch, business.address, 10n, serialFirst, serialFirst + 9n, claimTuple(c));
      expect(await carbon.balanceOf(business.address, own.ownBatch)).to.equal(85n);
      expect(await carbon.retiredBalanceOf(business.address, own.ownBatch)).to.equal(10n);
      expect(await ethers.provider.getTransactionCount(business.address)).to.equal(0);
      expect(await ethers.provider.getBalance(business.address)).to.equal(0n);
    });

    it("VND approval and transfer", async function () {
      const { forwarder, settlement, marketAddress, own, relayer, signers } = await loadFixture(ownKeyFixture);
      await expect(relay(forwarder, relayer, own.business, settlement, "approve", [marketAddress, 1_000n]))
        .to.emit(settlement, "Approval")
        .withArgs(own.business.address, marketAddress, 1_000n);
      await expect(relay(forwarder, relayer, own.business, settlement, "transfer", [signers.businessB.address, 400n]))
        .to.emit(settlement, "Transfer")
        .withArgs(own.business.address, signers.businessB.address, 400n);
      expect(await settlement.balanceOf(own.business.address)).to.equal(10_000_000n - 400n);
    });

    it("market: list, cancel, fill, fill-and-retire and reclaim", async function () {
      const { forwarder, carbon, settlement, market, marketAddress, own, relayer, signers, batchId } = await loadFixture(ownKeyFixture);
      const { business } = own;
      await relay(forwarder, relayer, business, carbon, "setApprovalForAll", [marketAddress, true]);
      await relay(forwarder, relayer, business, settlement, "approve", [marketAddress, ethers.MaxUint256]);
      // As seller.
      await expect(relay(forwarder, relayer, business, market, "list", [own.ownBatch, 20n, 1_000n, 0n, 0n, ethers.ZeroAddress]))
        .to.emit(market, "Listed")
        .withArgs(1n, business.address, own.ownBatch, 20n, 1_000n, 0n, 0n, ethers.ZeroAddress);
      await expect(relay(forwarder, relayer, business, market, "cancelListing", [1n]))
        .to.emit(market, "ListingCancelled")
        .withArgs(1n, business.address, 20n);
      // As buyer of businessA's listing.
      await market.connect(signers.businessA).list(batchId, 50n, 1_000n, 0n, 0n, ethers.ZeroAddress);
      await expect(relay(forwarder, relayer, business, market, "fill", [2n, 10n, 10_000n]))
        .to.emit(market, "Traded")
        .withArgs(2n, signers.businessA.address, business.address, batchId, 10n, 1_000n, 0n);
      expect(await carbon.balanceOf(business.address, batchId)).to.equal(10n);
      const c = claim({ beneficiaryOrg: own.orgs.business });
      await expect(relay(forwarder, relayer, business, market, "fillAndRetire", [2n, 5n, 5_000n, c]))
        .to.emit(carbon, "Retired")
        .withArgs(anyValue, batchId, business.address, 5n, anyValue, anyValue, claimTuple(c));
      expect(await carbon.retiredBalanceOf(business.address, batchId)).to.equal(5n);
      // Reclaiming an expired listing names whoever asked.
      const expiry = BigInt(await time.latest()) + 100n;
      await market.connect(signers.businessA).list(batchId, 5n, 1_000n, 0n, expiry, ethers.ZeroAddress);
      await time.increaseTo(expiry + 1n);
      await expect(relay(forwarder, relayer, business, market, "reclaimExpired", [3n]))
        .to.emit(market, "ListingReclaimed")
        .withArgs(3n, signers.businessA.address, business.address, 5n);
    });

    it("dataset transfer by an own-key agency", async function () {
      const { forwarder, dataAssets, own, relayer, signers } = await loadFixture(ownKeyFixture);
      await expect(
        relay(forwarder, relayer, own.agency, dataAssets, "transferFrom", [own.agency.address, signers.agencyB.address, own.datasetId]),
      )
        .to.emit(dataAssets, "Transfer")
        .withArgs(own.agency.address, signers.agencyB.address, own.datasetId);
      expect(await dataAssets.ownerOf(own.datasetId)).to.equal(signers.agencyB.address);
    });

    it("role holders' restricted calls are authorised as the signer", async function () {
      const { forwarder, dataAssets, carbon, settlement, accessManager, projectKey, relayer, signers } = await loadFixture(ownKeyFixture);
      const r = registration("relayed-registration", signers.agencyA.address);
      await expect(relay(forwarder, relayer, signers.registrar, dataAssets, "register", [r]))
        .to.emit(dataAssets, "Transfer")
        .withArgs(ethers.ZeroAddress, signers.agencyA.address, idOf(r.contentHash));
      const now = BigInt(await time.latest());
      await expect(relay(forwarder, relayer, signers.verifier, carbon, "attest", [projectKey, now - 1000n, now - 10n, 50n, ethers.id("relayed")]))
        .to.emit(carbon, "Attested")
        .withArgs(anyValue, projectKey, signers.verifier.address, now - 1000n, now - 10n, 50n, ethers.id("relayed"));
      await expect(relay(forwarder, relayer, signers.treasury, settlement, "mint", [signers.agencyA.address, 7n, ethers.id("relayed")]))
        .to.emit(settlement, "Minted")
        .withArgs(signers.agencyA.address, 7n, ethers.id("relayed"));
      await expect(relay(forwarder, relayer, signers.guardian, carbon, "pause", []))
        .to.emit(carbon, "Paused")
        .withArgs(signers.guardian.address);
      // Scheduling a forced transfer through the AccessManager: the operation is the signer's.
      const recoverData = dataAssets.interface.encodeFunctionData("recover", [idOf(r.contentHash), signers.agencyB.address, "lost key"]);
      await expect(relay(forwarder, relayer, signers.recovery, accessManager, "schedule", [await dataAssets.getAddress(), recoverData, 0]))
        .to.emit(accessManager, "OperationScheduled")
        .withArgs(anyValue, anyValue, anyValue, signers.recovery.address, await dataAssets.getAddress(), recoverData);
    });

    it("gives the relayer no power of its own", async function () {
      const { forwarder, carbon, own, relayer } = await loadFixture(ownKeyFixture);
      // The relayer signs its own request for a restricted function: refused as itself.
      const request = await signRequest(forwarder, relayer, carbon, carbon.interface.encodeFunctionData("freezeAccount", [own.business.address, "x"]));
      await expect(forwarder.connect(relayer).execute(request)).to.be.revertedWithCustomError(forwarder, "FailedCall");
      await expect(simulateRelayed(forwarder, request)).to.be.revertedWithCustomError(carbon, "AccessManagedUnauthorized").withArgs(relayer.address);
    });
  });

  describe("participant administration by an own-key governor", function () {
    /** ownKeyFixture plus GOV-OWN, a city agency whose own-key account holds GOVERNOR and never sends a transaction. */
    async function ownGovernorFixture() {
      const ctx = await ownKeyFixture();
      const { participants, accessManager, signers } = ctx;
      const governor = ethers.Wallet.createRandom().connect(ethers.provider);
      const org = orgId("GOV-OWN");
      await participants.connect(signers.governor).registerOrganization(org, orgKind("CityAgency"), 0, ethers.ZeroHash, "GOV-OWN");
      await participants.connect(signers.governor).addAccount(org, governor.address);
      await accessManager.connect(signers.admin).grantRole(ROLES.GOVERNOR, governor.address, 0);
      return { ...ctx, ownGovernor: { wallet: governor, org } };
    }

    it("suspends and reinstates by a relayed request, authorised as the signer", async function () {
      const { forwarder, participants, own, ownGovernor, relayer } = await loadFixture(ownGovernorFixture);
      const Status = { Active: 1n, Suspended: 2n };
      await expect(relay(forwarder, relayer, ownGovernor.wallet, participants, "suspend", [own.orgs.business, "licence lapsed"]))
        .to.emit(participants, "OrganizationStatusChanged")
        .withArgs(own.orgs.business, Status.Active, Status.Suspended, "licence lapsed");
      expect(await participants.isActive(own.business.address)).to.equal(false);
      await expect(relay(forwarder, relayer, ownGovernor.wallet, participants, "reinstate", [own.orgs.business, "renewed"]))
        .to.emit(participants, "OrganizationStatusChanged")
        .withArgs(own.orgs.business, Status.Suspended, Status.Active, "renewed");
      expect(await participants.isActive(own.business.address)).to.equal(true);
      expect(await forwarder.nonces(ownGovernor.wallet.address)).to.equal(2n);
      expect(await ethers.provider.getTransactionCount(ownGovernor.wallet.address)).to.equal(0);
    });

    it("admits an organisation and adds its account by relayed requests", async function () {
      const { forwarder, participants, ownGovernor, relayer } = await loadFixture(ownGovernorFixture);
      const newcomer = orgId("BIZ-NEW");
      const account = ethers.Wallet.createRandom().address;
      await expect(relay(forwarder, relayer, ownGovernor.wallet, participants, "registerOrganization", [newcomer, orgKind("Business"), 0, ethers.ZeroHash, "BIZ-NEW"]))
        .to.emit(participants, "OrganizationRegistered")
        .withArgs(newcomer, orgKind("Business"), 0, ethers.ZeroHash, "BIZ-NEW");
      await expect(relay(forwarder, relayer, ownGovernor.wallet, participants, "addAccount", [newcomer, account]))
        .to.emit(participants, "AccountAdded")
        .withArgs(newcomer, account);
      expect(await participants.isActive(account)).to.equal(true);
    });

    it("refuses a relayed request of a governor whose organisation is suspended, and of a signer without the role", async function () {
      const { forwarder, participants, own, ownGovernor, relayer, signers } = await loadFixture(ownGovernorFixture);
      // Without the role: the relayer's trust gives the signer nothing.
      const byBusiness = await signRequest(forwarder, own.business, participants, participants.interface.encodeFunctionData("suspend", [ownGovernor.org, "coup"]));
      await expect(simulateRelayed(forwarder, byBusiness))
        .to.be.revertedWithCustomError(participants, "AccessManagedUnauthorized")
        .withArgs(own.business.address);
      await expect(forwarder.connect(relayer).execute(byBusiness)).to.be.revertedWithCustomError(forwarder, "FailedCall");
      // The governor's own organisation suspended: its role has no power (CityAccessManager.hasRole), relayed or not.
      await participants.connect(signers.governor).suspend(ownGovernor.org, "under review");
      const data = participants.interface.encodeFunctionData("suspend", [own.orgs.business, "licence lapsed"]);
      const request = await signRequest(forwarder, ownGovernor.wallet, participants, data);
      await expect(simulateRelayed(forwarder, request))
        .to.be.revertedWithCustomError(participants, "AccessManagedUnauthorized")
        .withArgs(ownGovernor.wallet.address);
      await expect(forwarder.connect(relayer).execute(request)).to.be.revertedWithCustomError(forwarder, "FailedCall");
      expect(await forwarder.nonces(ownGovernor.wallet.address)).to.equal(0n);
      expect(await participants.isActive(own.business.address)).to.equal(true);
      // Reinstated, the same signed request goes through.
      await participants.connect(signers.governor).reinstate(ownGovernor.org, "cleared");
      await expect(forwarder.connect(relayer).execute(request)).to.emit(participants, "OrganizationStatusChanged");
      expect(await participants.isActive(own.business.address)).to.equal(false);
    });
  });

  describe("refused requests", function () {
    it("from an account of a suspended organisation (nothing moves, the nonce is not used)", async function () {
      const { forwarder, carbon, participants, own, relayer, signers } = await loadFixture(ownKeyFixture);
      await participants.connect(signers.governor).suspend(own.orgs.business, "licence lapsed");
      const data = carbon.interface.encodeFunctionData("safeTransferFrom", [own.business.address, signers.businessB.address, own.ownBatch, 5n, "0x"]);
      const request = await signRequest(forwarder, own.business, carbon, data);
      await expect(forwarder.connect(relayer).execute(request)).to.be.revertedWithCustomError(forwarder, "FailedCall");
      await expect(simulateRelayed(forwarder, request))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveParticipant")
        .withArgs(own.business.address);
      expect(await forwarder.nonces(own.business.address)).to.equal(0n);
      expect(await carbon.balanceOf(own.business.address, own.ownBatch)).to.equal(100n);
    });

    it("with a wrong nonce, or replayed", async function () {
      const { forwarder, settlement, own, relayer, signers } = await loadFixture(ownKeyFixture);
      const data = settlement.interface.encodeFunctionData("transfer", [signers.businessB.address, 1n]);
      const wrongNonce = await signRequest(forwarder, own.business, settlement, data, { nonce: 1n });
      await expect(forwarder.connect(relayer).execute(wrongNonce))
        .to.be.revertedWithCustomError(forwarder, "ERC2771ForwarderInvalidSigner")
        .withArgs(anyValue, own.business.address);
      const good = await signRequest(forwarder, own.business, settlement, data);
      await forwarder.connect(relayer).execute(good);
      await expect(forwarder.connect(relayer).execute(good))
        .to.be.revertedWithCustomError(forwarder, "ERC2771ForwarderInvalidSigner")
        .withArgs(anyValue, own.business.address);
      expect(await settlement.balanceOf(own.business.address)).to.equal(10_000_000n - 1n);
    });

    it("past its deadline (a request is good up to and including the deadline's second)", async function () {
      const { forwarder, settlement, own, relayer, signers } = await loadFixture(ownKeyFixture);
      const data = settlement.interface.encodeFunctionData("transfer", [signers.businessB.address, 1n]);
      const deadline = BigInt(await time.latest()) + 100n;
      const late = await signRequest(forwarder, own.business, settlement, data, { deadline });
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(forwarder.connect(relayer).execute(late))
        .to.be.revertedWithCustomError(forwarder, "ERC2771ForwarderExpiredRequest")
        .withArgs(deadline);
      const onTime = await signRequest(forwarder, own.business, settlement, data, { deadline: deadline + 10n });
      await time.setNextBlockTimestamp(deadline + 10n);
      await expect(forwarder.connect(relayer).execute(onTime)).to.emit(settlement, "Transfer");
    });

    it("to a contract that does not trust the forwarder", async function () {
      const { forwarder, auditAnchor, own, relayer } = await loadFixture(ownKeyFixture);
      const plain = await (await ethers.getContractFactory("PlainERC20")).deploy();
      const forwarderAddress = await forwarder.getAddress();
      for (const target of [plain, auditAnchor]) {
        const request = await signRequest(forwarder, own.business, target, plain.interface.encodeFunctionData("transfer", [relayer.address, 1n]));
        await expect(forwarder.connect(relayer).execute(request))
          .to.be.revertedWithCustomError(forwarder, "ERC2771UntrustfulTarget")
          .withArgs(await target.getAddress(), forwarderAddress);
      }
    });
  });

  describe("AccessManager multicall (OpenZeppelin's ERC-2771 + Multicall advisory)", function () {
    it("a relayed multicall cannot name another sender inside its calls", async function () {
      const { forwarder, accessManager, relayer, signers } = await loadFixture(ownKeyFixture);
      const { stranger, admin } = signers;
      // The stranger appends the administrator's address to the inner call, hoping it is read as the sender.
      const inner = ethers.concat([accessManager.interface.encodeFunctionData("grantRole", [ROLES.ISSUER, stranger.address, 0]), admin.address]);
      const request = await signRequest(forwarder, stranger, accessManager, accessManager.interface.encodeFunctionData("multicall", [[inner]]));
      await expect(forwarder.connect(relayer).execute(request)).to.be.revertedWithCustomError(forwarder, "FailedCall");
      await expect(simulateRelayed(forwarder, request))
        .to.be.revertedWithCustomError(accessManager, "AccessManagerUnauthorizedAccount")
        .withArgs(stranger.address, ROLES.ADMIN);
      // Sent directly, the padding means nothing either.
      await expect(accessManager.connect(stranger).multicall([inner]))
        .to.be.revertedWithCustomError(accessManager, "AccessManagerUnauthorizedAccount")
        .withArgs(stranger.address, ROLES.ADMIN);
      expect((await accessManager.hasRole(ROLES.ISSUER, stranger.address))[0]).to.equal(false);
    });

    it("a relayed multicall of the administrator acts as the administrator", async function () {
      const { forwarder, accessManager, relayer, signers } = await loadFixture(ownKeyFixture);
      const grant = accessManager.interface.encodeFunctionData("grantRole", [ROLES.ISSUER, signers.agencyB.address, 0]);
      const label = accessManager.interface.encodeFunctionData("labelRole", [ROLES.ISSUER, "Issuer"]);
      await expect(relay(forwarder, relayer, signers.admin, accessManager, "multicall", [[grant, label]]))
        .to.emit(accessManager, "RoleGranted")
        .withArgs(ROLES.ISSUER, signers.agencyB.address, 0, anyValue, true);
      expect((await accessManager.hasRole(ROLES.ISSUER, signers.agencyB.address))[0]).to.equal(true);
    });
  });
});

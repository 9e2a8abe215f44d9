import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { MARKET_ORG } from "../../scripts/lib/system";
import { ROLES } from "../../scripts/lib/roles";
import { DAY, PROJECT_ID, YEAR, attestReport, carbonFixture, chainNow, claim, claimTuple, issueBatch } from "./fixtures/carbon";
import { systemFixture } from "./fixtures/system";
import { expectStrangerRefused, expectWiredRoles } from "./helpers/restricted";

const MAX_BATCH = 2n ** 56n - 1n;
const Adjustment = { Unspecified: 0, NotRequired: 1, Pending: 2, Applied: 3 } as const;

describe("CarbonCreditRegistry", function () {
  describe("deployment", function () {
    it("is wired to the participant registry, the market and the permission table", async function () {
      const { carbon, participants, market, accessManager } = await loadFixture(systemFixture);
      expect(await carbon.participants()).to.equal(await participants.getAddress());
      expect(await carbon.market()).to.equal(await market.getAddress());
      expect(await carbon.paused()).to.equal(false);
      expect(await carbon.lastBatchId()).to.equal(0n);
      expect(await carbon.authority()).to.equal(await accessManager.getAddress());
      await expectWiredRoles(accessManager, carbon, "CarbonCreditRegistry");
    });

    it("registers the market contract as an account of the Operator organisation and keeps no GOVERNOR role for the admin", async function () {
      const { participants, market, accessManager, signers } = await loadFixture(systemFixture);
      const marketAddress = await market.getAddress();
      expect(await participants.orgOf(marketAddress)).to.equal(MARKET_ORG.id);
      expect(await participants.activeKind(marketAddress)).to.deep.equal([6n, true]);
      const [isGovernor] = await accessManager.hasRole(ROLES.GOVERNOR, signers.admin.address);
      expect(isGovernor).to.equal(false);
    });

    it("supports ERC-1155 and ERC-165", async function () {
      const { carbon } = await loadFixture(systemFixture);
      expect(await carbon.supportsInterface("0xd9b67a26")).to.equal(true);
      expect(await carbon.supportsInterface("0x01ffc9a7")).to.equal(true);
    });

    it("refuses a stranger every restricted function", async function () {
      const { carbon, signers } = await loadFixture(systemFixture);
      await expectStrangerRefused(carbon, "CarbonCreditRegistry", signers.stranger);
    });
  });

  describe("#registerProject", function () {
    it("registers a project under the keccak256 of its id and emits the strings", async function () {
      const { carbon, signers, orgs } = await loadFixture(systemFixture);
      const key = ethers.id(PROJECT_ID);
      await expect(carbon.connect(signers.issuer).registerProject(PROJECT_ID, orgs.businessA.id, "VCS", "VM0042", "Hoa Vang", ethers.id("doc")))
        .to.emit(carbon, "ProjectRegistered")
        .withArgs(key, orgs.businessA.id, PROJECT_ID, "VCS", "VM0042", "Hoa Vang", ethers.id("doc"));
      const project = await carbon.project(key);
      expect(project.developerOrg).to.equal(orgs.businessA.id);
      expect(project.metadataHash).to.equal(ethers.id("doc"));
      expect(project.registeredAt).to.equal(BigInt(await time.latest()));
      expect(await carbon.projectKeyOf(PROJECT_ID)).to.equal(key);
    });

    it("refuses an empty id", async function () {
      const { carbon, signers, orgs } = await loadFixture(systemFixture);
      await expect(carbon.connect(signers.issuer).registerProject("", orgs.businessA.id, "VCS", "m", "l", ethers.ZeroHash))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryEmptyProjectId");
    });

    it("refuses an id registered before", async function () {
      const { carbon, signers, orgs } = await loadFixture(carbonFixture);
      await expect(carbon.connect(signers.issuer).registerProject(PROJECT_ID, orgs.businessB.id, "GS", "m", "l", ethers.ZeroHash))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryProjectExists")
        .withArgs(ethers.id(PROJECT_ID));
    });

    it("refuses a developer that is unknown or not active", async function () {
      const { carbon, participants, signers, orgs } = await loadFixture(systemFixture);
      const unknown = ethers.encodeBytes32String("NOBODY");
      await expect(carbon.connect(signers.issuer).registerProject(PROJECT_ID, unknown, "VCS", "m", "l", ethers.ZeroHash))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveDeveloper")
        .withArgs(unknown);
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "audit");
      await expect(carbon.connect(signers.issuer).registerProject(PROJECT_ID, orgs.businessA.id, "VCS", "m", "l", ethers.ZeroHash))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveDeveloper")
        .withArgs(orgs.businessA.id);
    });

    it("is refused to anyone without the ISSUER role", async function () {
      const { carbon, signers, orgs } = await loadFixture(systemFixture);
      await expect(carbon.connect(signers.verifier).registerProject(PROJECT_ID, orgs.businessA.id, "VCS", "m", "l", ethers.ZeroHash))
        .to.be.revertedWithCustomError(carbon, "AccessManagedUnauthorized")
        .withArgs(signers.verifier.address);
    });
  });

  describe("#attest", function () {
    /** A period after the fixture's (which covers one day from a year ago), ending a day ago. */
    async function periods() {
      const now = BigInt(await time.latest());
      return { start: now - BigInt(YEAR) + 2n * BigInt(DAY), end: now - BigInt(DAY) };
    }

    it("records the attestation under the id of (project, period, report)", async function () {
      const { carbon, signers, projectKey } = await loadFixture(carbonFixture);
      const { start, end } = await periods();
      const report = ethers.id("report-2");
      const id = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint64", "uint64", "bytes32"], [projectKey, start, end, report]));
      expect(await carbon.attestationIdOf(projectKey, start, end, report)).to.equal(id);
      await expect(carbon.connect(signers.verifier).attest(projectKey, start, end, 700n, report))
        .to.emit(carbon, "Attested")
        .withArgs(id, projectKey, signers.verifier.address, start, end, 700n, report);
      const att = await carbon.attestation(id);
      expect([att.projectKey, att.reportHash, att.periodStart, att.periodEnd, att.amount, att.batchId, att.verifier]).to.deep.equal([
        projectKey, report, start, end, 700n, 0n, signers.verifier.address,
      ]);
      expect(att.attestedAt).to.equal(BigInt(await time.latest()));
    });

    it("refuses a caller with the VERIFIER role whose organisation is not an active Verifier", async function () {
      const { carbon, participants, accessManager, signers, orgs, projectKey } = await loadFixture(carbonFixture);
      const { start, end } = await periods();
      await accessManager.grantRole(ROLES.VERIFIER, signers.businessA.address, 0);
      await expect(carbon.connect(signers.businessA).attest(projectKey, start, end, 1n, ethers.id("r")))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryNotVerifier")
        .withArgs(signers.businessA.address);
      // A suspended verifier's role is void before the registry even looks (CityAccessManager.hasRole).
      await participants.connect(signers.governor).suspend(orgs.verifier.id, "accreditation lapsed");
      await expect(carbon.connect(signers.verifier).attest(projectKey, start, end, 1n, ethers.id("r")))
        .to.be.revertedWithCustomError(carbon, "AccessManagedUnauthorized")
        .withArgs(signers.verifier.address);
    });

    it("refuses an unknown project", async function () {
      const { carbon, signers } = await loadFixture(carbonFixture);
      const { start, end } = await periods();
      const key = ethers.id("VN-DN-9999");
      await expect(carbon.connect(signers.verifier).attest(key, start, end, 1n, ethers.id("r")))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryUnknownProject")
        .withArgs(key);
    });

    it("refuses an empty, reversed or unfinished monitoring period", async function () {
      const { carbon, signers, projectKey } = await loadFixture(carbonFixture);
      const { start, end } = await periods();
      for (const [s, e] of [[end, end], [end, start], [start, (await chainNow()) + 1000n]]) {
        await expect(carbon.connect(signers.verifier).attest(projectKey, s, e, 1n, ethers.id("r")))
          .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInvalidPeriod")
          .withArgs(s, e);
      }
    });

    it("refuses a zero or oversized amount and a zero report hash", async function () {
      const { carbon, signers, projectKey } = await loadFixture(carbonFixture);
      const { start, end } = await periods();
      await expect(carbon.connect(signers.verifier).attest(projectKey, start, end, 0n, ethers.id("r")))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryZeroAmount");
      await expect(carbon.connect(signers.verifier).attest(projectKey, start, end, MAX_BATCH + 1n, ethers.id("r")))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryAmountTooLarge")
        .withArgs(MAX_BATCH + 1n, MAX_BATCH);
      await expect(carbon.connect(signers.verifier).attest(projectKey, start, end, 1n, ethers.ZeroHash))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryZeroReportHash");
    });

    it("refuses the same (project, period, report) twice", async function () {
      const { carbon, signers, projectKey } = await loadFixture(carbonFixture);
      const { start, end } = await periods();
      await carbon.connect(signers.verifier).attest(projectKey, start, end, 5n, ethers.id("r"));
      await expect(carbon.connect(signers.verifier).attest(projectKey, start, end, 9n, ethers.id("r")))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPeriodOverlaps")
        .withArgs(projectKey, start, end);
    });

    // Periods include both ends: the next one must start after the last attested second (attestedUntil + 1).
    it("refuses any report for a period overlapping one attested: at attestedUntil refused, attestedUntil + 1 accepted", async function () {
      const { carbon, signers, projectKey } = await loadFixture(carbonFixture);
      const { start, end } = await periods();
      const verifier = carbon.connect(signers.verifier);
      await verifier.attest(projectKey, start, end - 1000n, 5n, ethers.id("first report"));
      expect((await carbon.project(projectKey)).attestedUntil).to.equal(end - 1000n);
      // Another report hash changes nothing: a period that starts at the last attested second overlaps it.
      await expect(verifier.attest(projectKey, end - 1000n, end, 9n, ethers.id("second report")))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPeriodOverlaps")
        .withArgs(projectKey, end - 1000n, end - 1000n);
      // One inside it, one that contains it, and an earlier period attested late are refused as well.
      for (const [s, e] of [[start + 10n, start + 20n], [start - 10n, end], [start - 100n, start - 50n]]) {
        await expect(verifier.attest(projectKey, s, e, 9n, ethers.id("second report")))
          .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPeriodOverlaps")
          .withArgs(projectKey, s, end - 1000n);
      }
      await expect(verifier.attest(projectKey, end - 999n, end, 9n, ethers.id("second report")))
        .to.emit(carbon, "Attested")
        .withArgs(anyValue, projectKey, signers.verifier.address, end - 999n, end, 9n, ethers.id("second report"));
      expect((await carbon.project(projectKey)).attestedUntil).to.equal(end);
    });

    it("keeps the periods of each project apart: another project attests the same period", async function () {
      const { carbon, signers, orgs, projectKey } = await loadFixture(carbonFixture);
      const { start, end } = await periods();
      await carbon.connect(signers.issuer).registerProject("VN-DN-0002", orgs.businessB.id, "GS", "m", "l", ethers.ZeroHash);
      const other = ethers.id("VN-DN-0002");
      expect((await carbon.project(other)).attestedUntil).to.equal(0n);
      await carbon.connect(signers.verifier).attest(projectKey, start, end, 5n, ethers.id("r"));
      await expect(carbon.connect(signers.verifier).attest(other, start, end, 5n, ethers.id("r"))).to.emit(carbon, "Attested");
    });

    it("is refused to anyone without the VERIFIER role", async function () {
      const { carbon, signers, projectKey } = await loadFixture(carbonFixture);
      const { start, end } = await periods();
      await expect(carbon.connect(signers.issuer).attest(projectKey, start, end, 1n, ethers.id("r")))
        .to.be.revertedWithCustomError(carbon, "AccessManagedUnauthorized")
        .withArgs(signers.issuer.address);
    });
  });

  describe("#issue", function () {
    it("mints a batch with its own serial block, taken from the global serial counter", async function () {
      const ctx = await loadFixture(carbonFixture);
      const { carbon, signers, projectKey, batchId } = ctx;
      expect(batchId).to.equal(1n);
      const first = await carbon.batch(1n);
      expect([first.serialFirst, first.serialLast, first.issued, first.circulating, first.retired, first.cancelled]).to.deep.equal([
        1n, 1000n, 1000n, 1000n, 0n, 0n,
      ]);
      const { attestationId, periodStart, periodEnd } = await attestReport(ctx, 500n, "report-2");
      await expect(carbon.connect(signers.issuer).issue(attestationId, signers.businessB.address, 400n))
        .to.emit(carbon, "BatchIssued")
        .withArgs(2n, projectKey, attestationId, signers.businessB.address, 400n, 1001n, 1400n)
        .and.to.emit(carbon, "TransferSingle")
        .withArgs(signers.issuer.address, ethers.ZeroAddress, signers.businessB.address, 2n, 400n);
      const second = await carbon.batch(2n);
      expect(second.projectKey).to.equal(projectKey);
      expect(second.attestationId).to.equal(attestationId);
      expect([second.periodStart, second.periodEnd]).to.deep.equal([periodStart, periodEnd]);
      expect([second.serialFirst, second.serialLast, second.issued, second.circulating]).to.deep.equal([1001n, 1400n, 400n, 400n]);
      expect(second.frozen).to.equal(false);
      expect(second.adjustment).to.equal(Adjustment.Unspecified);
      expect(await carbon.balanceOf(signers.businessB.address, 2n)).to.equal(400n);
      expect(await carbon.totalSupply(2n)).to.equal(400n);
      expect((await carbon.attestation(attestationId)).batchId).to.equal(2n);
      expect(await carbon.lastBatchId()).to.equal(2n);
    });

    it("refuses an unknown attestation", async function () {
      const { carbon, signers } = await loadFixture(carbonFixture);
      const id = ethers.id("nothing");
      await expect(carbon.connect(signers.issuer).issue(id, signers.businessA.address, 1n))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryUnknownAttestation")
        .withArgs(id);
    });

    it("never issues the same attestation twice, even for the unissued remainder", async function () {
      const ctx = await loadFixture(carbonFixture);
      const { carbon, signers } = ctx;
      const { attestationId } = await attestReport(ctx, 100n, "report-2");
      await carbon.connect(signers.issuer).issue(attestationId, signers.businessA.address, 60n);
      await expect(carbon.connect(signers.issuer).issue(attestationId, signers.businessA.address, 40n))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryAlreadyIssued")
        .withArgs(attestationId, 2n);
    });

    it("refuses a zero amount and more than was attested", async function () {
      const ctx = await loadFixture(carbonFixture);
      const { carbon, signers } = ctx;
      const { attestationId } = await attestReport(ctx, 100n, "report-2");
      await expect(carbon.connect(signers.issuer).issue(attestationId, signers.businessA.address, 0n))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryZeroAmount");
      await expect(carbon.connect(signers.issuer).issue(attestationId, signers.businessA.address, 101n))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryExceedsAttested")
        .withArgs(attestationId, 101n, 100n);
    });

    it("refuses a recipient that is suspended or not a participant", async function () {
      const ctx = await loadFixture(carbonFixture);
      const { carbon, participants, signers, orgs } = ctx;
      const { attestationId } = await attestReport(ctx, 100n, "report-2");
      await expect(carbon.connect(signers.issuer).issue(attestationId, signers.stranger.address, 1n))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveParticipant")
        .withArgs(signers.stranger.address);
      await participants.connect(signers.governor).suspend(orgs.businessB.id, "audit");
      await expect(carbon.connect(signers.issuer).issue(attestationId, signers.businessB.address, 1n))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveParticipant")
        .withArgs(signers.businessB.address);
    });

    it("is refused while paused and to anyone without the ISSUER role", async function () {
      const ctx = await loadFixture(carbonFixture);
      const { carbon, signers } = ctx;
      const { attestationId } = await attestReport(ctx, 100n, "report-2");
      await expect(carbon.connect(signers.verifier).issue(attestationId, signers.businessA.address, 1n))
        .to.be.revertedWithCustomError(carbon, "AccessManagedUnauthorized")
        .withArgs(signers.verifier.address);
      await carbon.connect(signers.guardian).pause();
      await expect(carbon.connect(signers.issuer).issue(attestationId, signers.businessA.address, 1n))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPaused");
    });
  });

  describe("#safeTransferFrom", function () {
    it("moves credits between active participants", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      const { businessA: a, businessB: b } = signers;
      await expect(carbon.connect(a).safeTransferFrom(a.address, b.address, batchId, 30n, "0x"))
        .to.emit(carbon, "TransferSingle")
        .withArgs(a.address, a.address, b.address, batchId, 30n);
      expect(await carbon.balanceOf(a.address, batchId)).to.equal(970n);
      expect(await carbon.balanceOf(b.address, batchId)).to.equal(30n);
      expect(await carbon.totalSupply(batchId)).to.equal(1000n);
    });

    it("lets an approved operator move credits, and nobody else", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      const { businessA: a, businessB: b, agencyA: operator } = signers;
      await expect(carbon.connect(operator).safeTransferFrom(a.address, b.address, batchId, 1n, "0x"))
        .to.be.revertedWithCustomError(carbon, "ERC1155MissingApprovalForAll")
        .withArgs(operator.address, a.address);
      await carbon.connect(a).setApprovalForAll(operator.address, true);
      await expect(carbon.connect(operator).safeTransferFrom(a.address, b.address, batchId, 1n, "0x"))
        .to.emit(carbon, "TransferSingle")
        .withArgs(operator.address, a.address, b.address, batchId, 1n);
    });

    it("refuses a suspended sender and a suspended or unregistered receiver", async function () {
      const { carbon, participants, signers, orgs, batchId } = await loadFixture(carbonFixture);
      const { businessA: a, businessB: b, stranger } = signers;
      await expect(carbon.connect(a).safeTransferFrom(a.address, stranger.address, batchId, 1n, "0x"))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveParticipant")
        .withArgs(stranger.address);
      await participants.connect(signers.governor).suspend(orgs.businessB.id, "audit");
      await expect(carbon.connect(a).safeTransferFrom(a.address, b.address, batchId, 1n, "0x"))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveParticipant")
        .withArgs(b.address);
      await participants.connect(signers.governor).reinstate(orgs.businessB.id, "cleared");
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "audit");
      await expect(carbon.connect(a).safeTransferFrom(a.address, b.address, batchId, 1n, "0x"))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveParticipant")
        .withArgs(a.address);
    });

    it("refuses a sender whose admission expired", async function () {
      const { carbon, participants, signers, orgs, batchId } = await loadFixture(carbonFixture);
      const { businessA: a, businessB: b } = signers;
      const until = (await chainNow()) + 100n;
      await participants.connect(signers.governor).updateOrganization(orgs.businessA.id, until, ethers.ZeroHash);
      await time.increaseTo(until + 1n);
      await expect(carbon.connect(a).safeTransferFrom(a.address, b.address, batchId, 1n, "0x"))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveParticipant")
        .withArgs(a.address);
    });

    it("refuses a frozen sender, while a frozen account can still receive", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      const { businessA: a, businessB: b } = signers;
      await carbon.connect(signers.issuer).freezeAccount(b.address, "investigation");
      await expect(carbon.connect(a).safeTransferFrom(a.address, b.address, batchId, 5n, "0x")).to.emit(carbon, "TransferSingle");
      await expect(carbon.connect(b).safeTransferFrom(b.address, a.address, batchId, 1n, "0x"))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryAccountFrozen")
        .withArgs(b.address);
      await carbon.connect(signers.issuer).unfreezeAccount(b.address, "cleared");
      await expect(carbon.connect(b).safeTransferFrom(b.address, a.address, batchId, 1n, "0x")).to.emit(carbon, "TransferSingle");
    });

    it("refuses a frozen batch but not another batch", async function () {
      const ctx = await loadFixture(carbonFixture);
      const { carbon, signers, batchId } = ctx;
      const { businessA: a, businessB: b } = signers;
      const other = await issueBatch(ctx, a, 10n, "report-2");
      await carbon.connect(signers.issuer).freezeBatch(batchId, "double counting suspected");
      await expect(carbon.connect(a).safeTransferFrom(a.address, b.address, batchId, 1n, "0x"))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryBatchFrozen")
        .withArgs(batchId);
      await expect(carbon.connect(a).safeTransferFrom(a.address, b.address, other, 1n, "0x")).to.emit(carbon, "TransferSingle");
    });

    it("refuses ids that are not batches, even for zero units", async function () {
      const { carbon, signers } = await loadFixture(carbonFixture);
      const { businessA: a, businessB: b } = signers;
      for (const id of [0n, 2n]) {
        await expect(carbon.connect(a).safeTransferFrom(a.address, b.address, id, 0n, "0x"))
          .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryUnknownBatch")
          .withArgs(id);
      }
    });

    it("refuses more than the balance", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      const { businessA: a, businessB: b } = signers;
      await expect(carbon.connect(b).safeTransferFrom(b.address, a.address, batchId, 1n, "0x"))
        .to.be.revertedWithCustomError(carbon, "ERC1155InsufficientBalance")
        .withArgs(b.address, 0n, 1n, batchId);
    });

    it("is refused while paused", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      const { businessA: a, businessB: b } = signers;
      await carbon.connect(signers.guardian).pause();
      await expect(carbon.connect(a).safeTransferFrom(a.address, b.address, batchId, 1n, "0x"))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPaused");
    });
  });

  describe("#safeBatchTransferFrom", function () {
    it("moves several batches at once", async function () {
      const ctx = await loadFixture(carbonFixture);
      const { carbon, signers, batchId } = ctx;
      const { businessA: a, businessB: b } = signers;
      const other = await issueBatch(ctx, a, 10n, "report-2");
      await expect(carbon.connect(a).safeBatchTransferFrom(a.address, b.address, [batchId, other], [3n, 4n], "0x"))
        .to.emit(carbon, "TransferBatch")
        .withArgs(a.address, a.address, b.address, [batchId, other], [3n, 4n]);
      expect(await carbon.balanceOfBatch([b.address, b.address], [batchId, other])).to.deep.equal([3n, 4n]);
    });

    it("refuses the whole transfer when one batch is frozen or unknown", async function () {
      const ctx = await loadFixture(carbonFixture);
      const { carbon, signers, batchId } = ctx;
      const { businessA: a, businessB: b } = signers;
      const other = await issueBatch(ctx, a, 10n, "report-2");
      await expect(carbon.connect(a).safeBatchTransferFrom(a.address, b.address, [batchId, 7n], [1n, 0n], "0x"))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryUnknownBatch")
        .withArgs(7n);
      await carbon.connect(signers.issuer).freezeBatch(other, "investigation");
      await expect(carbon.connect(a).safeBatchTransferFrom(a.address, b.address, [batchId, other], [1n, 1n], "0x"))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryBatchFrozen")
        .withArgs(other);
      expect(await carbon.balanceOf(b.address, batchId)).to.equal(0n);
    });

    it("refuses a suspended receiver", async function () {
      const { carbon, participants, signers, orgs, batchId } = await loadFixture(carbonFixture);
      const { businessA: a, businessB: b } = signers;
      await participants.connect(signers.governor).suspend(orgs.businessB.id, "audit");
      await expect(carbon.connect(a).safeBatchTransferFrom(a.address, b.address, [batchId], [1n], "0x"))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveParticipant")
        .withArgs(b.address);
    });
  });

  describe("#retire", function () {
    it("burns the credits, records a certificate naming its serials and credits the holder's retired balance", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      const a = signers.businessA;
      const c = claim();
      await expect(carbon.connect(a).retire(batchId, 100n, c))
        .to.emit(carbon, "Retired")
        .withArgs(1n, batchId, a.address, 100n, 1n, 100n, claimTuple(c))
        .and.to.emit(carbon, "TransferSingle")
        .withArgs(a.address, a.address, ethers.ZeroAddress, batchId, 100n);
      expect(await carbon.retirement(1n)).to.deep.equal([a.address, batchId, 100n, 1n, 100n]);
      expect(await carbon.retiredBalanceOf(a.address, batchId)).to.equal(100n);
      expect(await carbon.balanceOf(a.address, batchId)).to.equal(900n);
      const info = await carbon.batch(batchId);
      expect([info.issued, info.circulating, info.retired, info.cancelled]).to.deep.equal([1000n, 900n, 100n, 0n]);
    });

    it("draws each retirement's serials in order from the batch's block", async function () {
      const ctx = await loadFixture(carbonFixture);
      const { carbon, signers, batchId } = ctx;
      const a = signers.businessA;
      await issueBatch(ctx, a, 50n, "report-2"); // serials 1001-1050
      await carbon.connect(a).retire(batchId, 10n, claim());
      await expect(carbon.connect(a).retire(2n, 5n, claim())).to.emit(carbon, "Retired").withArgs(1001n, 2n, a.address, 5n, 1001n, 1005n, anyValue);
      await expect(carbon.connect(a).retire(batchId, 7n, claim())).to.emit(carbon, "Retired").withArgs(11n, batchId, a.address, 7n, 11n, 17n, anyValue);
      expect(await carbon.retiredBalanceOf(a.address, batchId)).to.equal(17n);
    });

    it("leaves retired units unable to move", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      const { businessA: a, businessB: b } = signers;
      await carbon.connect(a).retire(batchId, 1000n, claim());
      await expect(carbon.connect(a).safeTransferFrom(a.address, b.address, batchId, 1n, "0x"))
        .to.be.revertedWithCustomError(carbon, "ERC1155InsufficientBalance")
        .withArgs(a.address, 0n, 1n, batchId);
      await expect(carbon.connect(a).retire(batchId, 1n, claim()))
        .to.be.revertedWithCustomError(carbon, "ERC1155InsufficientBalance")
        .withArgs(a.address, 0n, 1n, batchId);
    });

    it("refuses an incomplete claim", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      const a = signers.businessA;
      await expect(carbon.connect(a).retire(batchId, 1n, claim({ beneficiaryName: "" })))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryEmptyBeneficiary");
      await expect(carbon.connect(a).retire(batchId, 1n, claim({ reason: "" })))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryEmptyReason");
      await expect(carbon.connect(a).retire(batchId, 1n, claim({ consumptionStart: 10n, consumptionEnd: 9n })))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInvalidPeriod")
        .withArgs(10n, 9n);
      await expect(carbon.connect(a).retire(batchId, 0n, claim()))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryZeroAmount");
    });

    it("accepts a claim without an organisation or a consumption period", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      const c = claim({ beneficiaryOrg: ethers.ZeroHash, consumptionStart: 0n, consumptionEnd: 0n });
      await expect(carbon.connect(signers.businessA).retire(batchId, 1n, c))
        .to.emit(carbon, "Retired")
        .withArgs(1n, batchId, signers.businessA.address, 1n, 1n, 1n, claimTuple(c));
    });

    it("refuses a suspended holder, a frozen holder, a frozen batch, an unknown batch and a pause", async function () {
      const { carbon, participants, signers, orgs, batchId } = await loadFixture(carbonFixture);
      const a = signers.businessA;
      await expect(carbon.connect(a).retire(9n, 1n, claim()))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryUnknownBatch")
        .withArgs(9n);
      await carbon.connect(signers.issuer).freezeBatch(batchId, "investigation");
      await expect(carbon.connect(a).retire(batchId, 1n, claim()))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryBatchFrozen")
        .withArgs(batchId);
      await carbon.connect(signers.issuer).unfreezeBatch(batchId, "cleared");
      await carbon.connect(signers.issuer).freezeAccount(a.address, "investigation");
      await expect(carbon.connect(a).retire(batchId, 1n, claim()))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryAccountFrozen")
        .withArgs(a.address);
      await carbon.connect(signers.issuer).unfreezeAccount(a.address, "cleared");
      await carbon.connect(signers.guardian).pause();
      await expect(carbon.connect(a).retire(batchId, 1n, claim())).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPaused");
      await carbon.connect(signers.guardian).unpause();
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "audit");
      await expect(carbon.connect(a).retire(batchId, 1n, claim()))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveParticipant")
        .withArgs(a.address);
    });
  });

  describe("#retireOnBehalf", function () {
    // The real market is a contract (see CarbonMarket.test.ts); here an EOA participant stands in for it.
    async function withStandInMarket() {
      const ctx = await carbonFixture();
      const { carbon, signers, batchId } = ctx;
      await carbon.connect(signers.admin).setMarket(signers.agencyA.address);
      await carbon.connect(signers.businessA).safeTransferFrom(signers.businessA.address, signers.agencyA.address, batchId, 100n, "0x");
      return ctx;
    }

    it("burns the market's credits and names the buyer as holder", async function () {
      const { carbon, signers, batchId } = await loadFixture(withStandInMarket);
      const { agencyA: marketAcc, businessB: buyer } = signers;
      const c = claim();
      await expect(carbon.connect(marketAcc).retireOnBehalf(buyer.address, batchId, 40n, c))
        .to.emit(carbon, "Retired")
        .withArgs(1n, batchId, buyer.address, 40n, 1n, 40n, claimTuple(c))
        .and.to.emit(carbon, "TransferSingle")
        .withArgs(marketAcc.address, marketAcc.address, ethers.ZeroAddress, batchId, 40n);
      expect(await carbon.retiredBalanceOf(buyer.address, batchId)).to.equal(40n);
      expect(await carbon.retiredBalanceOf(marketAcc.address, batchId)).to.equal(0n);
      expect((await carbon.retirement(1n)).holder).to.equal(buyer.address);
      expect(await carbon.balanceOf(marketAcc.address, batchId)).to.equal(60n);
    });

    it("is refused to anyone but the market", async function () {
      const { carbon, signers, batchId } = await loadFixture(withStandInMarket);
      await expect(carbon.connect(signers.businessA).retireOnBehalf(signers.businessB.address, batchId, 1n, claim()))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryNotMarket")
        .withArgs(signers.businessA.address);
    });

    it("refuses an inactive market or holder and a frozen holder or market", async function () {
      const { carbon, participants, signers, orgs, batchId } = await loadFixture(withStandInMarket);
      const { agencyA: marketAcc, businessB: buyer } = signers;
      await expect(carbon.connect(marketAcc).retireOnBehalf(signers.stranger.address, batchId, 1n, claim()))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveParticipant")
        .withArgs(signers.stranger.address);
      await carbon.connect(signers.issuer).freezeAccount(buyer.address, "investigation");
      await expect(carbon.connect(marketAcc).retireOnBehalf(buyer.address, batchId, 1n, claim()))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryAccountFrozen")
        .withArgs(buyer.address);
      await carbon.connect(signers.issuer).unfreezeAccount(buyer.address, "cleared");
      await carbon.connect(signers.issuer).freezeAccount(marketAcc.address, "investigation");
      await expect(carbon.connect(marketAcc).retireOnBehalf(buyer.address, batchId, 1n, claim()))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryAccountFrozen")
        .withArgs(marketAcc.address);
      await participants.connect(signers.governor).suspend(orgs.agencyA.id, "audit");
      await expect(carbon.connect(marketAcc).retireOnBehalf(buyer.address, batchId, 1n, claim()))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryInactiveParticipant")
        .withArgs(marketAcc.address);
    });
  });

  describe("#cancel", function () {
    it("invalidates a holder's credits and names the serials, after earlier retirements", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      const a = signers.businessA;
      await carbon.connect(a).retire(batchId, 10n, claim());
      await expect(carbon.connect(signers.issuer).cancel(batchId, a.address, 25n, "issued twice in another registry"))
        .to.emit(carbon, "Cancelled")
        .withArgs(batchId, a.address, 25n, 11n, 35n, "issued twice in another registry")
        .and.to.emit(carbon, "TransferSingle")
        .withArgs(signers.issuer.address, a.address, ethers.ZeroAddress, batchId, 25n);
      await expect(carbon.connect(a).retire(batchId, 5n, claim())).to.emit(carbon, "Retired").withArgs(36n, batchId, a.address, 5n, 36n, 40n, anyValue);
      const info = await carbon.batch(batchId);
      expect([info.issued, info.circulating, info.retired, info.cancelled]).to.deep.equal([1000n, 960n, 15n, 25n]);
      expect(await carbon.totalSupply(batchId)).to.equal(960n);
    });

    it("works on frozen batches, frozen accounts and suspended holders", async function () {
      const { carbon, participants, signers, orgs, batchId } = await loadFixture(carbonFixture);
      const a = signers.businessA;
      await carbon.connect(signers.issuer).freezeBatch(batchId, "investigation");
      await carbon.connect(signers.issuer).freezeAccount(a.address, "investigation");
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "audit");
      await expect(carbon.connect(signers.issuer).cancel(batchId, a.address, 1n, "fraud")).to.emit(carbon, "Cancelled");
    });

    it("refuses the market's escrow, an empty reason, a zero amount, an unknown batch, too much and a pause", async function () {
      const { carbon, signers, batchId, marketAddress } = await loadFixture(carbonFixture);
      const a = signers.businessA;
      const issuer = carbon.connect(signers.issuer);
      await expect(issuer.cancel(batchId, marketAddress, 1n, "x"))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryEscrowNotCancellable")
        .withArgs(marketAddress);
      await expect(issuer.cancel(batchId, a.address, 1n, "")).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryEmptyReason");
      await expect(issuer.cancel(batchId, a.address, 0n, "x")).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryZeroAmount");
      await expect(issuer.cancel(5n, a.address, 1n, "x")).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryUnknownBatch").withArgs(5n);
      await expect(issuer.cancel(batchId, a.address, 1001n, "x"))
        .to.be.revertedWithCustomError(carbon, "ERC1155InsufficientBalance")
        .withArgs(a.address, 1000n, 1001n, batchId);
      await carbon.connect(signers.guardian).pause();
      await expect(issuer.cancel(batchId, a.address, 1n, "x")).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPaused");
    });

    it("is refused to anyone without the ISSUER role", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      await expect(carbon.connect(signers.businessA).cancel(batchId, signers.businessA.address, 1n, "x"))
        .to.be.revertedWithCustomError(carbon, "AccessManagedUnauthorized")
        .withArgs(signers.businessA.address);
    });
  });

  describe("#freezeBatch / #unfreezeBatch", function () {
    it("freezes and unfreezes with reasons", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      await expect(carbon.connect(signers.issuer).freezeBatch(batchId, "investigation")).to.emit(carbon, "BatchFrozen").withArgs(batchId, "investigation");
      expect((await carbon.batch(batchId)).frozen).to.equal(true);
      await expect(carbon.connect(signers.issuer).unfreezeBatch(batchId, "cleared")).to.emit(carbon, "BatchUnfrozen").withArgs(batchId, "cleared");
      expect((await carbon.batch(batchId)).frozen).to.equal(false);
    });

    it("refuses to freeze twice, to unfreeze what is not frozen, and unknown batches", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      const issuer = carbon.connect(signers.issuer);
      await expect(issuer.unfreezeBatch(batchId, "x")).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryBatchNotFrozen").withArgs(batchId);
      await issuer.freezeBatch(batchId, "x");
      await expect(issuer.freezeBatch(batchId, "x")).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryBatchFrozen").withArgs(batchId);
      await expect(issuer.freezeBatch(4n, "x")).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryUnknownBatch").withArgs(4n);
      await expect(issuer.unfreezeBatch(4n, "x")).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryUnknownBatch").withArgs(4n);
    });

    it("is refused to anyone without the ISSUER role", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      await expect(carbon.connect(signers.guardian).freezeBatch(batchId, "x"))
        .to.be.revertedWithCustomError(carbon, "AccessManagedUnauthorized")
        .withArgs(signers.guardian.address);
    });
  });

  describe("#freezeAccount / #unfreezeAccount", function () {
    it("freezes and unfreezes with reasons", async function () {
      const { carbon, signers } = await loadFixture(carbonFixture);
      const a = signers.businessA.address;
      await expect(carbon.connect(signers.issuer).freezeAccount(a, "court order")).to.emit(carbon, "AccountFrozen").withArgs(a, "court order");
      expect(await carbon.isAccountFrozen(a)).to.equal(true);
      await expect(carbon.connect(signers.issuer).unfreezeAccount(a, "lifted")).to.emit(carbon, "AccountUnfrozen").withArgs(a, "lifted");
      expect(await carbon.isAccountFrozen(a)).to.equal(false);
    });

    it("refuses to freeze twice and to unfreeze what is not frozen", async function () {
      const { carbon, signers } = await loadFixture(carbonFixture);
      const a = signers.businessA.address;
      const issuer = carbon.connect(signers.issuer);
      await expect(issuer.unfreezeAccount(a, "x")).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryAccountNotFrozen").withArgs(a);
      await issuer.freezeAccount(a, "x");
      await expect(issuer.freezeAccount(a, "x")).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryAccountFrozen").withArgs(a);
    });

    it("is refused to anyone without the ISSUER role", async function () {
      const { carbon, signers } = await loadFixture(carbonFixture);
      await expect(carbon.connect(signers.governor).freezeAccount(signers.businessA.address, "x"))
        .to.be.revertedWithCustomError(carbon, "AccessManagedUnauthorized")
        .withArgs(signers.governor.address);
    });
  });

  describe("#setCorrespondingAdjustment", function () {
    it("records the status with its evidence", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      await expect(carbon.connect(signers.issuer).setCorrespondingAdjustment(batchId, Adjustment.Pending, ethers.id("LoA")))
        .to.emit(carbon, "CorrespondingAdjustmentChanged")
        .withArgs(batchId, Adjustment.Unspecified, Adjustment.Pending, ethers.id("LoA"));
      await expect(carbon.connect(signers.issuer).setCorrespondingAdjustment(batchId, Adjustment.Applied, ethers.id("BTR")))
        .to.emit(carbon, "CorrespondingAdjustmentChanged")
        .withArgs(batchId, Adjustment.Pending, Adjustment.Applied, ethers.id("BTR"));
      expect((await carbon.batch(batchId)).adjustment).to.equal(Adjustment.Applied);
    });

    it("refuses an unchanged status, an unknown batch and an out-of-range status", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      const issuer = carbon.connect(signers.issuer);
      await expect(issuer.setCorrespondingAdjustment(batchId, Adjustment.Unspecified, ethers.ZeroHash))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryAdjustmentUnchanged")
        .withArgs(batchId, Adjustment.Unspecified);
      await expect(issuer.setCorrespondingAdjustment(3n, Adjustment.Applied, ethers.ZeroHash))
        .to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryUnknownBatch")
        .withArgs(3n);
      await expect(issuer.setCorrespondingAdjustment(batchId, 4, ethers.ZeroHash)).to.be.reverted;
    });

    it("is refused to anyone without the ISSUER role", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      await expect(carbon.connect(signers.businessA).setCorrespondingAdjustment(batchId, Adjustment.Applied, ethers.ZeroHash))
        .to.be.revertedWithCustomError(carbon, "AccessManagedUnauthorized")
        .withArgs(signers.businessA.address);
    });
  });

  describe("#setMarket", function () {
    it("lets the administrator change the market", async function () {
      const { carbon, signers, marketAddress } = await loadFixture(carbonFixture);
      await expect(carbon.connect(signers.admin).setMarket(signers.agencyB.address))
        .to.emit(carbon, "MarketChanged")
        .withArgs(marketAddress, signers.agencyB.address);
      expect(await carbon.market()).to.equal(signers.agencyB.address);
    });

    it("is refused to anyone else, including the issuer", async function () {
      const { carbon, signers } = await loadFixture(carbonFixture);
      await expect(carbon.connect(signers.issuer).setMarket(signers.issuer.address))
        .to.be.revertedWithCustomError(carbon, "AccessManagedUnauthorized")
        .withArgs(signers.issuer.address);
    });
  });

  describe("#setURI / #uri", function () {
    it("builds each batch's metadata URL from the base and the decimal batch id", async function () {
      const ctx = await loadFixture(carbonFixture);
      const { carbon, signers, batchId } = ctx;
      expect(await carbon.uri(batchId)).to.equal("");
      const base = "https://ledger.danang.gov.vn/metadata/credits/";
      await expect(carbon.connect(signers.admin).setURI(base)).to.emit(carbon, "BaseURIChanged").withArgs(base);
      expect(await carbon.uri(batchId)).to.equal(`${base}1.json`);
      const twelfth = await (async () => {
        for (let i = 2; i < 12; i++) await issueBatch(ctx, signers.businessA, 1n, `uri-${i}`);
        return issueBatch(ctx, signers.businessA, 1n, "uri-12");
      })();
      expect(await carbon.uri(twelfth)).to.equal(`${base}12.json`);
      await expect(carbon.uri(13n)).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryUnknownBatch").withArgs(13n);
    });

    it("is governance: refused to anyone but ADMIN, the issuer included", async function () {
      const { carbon, signers } = await loadFixture(carbonFixture);
      for (const caller of [signers.issuer, signers.stranger]) {
        await expect(carbon.connect(caller).setURI("x")).to.be.revertedWithCustomError(carbon, "AccessManagedUnauthorized").withArgs(caller.address);
      }
    });
  });

  describe("#pause / #unpause", function () {
    it("lets the guardian pause and resume", async function () {
      const { carbon, signers, batchId } = await loadFixture(carbonFixture);
      const { businessA: a, businessB: b } = signers;
      await expect(carbon.connect(signers.guardian).pause()).to.emit(carbon, "Paused").withArgs(signers.guardian.address);
      expect(await carbon.paused()).to.equal(true);
      await expect(carbon.connect(signers.guardian).unpause()).to.emit(carbon, "Unpaused").withArgs(signers.guardian.address);
      await expect(carbon.connect(a).safeTransferFrom(a.address, b.address, batchId, 1n, "0x")).to.emit(carbon, "TransferSingle");
    });

    it("refuses to pause twice or unpause when running", async function () {
      const { carbon, signers } = await loadFixture(carbonFixture);
      await expect(carbon.connect(signers.guardian).unpause()).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryNotPaused");
      await carbon.connect(signers.guardian).pause();
      await expect(carbon.connect(signers.guardian).pause()).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryPaused");
    });

    it("is refused to anyone without the GUARDIAN role", async function () {
      const { carbon, signers } = await loadFixture(carbonFixture);
      await expect(carbon.connect(signers.issuer).pause())
        .to.be.revertedWithCustomError(carbon, "AccessManagedUnauthorized")
        .withArgs(signers.issuer.address);
    });
  });

  describe("views", function () {
    it("#batch and #retirement refuse unknown ids; #totalSupply of an unknown id is 0", async function () {
      const { carbon } = await loadFixture(carbonFixture);
      await expect(carbon.batch(0n)).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryUnknownBatch").withArgs(0n);
      await expect(carbon.retirement(1n)).to.be.revertedWithCustomError(carbon, "CarbonCreditRegistryUnknownRetirement").withArgs(1n);
      expect(await carbon.totalSupply(42n)).to.equal(0n);
      expect((await carbon.project(ethers.id("none"))).registeredAt).to.equal(0n);
      expect((await carbon.attestation(ethers.id("none"))).attestedAt).to.equal(0n);
    });
  });
});

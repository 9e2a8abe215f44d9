import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { orgId, systemFixture } from "./fixtures/system";
import { orgKind, orgStatus } from "../../scripts/lib/roles";

const Kind = {
  None: orgKind("None"),
  CityAgency: orgKind("CityAgency"),
  Business: orgKind("Business"),
  Operator: orgKind("Operator"),
};
const Status = {
  None: orgStatus("None"),
  Active: orgStatus("Active"),
  Suspended: orgStatus("Suspended"),
  Revoked: orgStatus("Revoked"),
};
const NEW_ORG = orgId("NEW-ORG");
const META = ethers.id("org metadata v1");

describe("ParticipantRegistry", function () {
  async function fixture() {
    const system = await systemFixture();
    const { participants, signers } = system;
    // Spare accounts no organisation uses yet (addresses only: these tests never sign with them).
    const spare = Array.from({ length: 20 }, (_, i) => new ethers.Wallet(ethers.id(`spare account ${i}`)));
    return { ...system, registry: participants.connect(signers.governor), spare };
  }

  async function newOrgFixture() {
    const base = await fixture();
    await base.registry.registerOrganization(NEW_ORG, Kind.Business, 0, META, "New Org JSC");
    return base;
  }

  describe("#registerOrganization", function () {
    it("admits an Active organisation and emits OrganizationRegistered", async function () {
      const { registry } = await loadFixture(fixture);
      const validUntil = (await time.latest()) + 86_400;
      await expect(registry.registerOrganization(NEW_ORG, Kind.Business, validUntil, META, "New Org JSC"))
        .to.emit(registry, "OrganizationRegistered")
        .withArgs(NEW_ORG, Kind.Business, validUntil, META, "New Org JSC");
      const org = await registry.organization(NEW_ORG);
      expect(org.kind).to.equal(Kind.Business);
      expect(org.status).to.equal(Status.Active);
      expect(org.validUntil).to.equal(validUntil);
      expect(org.accountCount).to.equal(0);
      expect(org.metadataHash).to.equal(META);
      expect(await registry.accountsOf(NEW_ORG)).to.deep.equal([]);
    });

    it("refuses the zero id", async function () {
      const { registry } = await loadFixture(fixture);
      await expect(registry.registerOrganization(ethers.ZeroHash, Kind.Business, 0, META, "x")).to.be.revertedWithCustomError(
        registry,
        "ParticipantRegistryZeroOrgId",
      );
    });

    it("refuses kind None", async function () {
      const { registry } = await loadFixture(fixture);
      await expect(registry.registerOrganization(NEW_ORG, Kind.None, 0, META, "x"))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryInvalidKind")
        .withArgs(Kind.None);
    });

    it("refuses a kind outside the enum", async function () {
      const { registry } = await loadFixture(fixture);
      await expect(registry.registerOrganization(NEW_ORG, 7, 0, META, "x")).to.be.reverted;
      expect((await registry.organization(NEW_ORG)).status).to.equal(Status.None);
    });

    it("refuses an id already registered, whatever its status", async function () {
      const { registry, orgs } = await loadFixture(fixture);
      await expect(registry.registerOrganization(orgs.businessA.id, Kind.Business, 0, META, "again"))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryOrganizationExists")
        .withArgs(orgs.businessA.id);
      await registry.revoke(orgs.businessA.id, "closed");
      await expect(registry.registerOrganization(orgs.businessA.id, Kind.Business, 0, META, "again"))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryOrganizationExists")
        .withArgs(orgs.businessA.id);
    });
  });

  describe("#updateOrganization", function () {
    it("changes admission and metadata and emits OrganizationUpdated", async function () {
      const { registry, orgs } = await loadFixture(fixture);
      const validUntil = (await time.latest()) + 1000;
      const meta = ethers.id("org metadata v2");
      await expect(registry.updateOrganization(orgs.businessA.id, validUntil, meta))
        .to.emit(registry, "OrganizationUpdated")
        .withArgs(orgs.businessA.id, validUntil, meta);
      const org = await registry.organization(orgs.businessA.id);
      expect(org.validUntil).to.equal(validUntil);
      expect(org.metadataHash).to.equal(meta);
      expect(org.status).to.equal(Status.Active);
    });

    it("passes a new expiry on to every account of the organisation", async function () {
      const { registry, orgs, spare } = await loadFixture(fixture);
      await registry.addAccount(orgs.businessA.id, spare[0].address);
      const validUntil = (await time.latest()) + 1000;
      await registry.updateOrganization(orgs.businessA.id, validUntil, META);
      expect(await registry.isActive(orgs.businessA.account.address)).to.equal(true);
      await time.increaseTo(validUntil + 1);
      expect(await registry.isActive(orgs.businessA.account.address)).to.equal(false);
      expect(await registry.isActive(spare[0].address)).to.equal(false);
      await registry.updateOrganization(orgs.businessA.id, 0, META);
      expect(await registry.isActive(orgs.businessA.account.address)).to.equal(true);
      expect(await registry.isActive(spare[0].address)).to.equal(true);
    });

    it("refuses an unknown organisation", async function () {
      const { registry } = await loadFixture(fixture);
      await expect(registry.updateOrganization(NEW_ORG, 0, META))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryUnknownOrganization")
        .withArgs(NEW_ORG);
    });

    it("refuses a revoked organisation", async function () {
      const { registry, orgs } = await loadFixture(fixture);
      await registry.revoke(orgs.businessA.id, "closed");
      await expect(registry.updateOrganization(orgs.businessA.id, 0, META))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryOrganizationRevoked")
        .withArgs(orgs.businessA.id);
    });
  });

  describe("#addAccount", function () {
    it("lets an account act for the organisation and emits AccountAdded", async function () {
      const { registry, spare } = await loadFixture(newOrgFixture);
      await expect(registry.addAccount(NEW_ORG, spare[0].address)).to.emit(registry, "AccountAdded").withArgs(NEW_ORG, spare[0].address);
      expect(await registry.orgOf(spare[0].address)).to.equal(NEW_ORG);
      expect(await registry.accountsOf(NEW_ORG)).to.deep.equal([spare[0].address]);
      expect((await registry.organization(NEW_ORG)).accountCount).to.equal(1);
      expect(await registry.isActive(spare[0].address)).to.equal(true);
      expect(await registry.activeKind(spare[0].address)).to.deep.equal([BigInt(Kind.Business), true]);
    });

    it("adds an account of a suspended organisation as inactive", async function () {
      const { registry, spare } = await loadFixture(newOrgFixture);
      await registry.suspend(NEW_ORG, "audit");
      await registry.addAccount(NEW_ORG, spare[0].address);
      expect(await registry.isActive(spare[0].address)).to.equal(false);
      await registry.reinstate(NEW_ORG, "audit passed");
      expect(await registry.isActive(spare[0].address)).to.equal(true);
    });

    it("refuses the zero address", async function () {
      const { registry } = await loadFixture(newOrgFixture);
      await expect(registry.addAccount(NEW_ORG, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        registry,
        "ParticipantRegistryZeroAccount",
      );
    });

    it("refuses an account that already acts for an organisation", async function () {
      const { registry, orgs } = await loadFixture(newOrgFixture);
      await expect(registry.addAccount(NEW_ORG, orgs.businessA.account.address))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryAccountTaken")
        .withArgs(orgs.businessA.account.address, orgs.businessA.id);
      await expect(registry.addAccount(orgs.businessA.id, orgs.businessA.account.address))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryAccountTaken")
        .withArgs(orgs.businessA.account.address, orgs.businessA.id);
    });

    it("refuses an unknown organisation", async function () {
      const { registry, spare } = await loadFixture(fixture);
      await expect(registry.addAccount(NEW_ORG, spare[0].address))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryUnknownOrganization")
        .withArgs(NEW_ORG);
    });

    it("refuses a revoked organisation", async function () {
      const { registry, spare } = await loadFixture(newOrgFixture);
      await registry.revoke(NEW_ORG, "closed");
      await expect(registry.addAccount(NEW_ORG, spare[0].address))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryOrganizationRevoked")
        .withArgs(NEW_ORG);
    });

    it(`caps an organisation at MAX_ACCOUNTS_PER_ORG accounts`, async function () {
      const { registry, spare } = await loadFixture(newOrgFixture);
      const max = await registry.MAX_ACCOUNTS_PER_ORG();
      expect(max).to.equal(16n);
      for (let i = 0; i < Number(max); i++) await registry.addAccount(NEW_ORG, spare[i].address);
      await expect(registry.addAccount(NEW_ORG, spare[Number(max)].address))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryTooManyAccounts")
        .withArgs(NEW_ORG, max);
      // Removing one frees a place.
      await registry.removeAccount(spare[0].address);
      await registry.addAccount(NEW_ORG, spare[Number(max)].address);
      expect((await registry.organization(NEW_ORG)).accountCount).to.equal(max);
    });
  });

  describe("#removeAccount", function () {
    it("stops the account acting for its organisation and emits AccountRemoved", async function () {
      const { registry, spare } = await loadFixture(newOrgFixture);
      await registry.addAccount(NEW_ORG, spare[0].address);
      await registry.addAccount(NEW_ORG, spare[1].address);
      await registry.addAccount(NEW_ORG, spare[2].address);
      await expect(registry.removeAccount(spare[0].address)).to.emit(registry, "AccountRemoved").withArgs(NEW_ORG, spare[0].address);
      // Bound for good, inactive for good.
      expect(await registry.orgOf(spare[0].address)).to.equal(NEW_ORG);
      expect(await registry.isActive(spare[0].address)).to.equal(false);
      expect(await registry.mayExercisePowers(spare[0].address)).to.equal(false);
      expect(await registry.activeKind(spare[0].address)).to.deep.equal([BigInt(Kind.Business), false]);
      // The last account takes the removed one's place.
      expect(await registry.accountsOf(NEW_ORG)).to.deep.equal([spare[2].address, spare[1].address]);
      expect((await registry.organization(NEW_ORG)).accountCount).to.equal(2);
    });

    it("removes the last account", async function () {
      const { registry, spare } = await loadFixture(newOrgFixture);
      await registry.addAccount(NEW_ORG, spare[0].address);
      await registry.addAccount(NEW_ORG, spare[1].address);
      await registry.removeAccount(spare[1].address);
      expect(await registry.accountsOf(NEW_ORG)).to.deep.equal([spare[0].address]);
    });

    it("keeps the account bound: it can join no other organisation, nor its own again (attack: moving a key between organisations)", async function () {
      const { registry, orgs } = await loadFixture(newOrgFixture);
      const account = orgs.businessA.account.address;
      await registry.removeAccount(account);
      await expect(registry.addAccount(NEW_ORG, account))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryAccountTaken")
        .withArgs(account, orgs.businessA.id);
      await expect(registry.addAccount(orgs.businessA.id, account))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryAccountTaken")
        .withArgs(account, orgs.businessA.id);
      // Reinstating or updating the organisation does not revive it either.
      await registry.updateOrganization(orgs.businessA.id, 0, META);
      expect(await registry.isActive(account)).to.equal(false);
    });

    it("refuses to remove an account twice", async function () {
      const { registry, orgs } = await loadFixture(newOrgFixture);
      const account = orgs.businessA.account.address;
      await registry.removeAccount(account);
      await expect(registry.removeAccount(account))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryAccountRemoved")
        .withArgs(account, orgs.businessA.id);
    });

    it("works for an account of a revoked organisation", async function () {
      const { registry, orgs } = await loadFixture(newOrgFixture);
      await registry.revoke(orgs.businessA.id, "closed");
      await expect(registry.removeAccount(orgs.businessA.account.address))
        .to.emit(registry, "AccountRemoved")
        .withArgs(orgs.businessA.id, orgs.businessA.account.address);
    });

    it("refuses an account that acts for no organisation", async function () {
      const { registry, spare } = await loadFixture(newOrgFixture);
      await expect(registry.removeAccount(spare[0].address))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryUnknownAccount")
        .withArgs(spare[0].address);
    });
  });

  describe("#suspend", function () {
    it("blocks every account of the organisation and emits OrganizationStatusChanged", async function () {
      const { registry, orgs, spare } = await loadFixture(fixture);
      await registry.addAccount(orgs.businessA.id, spare[0].address);
      await expect(registry.suspend(orgs.businessA.id, "unpaid fees"))
        .to.emit(registry, "OrganizationStatusChanged")
        .withArgs(orgs.businessA.id, Status.Active, Status.Suspended, "unpaid fees");
      expect((await registry.organization(orgs.businessA.id)).status).to.equal(Status.Suspended);
      expect(await registry.isActive(orgs.businessA.account.address)).to.equal(false);
      expect(await registry.isActive(spare[0].address)).to.equal(false);
      expect(await registry.activeKind(spare[0].address)).to.deep.equal([BigInt(Kind.Business), false]);
      // Other organisations are untouched.
      expect(await registry.isActive(orgs.businessB.account.address)).to.equal(true);
    });

    it("refuses an organisation that is not Active", async function () {
      const { registry, orgs } = await loadFixture(fixture);
      await registry.suspend(orgs.businessA.id, "first");
      await expect(registry.suspend(orgs.businessA.id, "again"))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryInvalidStatusTransition")
        .withArgs(orgs.businessA.id, Status.Suspended, Status.Suspended);
    });

    it("refuses an unknown or revoked organisation", async function () {
      const { registry, orgs } = await loadFixture(fixture);
      await expect(registry.suspend(NEW_ORG, "x"))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryUnknownOrganization")
        .withArgs(NEW_ORG);
      await registry.revoke(orgs.businessA.id, "closed");
      await expect(registry.suspend(orgs.businessA.id, "x"))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryOrganizationRevoked")
        .withArgs(orgs.businessA.id);
    });
  });

  describe("#reinstate", function () {
    it("reactivates every account of a suspended organisation", async function () {
      const { registry, orgs } = await loadFixture(fixture);
      await registry.suspend(orgs.businessA.id, "audit");
      await expect(registry.reinstate(orgs.businessA.id, "audit passed"))
        .to.emit(registry, "OrganizationStatusChanged")
        .withArgs(orgs.businessA.id, Status.Suspended, Status.Active, "audit passed");
      expect(await registry.isActive(orgs.businessA.account.address)).to.equal(true);
    });

    it("refuses an organisation that is not Suspended", async function () {
      const { registry, orgs } = await loadFixture(fixture);
      await expect(registry.reinstate(orgs.businessA.id, "x"))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryInvalidStatusTransition")
        .withArgs(orgs.businessA.id, Status.Active, Status.Active);
    });

    it("refuses an unknown or revoked organisation", async function () {
      const { registry, orgs } = await loadFixture(fixture);
      await expect(registry.reinstate(NEW_ORG, "x"))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryUnknownOrganization")
        .withArgs(NEW_ORG);
      await registry.suspend(orgs.businessA.id, "audit");
      await registry.revoke(orgs.businessA.id, "closed");
      await expect(registry.reinstate(orgs.businessA.id, "x"))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryOrganizationRevoked")
        .withArgs(orgs.businessA.id);
    });
  });

  describe("#revoke", function () {
    it("revokes an Active organisation for good", async function () {
      const { registry, orgs } = await loadFixture(fixture);
      await expect(registry.revoke(orgs.businessA.id, "licence withdrawn"))
        .to.emit(registry, "OrganizationStatusChanged")
        .withArgs(orgs.businessA.id, Status.Active, Status.Revoked, "licence withdrawn");
      expect((await registry.organization(orgs.businessA.id)).status).to.equal(Status.Revoked);
      expect(await registry.isActive(orgs.businessA.account.address)).to.equal(false);
    });

    it("revokes a Suspended organisation", async function () {
      const { registry, orgs } = await loadFixture(fixture);
      await registry.suspend(orgs.businessA.id, "audit");
      await expect(registry.revoke(orgs.businessA.id, "fraud"))
        .to.emit(registry, "OrganizationStatusChanged")
        .withArgs(orgs.businessA.id, Status.Suspended, Status.Revoked, "fraud");
    });

    it("refuses an unknown or already revoked organisation", async function () {
      const { registry, orgs } = await loadFixture(fixture);
      await expect(registry.revoke(NEW_ORG, "x"))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryUnknownOrganization")
        .withArgs(NEW_ORG);
      await registry.revoke(orgs.businessA.id, "closed");
      await expect(registry.revoke(orgs.businessA.id, "again"))
        .to.be.revertedWithCustomError(registry, "ParticipantRegistryOrganizationRevoked")
        .withArgs(orgs.businessA.id);
    });
  });

  describe("#isActive", function () {
    it("is false for an account of no organisation", async function () {
      const { registry, signers } = await loadFixture(fixture);
      expect(await registry.isActive(signers.stranger.address)).to.equal(false);
      expect(await registry.isActive(ethers.ZeroAddress)).to.equal(false);
    });

    it("holds until the end of validUntil and not a second later", async function () {
      const { registry, spare } = await loadFixture(fixture);
      const validUntil = (await time.latest()) + 1000;
      await registry.registerOrganization(NEW_ORG, Kind.Business, validUntil, META, "Short-lived");
      await registry.addAccount(NEW_ORG, spare[0].address);
      await time.setNextBlockTimestamp(validUntil);
      await ethers.provider.send("evm_mine", []);
      expect(await registry.isActive(spare[0].address)).to.equal(true);
      await ethers.provider.send("evm_mine", []);
      expect(await registry.isActive(spare[0].address)).to.equal(false);
    });
  });

  describe("#isActivePair", function () {
    it("answers for both sides", async function () {
      const { registry, orgs, signers } = await loadFixture(fixture);
      const a = orgs.businessA.account.address;
      const b = orgs.businessB.account.address;
      expect(await registry.isActivePair(a, b)).to.deep.equal([true, true]);
      await registry.suspend(orgs.businessA.id, "audit");
      expect(await registry.isActivePair(a, b)).to.deep.equal([false, true]);
      expect(await registry.isActivePair(b, a)).to.deep.equal([true, false]);
      expect(await registry.isActivePair(a, signers.stranger.address)).to.deep.equal([false, false]);
    });
  });

  describe("#activeKind", function () {
    it("gives the organisation's kind and whether the account is active", async function () {
      const { registry, orgs, signers } = await loadFixture(fixture);
      expect(await registry.activeKind(orgs.agencyA.account.address)).to.deep.equal([BigInt(Kind.CityAgency), true]);
      expect(await registry.activeKind(orgs.businessA.account.address)).to.deep.equal([BigInt(Kind.Business), true]);
      expect(await registry.activeKind(signers.stranger.address)).to.deep.equal([BigInt(Kind.None), false]);
      await registry.revoke(orgs.agencyA.id, "merged");
      expect(await registry.activeKind(orgs.agencyA.account.address)).to.deep.equal([BigInt(Kind.CityAgency), false]);
    });
  });

  describe("#orgOf, #organization, #accountsOf", function () {
    it("read back what the fixture registered", async function () {
      const { registry, orgs } = await loadFixture(fixture);
      expect(await registry.orgOf(orgs.agencyA.account.address)).to.equal(orgs.agencyA.id);
      expect(await registry.accountsOf(orgs.agencyA.id)).to.deep.equal([orgs.agencyA.account.address]);
      const org = await registry.organization(orgs.agencyA.id);
      expect(org.kind).to.equal(Kind.CityAgency);
      expect(org.accountCount).to.equal(1);
    });

    it("return empty values for an unknown organisation", async function () {
      const { registry } = await loadFixture(fixture);
      expect((await registry.organization(NEW_ORG)).status).to.equal(Status.None);
      expect(await registry.accountsOf(NEW_ORG)).to.deep.equal([]);
    });
  });

  describe("access control", function () {
    it("refuses every restricted function to a stranger and to other roles", async function () {
      const { participants, signers, orgs } = await loadFixture(newOrgFixture);
      const calls = (as: typeof participants) => [
        () => as.registerOrganization(orgId("X"), Kind.Business, 0, META, "x"),
        () => as.updateOrganization(NEW_ORG, 0, META),
        () => as.addAccount(NEW_ORG, signers.stranger.address),
        () => as.removeAccount(orgs.businessA.account.address),
        () => as.suspend(NEW_ORG, "x"),
        () => as.reinstate(NEW_ORG, "x"),
        () => as.revoke(NEW_ORG, "x"),
      ];
      for (const caller of [signers.stranger, signers.registrar, signers.admin]) {
        for (const call of calls(participants.connect(caller))) {
          await expect(call()).to.be.revertedWithCustomError(participants, "AccessManagedUnauthorized").withArgs(caller.address);
        }
      }
    });
  });
});

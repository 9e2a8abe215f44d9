import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { carbonFixture } from "./fixtures/carbon";
import { orgId } from "./fixtures/system";
import { registration } from "./helpers/datasets";
import { expectStrangerRefused } from "./helpers/restricted";
import { CityAccessManager__factory } from "../../typechain-types";
import { PERMISSIONS, type ManagedContractName } from "../../scripts/lib/permissions";
import { DELAYS, ROLES, orgKind, type RoleName } from "../../scripts/lib/roles";
import { managedTargets } from "../../scripts/lib/system";

const HOLDER_ORG = orgId("ROLE-HOLDER");
/** Every role but ADMIN: what the holder account is granted. */
const ROLE_NAMES = (Object.keys(ROLES) as RoleName[]).filter((r) => r !== "ADMIN");

/**
 * carbonFixture plus one account of a Verifier organisation ROLE-HOLDER that holds every role but ADMIN (RECOVERY with
 * its production execution delay, so it schedules), and one unbound account (no organisation) that holds GUARDIAN.
 */
async function holderFixture() {
  const ctx = await carbonFixture();
  const { accessManager, participants, signers } = ctx;
  const all = await ethers.getSigners();
  const holder = all[17];
  const unbound = all[18];
  await participants.connect(signers.governor).registerOrganization(HOLDER_ORG, orgKind("Verifier"), 0, ethers.ZeroHash, "ROLE-HOLDER");
  await participants.connect(signers.governor).addAccount(HOLDER_ORG, holder.address);
  for (const role of ROLE_NAMES) await accessManager.grantRole(ROLES[role], holder.address, role === "RECOVERY" ? DELAYS.RECOVERY_EXECUTION : 0);
  await accessManager.grantRole(ROLES.GUARDIAN, unbound.address, 0);
  return { ...ctx, holder, unbound };
}

type Ctx = Awaited<ReturnType<typeof holderFixture>>;

/** One restricted call per role that succeeds for an active holder of the role. */
async function exerciseEveryRole(ctx: Ctx, label: string): Promise<void> {
  const { holder, participants, dataAssets, carbon, settlement, market, auditAnchor, signers, projectKey } = ctx;
  const now = BigInt(await time.latest());
  // MARKET_OPERATOR has no function since the fee became governance (ADMIN); DATA_EXCHANGE none since the registry
  // checks the exchange's address (setExchange) instead of a role.
  const calls: Record<Exclude<RoleName, "ADMIN" | "MARKET_OPERATOR" | "DATA_EXCHANGE">, () => Promise<unknown>> = {
    GOVERNOR: () => participants.connect(holder).registerOrganization(orgId(`ORG-${label}`), orgKind("Business"), 0, ethers.ZeroHash, label),
    REGISTRAR: () => dataAssets.connect(holder).register(registration(`powers-${label}`, signers.agencyA.address)),
    ISSUER: () => carbon.connect(holder).freezeAccount(signers.stranger.address, label),
    VERIFIER: () => carbon.connect(holder).attest(projectKey, now - 1000n, now - 10n, 10n, ethers.id(label)),
    TREASURY: () => settlement.connect(holder).mint(signers.agencyA.address, 1n, ethers.id(label)),
    GUARDIAN: async () => {
      await market.connect(holder).pause();
      await market.connect(holder).unpause();
    },
    RECOVERY: () => ctx.accessManager.connect(holder).schedule(await_(dataAssets), recoverData(ctx, label), 0),
    ANCHORER: async () => {
      const next = (await auditAnchor.lastAnchoredEntryId()) + 1n;
      await auditAnchor.connect(holder).anchor(ethers.id(label), next, next, ethers.id(label));
    },
  };
  for (const [role, call] of Object.entries(calls)) await expect(call(), role).not.to.be.reverted;
}
// A target address for `schedule`, resolved synchronously from the fixture's contract.
const await_ = (contract: { target: unknown }): string => contract.target as string;
/** Calldata of a forced transfer (RECOVERY, always scheduled); its arguments do not matter to the scheduling. */
const recoverData = (ctx: Ctx, reason: string): string =>
  ctx.dataAssets.interface.encodeFunctionData("recover", [1n, ctx.signers.agencyB.address, reason]);

/** Every restricted function of every managed contract refuses `holder` with AccessManagedUnauthorized(holder). */
async function expectPowerless(ctx: Ctx): Promise<void> {
  const targets = managedTargets(ctx);
  for (const name of Object.keys(PERMISSIONS) as ManagedContractName[]) await expectStrangerRefused(targets[name], name, ctx.holder);
  for (const role of ROLE_NAMES) expect((await ctx.accessManager.hasRole(ROLES[role], ctx.holder.address))[0], role).to.equal(false);
  // Scheduling through the manager is refused too.
  const data = recoverData(ctx, "powerless");
  await expect(ctx.accessManager.connect(ctx.holder).schedule(await_(ctx.dataAssets), data, 0))
    .to.be.revertedWithCustomError(ctx.accessManager, "AccessManagerUnauthorizedCall")
    .withArgs(ctx.holder.address, await_(ctx.dataAssets), data.slice(0, 10));
}

describe("CityAccessManager", function () {
  describe("#setParticipantRegistry", function () {
    it("is wired once by deploySystem and cannot be changed", async function () {
      const { accessManager, participants, signers } = await loadFixture(carbonFixture);
      expect(await accessManager.participantRegistry()).to.equal(await participants.getAddress());
      await expect(accessManager.connect(signers.admin).setParticipantRegistry(signers.stranger.address))
        .to.be.revertedWithCustomError(accessManager, "CityAccessManagerParticipantRegistryAlreadySet")
        .withArgs(await participants.getAddress());
    });

    it("is the administrator's, refuses zero, and emits ParticipantRegistrySet", async function () {
      const [admin, other, registry] = await ethers.getSigners();
      const manager = await new CityAccessManager__factory(admin).deploy(admin.address, ethers.ZeroAddress);
      await expect(manager.connect(other).setParticipantRegistry(registry.address))
        .to.be.revertedWithCustomError(manager, "AccessManagerUnauthorizedAccount")
        .withArgs(other.address, ROLES.ADMIN);
      await expect(manager.setParticipantRegistry(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        manager,
        "CityAccessManagerZeroParticipantRegistry",
      );
      await expect(manager.setParticipantRegistry(registry.address)).to.emit(manager, "ParticipantRegistrySet").withArgs(registry.address);
    });
  });

  describe("powers end with the organisation (#hasRole)", function () {
    it("an active holder exercises every role (the baseline the refusals below break)", async function () {
      const ctx = await loadFixture(holderFixture);
      await exerciseEveryRole(ctx, "active");
    });

    it("suspended: every role-gated function of every contract refuses the account; reinstated: powers return", async function () {
      const ctx = await loadFixture(holderFixture);
      await ctx.participants.connect(ctx.signers.governor).suspend(HOLDER_ORG, "investigation");
      await expectPowerless(ctx);
      await ctx.participants.connect(ctx.signers.governor).reinstate(HOLDER_ORG, "cleared");
      await exerciseEveryRole(ctx, "reinstated");
    });

    it("revoked: refused", async function () {
      const ctx = await loadFixture(holderFixture);
      await ctx.participants.connect(ctx.signers.governor).revoke(HOLDER_ORG, "licence withdrawn");
      await expectPowerless(ctx);
    });

    it("expired: still empowered at validUntil, refused from the next second", async function () {
      const ctx = await loadFixture(holderFixture);
      const validUntil = BigInt(await time.latest()) + 1000n;
      await ctx.participants.connect(ctx.signers.governor).updateOrganization(HOLDER_ORG, validUntil, ethers.ZeroHash);
      await time.setNextBlockTimestamp(validUntil);
      await expect(ctx.market.connect(ctx.holder).pause()).to.emit(ctx.market, "Paused");
      await time.increaseTo(validUntil + 1n);
      await expectPowerless(ctx);
    });

    it("removed from its organisation: refused for good (never an unbound account again)", async function () {
      const ctx = await loadFixture(holderFixture);
      await ctx.participants.connect(ctx.signers.governor).removeAccount(ctx.holder.address);
      await expectPowerless(ctx);
    });

    it("a scheduled operation of a holder suspended since cannot be executed", async function () {
      const ctx = await loadFixture(holderFixture);
      const { accessManager, dataAssets, holder } = ctx;
      const data = recoverData(ctx, "scheduled before");
      await accessManager.connect(holder).schedule(await_(dataAssets), data, 0);
      await time.increase(DELAYS.RECOVERY_EXECUTION);
      await ctx.participants.connect(ctx.signers.governor).suspend(HOLDER_ORG, "investigation");
      await expect(accessManager.connect(holder).execute(await_(dataAssets), data))
        .to.be.revertedWithCustomError(accessManager, "AccessManagerUnauthorizedCall")
        .withArgs(holder.address, await_(dataAssets), data.slice(0, 10));
    });

    it("accounts never bound to an organisation keep their roles; ADMIN is not bound by the registry", async function () {
      const ctx = await loadFixture(holderFixture);
      expect(await ctx.participants.mayExercisePowers(ctx.unbound.address)).to.equal(true);
      await expect(ctx.carbon.connect(ctx.unbound).pause()).to.emit(ctx.carbon, "Paused").withArgs(ctx.unbound.address);
      expect((await ctx.accessManager.hasRole(ROLES.ADMIN, ctx.signers.admin.address))[0]).to.equal(true);
    });
  });
});

const ADMIN_DELAY = 24 * 3600;

/**
 * The system deployed with an administrator who acts only through scheduled operations (adminExecutionDelay one
 * day), the guardian granted through such an operation, and batch 1 issued (for the credit URI).
 */
async function governedFixture() {
  const signers = await ethers.getSigners();
  const [admin, guardian, other] = [signers[0], signers[11], signers[14]];
  const { deploySystem } = await import("../../scripts/lib/system");
  const system = await deploySystem(admin, { adminGrantDelay: 0, adminExecutionDelay: ADMIN_DELAY });
  const { accessManager } = system;
  const grant = accessManager.interface.encodeFunctionData("grantRole", [ROLES.GUARDIAN, guardian.address, 0]);
  await accessManager.schedule(await accessManager.getAddress(), grant, 0);
  await time.increase(ADMIN_DELAY);
  await accessManager.execute(await accessManager.getAddress(), grant);
  return { ...system, admin, guardian, other };
}

describe("CityAccessManager governance (deploySystem adminExecutionDelay)", function () {
  it("puts the delay on the administrator's ADMIN membership and GUARDIAN over every other role, on chain", async function () {
    const { accessManager, admin } = await loadFixture(governedFixture);
    const [since, currentDelay, pendingDelay, effect] = await accessManager.getAccess(ROLES.ADMIN, admin.address);
    expect(since).to.be.greaterThan(0n);
    expect(currentDelay).to.equal(BigInt(ADMIN_DELAY));
    expect(pendingDelay).to.equal(0n);
    expect(effect).to.equal(0n);
    expect(await accessManager.hasRole(ROLES.ADMIN, admin.address)).to.deep.equal([true, BigInt(ADMIN_DELAY)]);
    for (const role of ROLE_NAMES) expect(await accessManager.getRoleGuardian(ROLES[role]), role).to.equal(ROLES.GUARDIAN);
  });

  it("keeps the default of 0 (the administrator acts at once) when no delay is asked for", async function () {
    const { accessManager, signers } = await loadFixture(carbonFixture);
    expect((await accessManager.getAccess(ROLES.ADMIN, signers.admin.address))[1]).to.equal(0n);
  });

  /** Each governed action: target, calldata, and the event its execution emits. */
  async function governedActions(ctx: Awaited<ReturnType<typeof governedFixture>>) {
    const { accessManager, dataAssets, carbon, market, exchange, participants, other } = ctx;
    const manager = await accessManager.getAddress();
    // A successor authority (AccessManaged refuses an address without code).
    const successor = await new CityAccessManager__factory(ctx.admin).deploy(ctx.admin.address, ethers.ZeroAddress);
    return [
      { name: "grantRole", target: manager, contract: accessManager, event: "RoleGranted", data: accessManager.interface.encodeFunctionData("grantRole", [ROLES.ISSUER, other.address, 0]) },
      { name: "revokeRole", target: manager, contract: accessManager, event: "RoleRevoked", data: accessManager.interface.encodeFunctionData("revokeRole", [ROLES.GUARDIAN, ctx.guardian.address]) },
      {
        name: "updateAuthority (setAuthority of a contract)",
        target: manager,
        contract: participants,
        event: "AuthorityUpdated",
        data: accessManager.interface.encodeFunctionData("updateAuthority", [await participants.getAddress(), await successor.getAddress()]),
      },
      { name: "DataAssetRegistry.setBaseURI", target: await dataAssets.getAddress(), contract: dataAssets, event: "BaseURIChanged", data: dataAssets.interface.encodeFunctionData("setBaseURI", ["https://x/metadata/datasets/"]) },
      { name: "CarbonCreditRegistry.setURI", target: await carbon.getAddress(), contract: carbon, event: "BaseURIChanged", data: carbon.interface.encodeFunctionData("setURI", ["https://x/metadata/credits/"]) },
      { name: "CarbonMarket.setFee", target: await market.getAddress(), contract: market, event: "FeeChanged", data: market.interface.encodeFunctionData("setFee", [0, ethers.ZeroAddress]) },
      { name: "DataExchange.setFee", target: await exchange.getAddress(), contract: exchange, event: "FeeChanged", data: exchange.interface.encodeFunctionData("setFee", [0, ethers.ZeroAddress]) },
    ];
  }

  it("refuses every ADMIN action sent directly, early execution, and runs it after the delay", async function () {
    const ctx = await loadFixture(governedFixture);
    const { accessManager, admin } = ctx;
    for (const action of await governedActions(ctx)) {
      const operationId = await accessManager.hashOperation(admin.address, action.target, action.data);
      await expect(admin.sendTransaction({ to: action.target, data: action.data }), action.name)
        .to.be.revertedWithCustomError(accessManager, "AccessManagerNotScheduled")
        .withArgs(operationId);
      await expect(accessManager.schedule(action.target, action.data, 0), action.name).to.emit(accessManager, "OperationScheduled");
      const when = await accessManager.getSchedule(operationId);
      expect(when, action.name).to.equal(BigInt(await time.latest()) + BigInt(ADMIN_DELAY));
      await time.setNextBlockTimestamp(when - 1n);
      await expect(accessManager.execute(action.target, action.data), action.name)
        .to.be.revertedWithCustomError(accessManager, "AccessManagerNotReady")
        .withArgs(operationId);
      await time.setNextBlockTimestamp(when);
      await expect(accessManager.execute(action.target, action.data), action.name).to.emit(action.contract, action.event);
    }
  });

  it("lets the guardian cancel any scheduled operation, the administrator's included; others may not", async function () {
    const ctx = await loadFixture(governedFixture);
    const { accessManager, admin, guardian, other } = ctx;
    for (const action of await governedActions(ctx)) {
      await accessManager.schedule(action.target, action.data, 0);
      const operationId = await accessManager.hashOperation(admin.address, action.target, action.data);
      await expect(accessManager.connect(other).cancel(admin.address, action.target, action.data), action.name)
        .to.be.revertedWithCustomError(accessManager, "AccessManagerUnauthorizedCancel")
        .withArgs(other.address, admin.address, action.target, action.data.slice(0, 10));
      await expect(accessManager.connect(guardian).cancel(admin.address, action.target, action.data), action.name)
        .to.emit(accessManager, "OperationCanceled")
        .withArgs(operationId, 1n);
      await time.increase(ADMIN_DELAY);
      await expect(accessManager.execute(action.target, action.data), action.name)
        .to.be.revertedWithCustomError(accessManager, "AccessManagerNotScheduled")
        .withArgs(operationId);
    }
  });
});

import type { Signer } from "ethers";
import { ethers } from "ethers";
import {
  AuditAnchor__factory,
  CarbonCreditRegistry__factory,
  CarbonMarket__factory,
  CityAccessManager__factory,
  CityForwarder__factory,
  DataAssetRegistry__factory,
  DataExchange__factory,
  ParticipantRegistry__factory,
  SettlementToken__factory,
  type AuditAnchor,
  type CarbonCreditRegistry,
  type CarbonMarket,
  type CityAccessManager,
  type CityForwarder,
  type DataAssetRegistry,
  type DataExchange,
  type ParticipantRegistry,
  type SettlementToken,
} from "../../typechain-types";
import { PERMISSIONS, type ManagedContractName } from "./permissions";
import { DELAYS, ROLES, ROLE_LABELS, orgKind, type RoleName } from "./roles";

/**
 * The Operator organisation whose account is the market contract itself: escrowed credits sit in the market, and
 * credits only move between active participants, so the market must be one.
 */
export const MARKET_ORG = {
  code: "CITY-MARKET",
  id: ethers.encodeBytes32String("CITY-MARKET"),
  name: "City carbon market (escrow)",
} as const;

/** The Operator organisation whose account is the data exchange contract, so its role-gated licence grants come from an active participant. */
export const EXCHANGE_ORG = {
  code: "CITY-EXCHANGE",
  id: ethers.encodeBytes32String("CITY-EXCHANGE"),
  name: "City data exchange",
} as const;

export interface SystemContracts {
  /** The ERC-2771 forwarder that every participant-facing contract (and the AccessManager) trusts. */
  forwarder: CityForwarder;
  accessManager: CityAccessManager;
  participants: ParticipantRegistry;
  dataAssets: DataAssetRegistry;
  carbon: CarbonCreditRegistry;
  settlement: SettlementToken;
  market: CarbonMarket;
  auditAnchor: AuditAnchor;
  exchange: DataExchange;
}

/**
 * The factory of each contract of the system, by its key in SystemContracts. scripts/lib/deployment.ts uses their
 * creation bytecode to tell whether a recorded deployment is the current build.
 */
export const SYSTEM_FACTORIES = {
  forwarder: CityForwarder__factory,
  accessManager: CityAccessManager__factory,
  participants: ParticipantRegistry__factory,
  dataAssets: DataAssetRegistry__factory,
  carbon: CarbonCreditRegistry__factory,
  settlement: SettlementToken__factory,
  market: CarbonMarket__factory,
  auditAnchor: AuditAnchor__factory,
  exchange: DataExchange__factory,
} as const satisfies Record<keyof SystemContracts, SystemFactory>;

interface SystemFactory {
  readonly bytecode: string;
  connect(address: string, runner?: ethers.ContractRunner | null): ethers.BaseContract;
}

export interface DeployOptions {
  /** Delay before a newly granted administrator can act (seconds). Tests pass 0 where they need to. */
  adminGrantDelay?: number;
  /**
   * Execution delay (seconds) of the deploying administrator's ADMIN membership, set as the last step: when > 0, every
   * ADMIN action (role grants and revocations, setAuthority through updateAuthority, base URIs, the market fee, the
   * permission table) must be scheduled, waits this long, and the GUARDIAN can cancel it meanwhile. Default 0 (the
   * administrator acts at once), which the gateway's bootstrap still needs; production passes ADMIN_DELAY.
   */
  adminExecutionDelay?: number;
  /** Called after each transaction is mined, so a deploy script can log progress. */
  onStep?: (step: string) => void;
}

/**
 * Deploys the whole system with `admin` as the city administrator and wires the permission table.
 * Tests and scripts/deploy.ts both go through here, so tests exercise the production wiring.
 */
export async function deploySystem(admin: Signer, options: DeployOptions = {}): Promise<SystemContracts> {
  const step = options.onStep ?? (() => undefined);
  const adminAddress = await admin.getAddress();

  // First, so the deployment record's first block is the forwarder's and every contract can name it as trusted.
  const forwarder = await new CityForwarder__factory(admin).deploy();
  await forwarder.waitForDeployment();
  step("CityForwarder deployed");
  const forwarderAddress = await forwarder.getAddress();

  const accessManager = await new CityAccessManager__factory(admin).deploy(adminAddress, forwarderAddress);
  await accessManager.waitForDeployment();
  step("CityAccessManager deployed");
  const authority = await accessManager.getAddress();

  const participants = await new ParticipantRegistry__factory(admin).deploy(authority, forwarderAddress);
  await participants.waitForDeployment();
  step("ParticipantRegistry deployed");
  const participantsAddress = await participants.getAddress();
  // From here on an account of an inactive organisation holds no role but ADMIN/PUBLIC (CityAccessManager.hasRole).
  await (await accessManager.setParticipantRegistry(participantsAddress)).wait();
  step("CityAccessManager: participant registry wired in");

  const dataAssets = await new DataAssetRegistry__factory(admin).deploy(authority, participantsAddress, forwarderAddress);
  await dataAssets.waitForDeployment();
  step("DataAssetRegistry deployed");

  const carbon = await new CarbonCreditRegistry__factory(admin).deploy(authority, participantsAddress, forwarderAddress);
  await carbon.waitForDeployment();
  step("CarbonCreditRegistry deployed");
  const settlement = await new SettlementToken__factory(admin).deploy(authority, participantsAddress, forwarderAddress);
  await settlement.waitForDeployment();
  step("SettlementToken deployed");
  const market = await new CarbonMarket__factory(admin).deploy(
    authority,
    await carbon.getAddress(),
    await settlement.getAddress(),
    forwarderAddress,
  );
  await market.waitForDeployment();
  step("CarbonMarket deployed");

  const auditAnchor = await new AuditAnchor__factory(admin).deploy(authority);
  await auditAnchor.waitForDeployment();
  step("AuditAnchor deployed");

  // Participants with their own keys offer and buy through the forwarder.
  const exchange = await new DataExchange__factory(admin).deploy(
    authority,
    await dataAssets.getAddress(),
    await settlement.getAddress(),
    forwarderAddress,
  );
  await exchange.waitForDeployment();
  step("DataExchange deployed");

  const contracts: SystemContracts = { forwarder, accessManager, participants, dataAssets, carbon, settlement, market, auditAnchor, exchange };
  await applyPermissions(contracts, step);
  await bootstrapMarket(contracts, admin, step);
  await labelRoles(accessManager, step);
  await (await accessManager.setGrantDelay(ROLES.ADMIN, options.adminGrantDelay ?? DELAYS.ADMIN_GRANT)).wait();
  step("admin grant delay set");
  const adminExecutionDelay = options.adminExecutionDelay ?? 0;
  if (adminExecutionDelay > 0) {
    // Re-granting a held role only sets its execution delay; an increase applies at once. Last, since from now on
    // the administrator schedules everything.
    await (await accessManager.grantRole(ROLES.ADMIN, adminAddress, adminExecutionDelay)).wait();
    step(`administrator's execution delay set to ${adminExecutionDelay} s`);
  }
  return contracts;
}

/** The contract instance that each name of the permission table refers to. */
export function managedTargets(contracts: SystemContracts): Record<ManagedContractName, ethers.BaseContract> {
  return {
    ParticipantRegistry: contracts.participants,
    DataAssetRegistry: contracts.dataAssets,
    CarbonCreditRegistry: contracts.carbon,
    SettlementToken: contracts.settlement,
    CarbonMarket: contracts.market,
    AuditAnchor: contracts.auditAnchor,
    DataExchange: contracts.exchange,
  };
}

async function applyPermissions(contracts: SystemContracts, step: (s: string) => void): Promise<void> {
  const targets = managedTargets(contracts);
  for (const [name, byRole] of Object.entries(PERMISSIONS) as [ManagedContractName, Partial<Record<RoleName, readonly string[]>>][]) {
    const target = targets[name];
    for (const [role, functions] of Object.entries(byRole) as [RoleName, readonly string[]][]) {
      const selectors = functions.map((fn) => {
        const fragment = target.interface.getFunction(fn);
        if (!fragment) throw new Error(`${name} has no function ${fn} (permission table out of date)`);
        return fragment.selector;
      });
      await (await contracts.accessManager.setTargetFunctionRole(await target.getAddress(), selectors, ROLES[role])).wait();
      step(`${name}: ${functions.length} functions restricted to ${role}`);
    }
  }
}

/**
 * Makes the market contract an account of the Operator organisation MARKET_ORG and tells the registry which market
 * may retire from escrow. Registering an organisation is GOVERNOR's job, so the administrator holds that role for
 * these two calls only and renounces it (all three role changes are on chain for auditors to see).
 */
async function bootstrapMarket(contracts: SystemContracts, admin: Signer, step: (s: string) => void): Promise<void> {
  const { accessManager, participants, carbon, market } = contracts;
  const adminAddress = await admin.getAddress();
  const marketAddress = await market.getAddress();
  await (await accessManager.grantRole(ROLES.GOVERNOR, adminAddress, 0)).wait();
  await (
    await participants.registerOrganization(MARKET_ORG.id, orgKind("Operator"), 0, ethers.ZeroHash, MARKET_ORG.name)
  ).wait();
  await (await participants.addAccount(MARKET_ORG.id, marketAddress)).wait();
  const exchangeAddress = await contracts.exchange.getAddress();
  await (
    await participants.registerOrganization(EXCHANGE_ORG.id, orgKind("Operator"), 0, ethers.ZeroHash, EXCHANGE_ORG.name)
  ).wait();
  await (await participants.addAccount(EXCHANGE_ORG.id, exchangeAddress)).wait();
  await (await accessManager.renounceRole(ROLES.GOVERNOR, adminAddress)).wait();
  step("market registered as an account of the Operator organisation " + MARKET_ORG.code);
  await (await carbon.setMarket(marketAddress)).wait();
  step("CarbonCreditRegistry: market set");
  // The exchange alone may grant the licences it sells.
  await (await contracts.dataAssets.setExchange(exchangeAddress)).wait();
  step("exchange registered as an account of " + EXCHANGE_ORG.code + "; DataAssetRegistry: exchange set");
}

/**
 * Labels every role and makes GUARDIAN the guardian of every role but ADMIN (OZ allows none for ADMIN; the
 * CityAccessManager lets GUARDIAN cancel the administrator's operations too), so it can cancel any scheduled operation.
 */
async function labelRoles(accessManager: CityAccessManager, step: (s: string) => void): Promise<void> {
  for (const [role, id] of Object.entries(ROLES) as [RoleName, bigint][]) {
    if (id === ROLES.ADMIN) continue; // OZ refuses to relabel the admin role or give it a guardian
    await (await accessManager.labelRole(id, ROLE_LABELS[role])).wait();
    await (await accessManager.setRoleGuardian(id, ROLES.GUARDIAN)).wait();
  }
  step("roles labelled; GUARDIAN guards every role");
}

import type { Signer } from "ethers";
import { ethers } from "ethers";
import {
  AuditAnchor__factory,
  CityAccessManager__factory,
  DataAssetRegistry__factory,
  ParticipantRegistry__factory,
  type AuditAnchor,
  type CityAccessManager,
  type DataAssetRegistry,
  type ParticipantRegistry,
} from "../../typechain-types";
import { PERMISSIONS, type ManagedContractName } from "./permissions";
import { DELAYS, ROLES, ROLE_LABELS, type RoleName } from "./roles";

export interface SystemContracts {
  accessManager: CityAccessManager;
  participants: ParticipantRegistry;
  dataAssets: DataAssetRegistry;
  auditAnchor: AuditAnchor;
}

/**
 * The factory of each contract of the system, by its key in SystemContracts. scripts/lib/deployment.ts uses their
 * creation bytecode to tell whether a recorded deployment is the current build.
 */
export const SYSTEM_FACTORIES = {
  accessManager: CityAccessManager__factory,
  participants: ParticipantRegistry__factory,
  dataAssets: DataAssetRegistry__factory,
  auditAnchor: AuditAnchor__factory,
} as const satisfies Record<keyof SystemContracts, SystemFactory>;

interface SystemFactory {
  readonly bytecode: string;
  connect(address: string, runner?: ethers.ContractRunner | null): ethers.BaseContract;
}

export interface DeployOptions {
  /** Delay before a newly granted administrator can act (seconds). Tests pass 0 where they need to. */
  adminGrantDelay?: number;
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

  const accessManager = await new CityAccessManager__factory(admin).deploy(adminAddress);
  await accessManager.waitForDeployment();
  step("CityAccessManager deployed");
  const authority = await accessManager.getAddress();

  const participants = await new ParticipantRegistry__factory(admin).deploy(authority);
  await participants.waitForDeployment();
  step("ParticipantRegistry deployed");

  const dataAssets = await new DataAssetRegistry__factory(admin).deploy(authority, await participants.getAddress());
  await dataAssets.waitForDeployment();
  step("DataAssetRegistry deployed");

  const auditAnchor = await new AuditAnchor__factory(admin).deploy(authority);
  await auditAnchor.waitForDeployment();
  step("AuditAnchor deployed");

  const contracts: SystemContracts = { accessManager, participants, dataAssets, auditAnchor };
  await applyPermissions(contracts, step);
  await labelRoles(accessManager, step);
  await (await accessManager.setGrantDelay(ROLES.ADMIN, options.adminGrantDelay ?? DELAYS.ADMIN_GRANT)).wait();
  step("admin grant delay set");
  return contracts;
}

/** The contract instance that each name of the permission table refers to. */
export function managedTargets(contracts: SystemContracts): Record<ManagedContractName, ethers.BaseContract> {
  return {
    ParticipantRegistry: contracts.participants,
    DataAssetRegistry: contracts.dataAssets,
    AuditAnchor: contracts.auditAnchor,
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

async function labelRoles(accessManager: CityAccessManager, step: (s: string) => void): Promise<void> {
  for (const [role, id] of Object.entries(ROLES) as [RoleName, bigint][]) {
    if (id === ROLES.ADMIN) continue; // OZ refuses to relabel the admin role
    await (await accessManager.labelRole(id, ROLE_LABELS[role])).wait();
  }
  step("roles labelled");
}

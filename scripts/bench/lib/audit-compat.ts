import { Interface } from "ethers";
import type Database from "better-sqlite3";
import type { AuditDeployment } from "../../audit/audit-chain";
import { CONTRACT_ABIS } from "../../lib/abis";
import type { DeploymentRecord } from "../../lib/deployment";
import type { Projection } from "../../../server/indexer/projection";
import { orgOfAccount, participantsProjection } from "../../../server/indexer/projections/participants";

/** The contract names the audit tool and the indexer know, for the deployment record's keys. */
const NAMES: Record<string, string> = {
  accessManager: "CityAccessManager",
  participants: "ParticipantRegistry",
  dataAssets: "DataAssetRegistry",
  carbon: "CarbonCreditRegistry",
  settlement: "SettlementToken",
  market: "CarbonMarket",
  auditAnchor: "AuditAnchor",
};

const known = (record: DeploymentRecord) =>
  Object.entries(record.contracts)
    .map(([key, c]) => [NAMES[key], c.address] as const)
    .filter(([name]) => name in CONTRACT_ABIS);

/** The record as the audit tool takes it: every contract it knows, by name. */
export function auditDeploymentOf(record: DeploymentRecord): AuditDeployment {
  return { chainId: record.chainId, deploymentBlock: record.deploymentBlock, contracts: Object.fromEntries(known(record)) };
}

export function indexerContractsOf(record: DeploymentRecord) {
  return Object.fromEntries(
    known(record).map(([name, address]) => [name, { address, abi: new Interface(CONTRACT_ABIS[name as keyof typeof CONTRACT_ABIS]) }]),
  );
}

export function indexerProjections(): Projection[] {
  return [participantsProjection];
}

export function actorOrgResolver(): (db: Database.Database, account: string) => string | null {
  return orgOfAccount;
}

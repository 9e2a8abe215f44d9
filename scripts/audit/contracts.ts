import { Interface } from "ethers";
import { CONTRACT_ABIS, contractNameOf, type ContractName } from "../lib/abis";
import type { ContractAddresses } from "./history";

/**
 * The part of a deployment record the audit needs: scripts/lib/deployment.ts writes its contracts keyed as in
 * SystemContracts (`dataAssets: { address, codeHash, … }`); contract names and bare addresses are accepted too.
 */
export interface AuditDeployment {
  chainId: number | string;
  deploymentBlock: number;
  contracts: Record<string, string | { address: string; codeHash?: string }>;
}

export interface ResolvedDeployment {
  /** Address and ABI of every contract, by contract name. */
  contracts: ContractAddresses;
  /** Runtime code hashes the record states, by contract name. */
  codeHashes: Partial<Record<ContractName, string>>;
  /** Keys of the record that name no contract this tool knows. */
  unknown: string[];
}

export class DeploymentRecordError extends Error {
  override name = "DeploymentRecordError";
}

/** Maps a deployment record onto contract names and ABIs; refuses a record that lacks a contract of the system. */
export function resolveDeployment(deployment: AuditDeployment): ResolvedDeployment {
  const contracts: ContractAddresses = {};
  const codeHashes: Partial<Record<ContractName, string>> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(deployment.contracts ?? {})) {
    const name = contractNameOf(key);
    if (!name) {
      unknown.push(key);
      continue;
    }
    const address = typeof value === "string" ? value : value.address;
    contracts[name] = { address, abi: new Interface(CONTRACT_ABIS[name]) };
    if (typeof value !== "string" && value.codeHash) codeHashes[name] = value.codeHash;
  }
  const missing = (Object.keys(CONTRACT_ABIS) as ContractName[]).filter((name) => !contracts[name]);
  if (missing.length > 0) {
    throw new DeploymentRecordError(`the deployment record has no ${missing.join(", ")}; an audit needs every contract of the system`);
  }
  return { contracts, codeHashes, unknown };
}

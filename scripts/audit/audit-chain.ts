import { keccak256, type Provider } from "ethers";
import { verifyActionLog, type ActionLogEntry } from "../lib/action-log";
import type { ContractName } from "../lib/abis";
import { RpcChainView } from "./chain-view";
import { resolveDeployment, type AuditDeployment, type ResolvedDeployment } from "./contracts";
import { runAudit } from "./engine";
import { fetchHistory } from "./history";
import { createModules } from "./modules";
import { AnchorsModule } from "./modules/anchors";
import type { AuditReport, Discrepancy } from "./types";

export type { AuditDeployment } from "./contracts";

export interface AuditOptions {
  provider: Provider;
  deployment: AuditDeployment;
  /** The block to audit up to and compare at; the latest block when omitted. */
  toBlock?: number;
  /** An exported gateway action log to verify against the anchors. */
  actionLog?: ActionLogEntry[];
  chunkSize?: number;
}

/** Audits a deployment over JSON-RPC alone: trusts nothing but the chain (and the deployment's addresses). */
export async function auditChain(options: AuditOptions): Promise<AuditReport> {
  const { provider, deployment } = options;
  const network = await provider.getNetwork();
  if (BigInt(deployment.chainId) !== network.chainId) {
    throw new Error(`the deployment record is for chain ${deployment.chainId} but the RPC endpoint serves chain ${network.chainId}`);
  }
  const resolved = resolveDeployment(deployment);
  const toBlock = options.toBlock ?? (await provider.getBlockNumber());
  const chain = new RpcChainView(provider, resolved.contracts, toBlock);
  const modules = createModules();
  const anchors = modules.find((m): m is AnchorsModule => m instanceof AnchorsModule);
  return runAudit({
    chainId: Number(network.chainId),
    fromBlock: deployment.deploymentBlock,
    toBlock,
    chain,
    modules,
    events: fetchHistory(provider, resolved.contracts, deployment.deploymentBlock, toBlock, options.chunkSize),
    extraChecks: [
      { module: "deployment", description: "the deployment record names only contracts this tool knows, and the code at each address is the code it records" },
      ...(options.actionLog ? [{ module: "gateway log", description: "the exported action log is complete, unaltered and in order against the anchored Merkle roots" }] : []),
    ],
    extra: async () => [
      ...(await deploymentDiscrepancies(provider, resolved, toBlock)),
      ...(options.actionLog && anchors ? logDiscrepancies(options.actionLog, anchors) : []),
    ],
  });
}

/** The record must name only known contracts, and the code at each address must be the code it recorded. */
async function deploymentDiscrepancies(provider: Provider, resolved: ResolvedDeployment, toBlock: number): Promise<Discrepancy[]> {
  const found: Discrepancy[] = resolved.unknown.map((key) => ({
    check: "deployment record",
    message: `the deployment record names a contract "${key}" that this audit tool does not know, so its events were not audited`,
  }));
  for (const [name, codeHash] of Object.entries(resolved.codeHashes) as [ContractName, string][]) {
    const address = resolved.contracts[name].address;
    const actual = keccak256(await provider.getCode(address, toBlock));
    if (actual !== codeHash.toLowerCase()) {
      found.push({
        check: "deployment record",
        message: `the code at ${name} (${address}) is not the code the deployment record names`,
        details: { recorded: codeHash, onChain: actual },
      });
    }
  }
  return found;
}

function logDiscrepancies(entries: ActionLogEntry[], anchors: AnchorsModule): Discrepancy[] {
  return verifyActionLog(entries, anchors.anchors).map((p) => ({
    check: "gateway action log matches its anchors",
    message: p.message,
    details: { entryId: p.entryId, anchorId: p.anchorId, problem: p.problem },
  }));
}

import { Interface, type Provider } from "ethers";
import { CONTRACT_ABIS, type ContractName } from "../lib/abis";
import { verifyActionLog, type ActionLogEntry } from "../lib/action-log";
import { RpcChainView } from "./chain-view";
import { runAudit } from "./engine";
import { fetchHistory } from "./history";
import { createModules } from "./modules";
import { AnchorsModule } from "./modules/anchors";
import type { AuditReport, Discrepancy } from "./types";

/** The part of a deployment record the audit needs. Addresses may be given as strings or `{ address }`. */
export interface AuditDeployment {
  chainId: number | string;
  deploymentBlock: number;
  contracts: Record<string, string | { address: string }>;
}

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
  const toBlock = options.toBlock ?? (await provider.getBlockNumber());
  const contracts = Object.fromEntries(
    Object.entries(deployment.contracts)
      .filter(([name]) => name in CONTRACT_ABIS)
      .map(([name, value]) => [name, { address: typeof value === "string" ? value : value.address, abi: new Interface(CONTRACT_ABIS[name as ContractName]) }]),
  );
  const chain = new RpcChainView(provider, contracts, toBlock);
  const modules = createModules();
  const anchors = modules.find((m): m is AnchorsModule => m instanceof AnchorsModule);
  return runAudit({
    chainId: Number(network.chainId),
    fromBlock: deployment.deploymentBlock,
    toBlock,
    chain,
    modules,
    events: fetchHistory(provider, contracts, deployment.deploymentBlock, toBlock, options.chunkSize),
    extra: async () => (options.actionLog && anchors ? logDiscrepancies(options.actionLog, anchors) : []),
  });
}

function logDiscrepancies(entries: ActionLogEntry[], anchors: AnchorsModule): Discrepancy[] {
  return verifyActionLog(entries, anchors.anchors).map((p) => ({
    check: "gateway action log matches its anchors",
    message: p.message,
    details: { entryId: p.entryId, anchorId: p.anchorId, problem: p.problem },
  }));
}

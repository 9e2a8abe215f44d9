import type { Provider } from "ethers";
import { verifyActionLog, type ActionLogEntry } from "../lib/action-log";
import { RpcChainView } from "./chain-view";
import { resolveDeployment, type AuditDeployment } from "./contracts";
import { DEPLOYMENT_CHECKS, deploymentDiscrepancies } from "./deployment-check";
import { LOG_CHECKS, logCompleteness } from "./log-completeness";
import { transactionsOf, type EntryExtensions } from "./log-export";
import { runAudit } from "./engine";
import { fetchHistory } from "./history";
import { createModules } from "./modules";
import { AccessModule } from "./modules/access";
import { AnchorsModule } from "./modules/anchors";
import { RelaysModule } from "./modules/relays";
import type { AuditReport, Discrepancy, SubjectSection } from "./types";

export type { AuditDeployment } from "./contracts";

export interface AuditOptions {
  provider: Provider;
  /** The URL of `provider`, for messages. */
  providerUrl?: string;
  /** More endpoints of the same network (`--rpc` repeated): each must serve the same blocks. */
  otherProviders?: { url: string; provider: Provider }[];
  deployment: AuditDeployment;
  /** The block to audit up to and compare at; the latest block when omitted. */
  toBlock?: number;
  /** An exported gateway action log to verify against the anchors. */
  actionLog?: ActionLogEntry[];
  /** The gateway-held accounts the log export declares; every transaction of each must be named by an anchored entry. */
  gatewayAccounts?: string[];
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
  const anchors = modules.find((m): m is AnchorsModule => m instanceof AnchorsModule)!;
  const access = modules.find((m): m is AccessModule => m instanceof AccessModule)!;
  const relays = modules.find((m): m is RelaysModule => m instanceof RelaysModule)!;
  return runAudit({
    chainId: Number(network.chainId),
    fromBlock: deployment.deploymentBlock,
    toBlock,
    chain,
    modules,
    events: fetchHistory(provider, resolved.contracts, deployment.deploymentBlock, toBlock, options.chunkSize),
    extraChecks: [
      { module: "deployment", description: "the deployment record names only contracts this tool knows, and the code at each address is the code it records" },
      ...Object.values(DEPLOYMENT_CHECKS).slice(1).map((description) => ({ module: "deployment", description })),
      ...(options.actionLog ? logChecks(options.gatewayAccounts) : []),
    ],
    extraSubjects: () => (options.actionLog ? [logSubjects(options.actionLog)] : []),
    extra: async () => [
      ...(await deploymentDiscrepancies({
        provider,
        providerUrl: options.providerUrl,
        otherProviders: options.otherProviders,
        resolved,
        deploymentBlock: deployment.deploymentBlock,
        toBlock,
        access,
        blocksToCompare: anchors.anchors.map((a) => a.at.blockNumber),
      })),
      ...(options.actionLog ? logDiscrepancies(options.actionLog, anchors) : []),
      ...(options.actionLog
        ? await logCompleteness({
            provider,
            entries: options.actionLog,
            anchors: anchors.anchors,
            declared: options.gatewayAccounts,
            relayed: relays.relayed,
            toBlock,
            deploymentBlock: deployment.deploymentBlock,
            setupEndBlock: access.setupEndBlock ?? deployment.deploymentBlock,
          })
        : []),
    ],
  });
}

/** The log entries checked, named: who asked for what, when, with which answer and transactions. */
function logSubjects(entries: ActionLogEntry[]): SubjectSection {
  const items = entries.map((e) => {
    const txs = transactionsOf(e);
    const signer = (e as ActionLogEntry & EntryExtensions).signer;
    return { id: `entry ${e.id}`, text: `${e.at} ${e.org} ${e.action} → ${e.status}${signer ? `, signed by ${signer}` : ""}${txs.length ? `, transaction${txs.length > 1 ? "s" : ""} ${txs.join(", ")}` : ""}` };
  });
  return { title: "Gateway action-log entries", total: items.length, items };
}

function logChecks(declared: string[] | undefined): { module: string; description: string }[] {
  const descriptions: string[] = [
    "the exported action log is complete, unaltered and in order against the anchored Merkle roots",
    LOG_CHECKS.onChain,
    LOG_CHECKS.order,
    LOG_CHECKS.relayed,
    ...(declared
      ? [LOG_CHECKS.accounts, `${LOG_CHECKS.complete} (${declared.length} declared: ${declared.join(", ")})`]
      : ["NOT CHECKED: the export declares no gateway accounts, so transactions the gateway sent without an entry can be found only among relayed requests"]),
  ];
  return descriptions.map((description) => ({ module: "gateway log", description }));
}

function logDiscrepancies(entries: ActionLogEntry[], anchors: AnchorsModule): Discrepancy[] {
  return verifyActionLog(entries, anchors.anchors).map((p) => ({
    check: "gateway action log matches its anchors",
    message: p.message,
    details: { entryId: p.entryId, anchorId: p.anchorId, problem: p.problem },
  }));
}

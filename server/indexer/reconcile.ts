import type Database from "better-sqlite3";
import type { Provider } from "ethers";
import { RpcChainView } from "../../scripts/audit/chain-view";
import { runAudit } from "../../scripts/audit/engine";
import type { ContractAddresses } from "../../scripts/audit/history";
import { createModules } from "../../scripts/audit/modules";
import type { AuditReport } from "../../scripts/audit/types";
import { indexedEvents } from "./queries";
import { PROJECTION_CHECKS, projectionDiscrepancies } from "./reconcile-projections";

/**
 * The auditor's reconciliation run over the gateway's own index instead of RPC logs: replays the indexed events
 * and compares the result with the contracts at the block the index has reached (a row missing from or added to the
 * index shows up as a difference from the chain), then compares the read model the API serves with the same views.
 */
export async function reconcileIndex(options: {
  db: Database.Database;
  provider: Provider;
  contracts: ContractAddresses;
  chainId: number;
  fromBlock: number;
}): Promise<AuditReport> {
  const cursor = options.db.prepare("SELECT block_number FROM idx_cursor WHERE id = 1").get() as { block_number: number } | undefined;
  const toBlock = cursor?.block_number ?? options.fromBlock;
  const chain = new RpcChainView(options.provider, options.contracts, toBlock);
  return runAudit({
    chainId: options.chainId,
    fromBlock: options.fromBlock,
    toBlock,
    events: indexedEvents(options.db),
    chain,
    modules: createModules(),
    extraChecks: PROJECTION_CHECKS,
    extra: () => projectionDiscrepancies(options.db, chain),
  });
}

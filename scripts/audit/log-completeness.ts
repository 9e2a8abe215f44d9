import { getAddress, type Provider } from "ethers";
import type { ActionLogEntry, AnchorRecord } from "../lib/action-log";
import { mapConcurrent, VIEW_CALLS_IN_FLIGHT } from "./engine";
import { REFUSED_BY_NODE, transactionsOf, type EntryExtensions } from "./log-export";
import type { RelayedRequest } from "./modules/relays";
import type { Discrepancy, Location } from "./types";

export const LOG_CHECKS = {
  onChain: "every anchored entry's transactions are on chain, each named by one request (replays of it aside)",
  accounts: "every transaction the log names or the anchors were sent with comes from a declared gateway account",
  complete: "every transaction of a declared gateway account is named by an anchored entry",
  relayed: "every request relayed through the Forwarder is named by an anchored entry, with its signer",
  order: "entries name each account's transactions in nonce order",
} as const;

export interface LogCompletenessInput {
  provider: Provider;
  entries: readonly ActionLogEntry[];
  /** The anchors as replayed from the chain, with the transaction and block of each. */
  anchors: readonly (AnchorRecord & { at: Location })[];
  /** Accounts the export declares the gateway holds; undefined when it declares none. */
  declared?: readonly string[];
  relayed: readonly RelayedRequest[];
  toBlock: number;
  /** Transactions an account sent before the deployment block are not this system's. */
  deploymentBlock: number;
  /** Transactions in or before this block that the deployment itself sent (deploySystem), not the gateway's. */
  setupEndBlock: number;
}

interface ChainTx {
  hash: string;
  from: string;
  nonce: number;
  blockNumber: number | null;
}

/**
 * Proves the gateway's log complete in both directions against the chain (DESIGN.md "Trust model", rule 3):
 * - each anchored entry's transactions are on chain (an entry naming one that is not is "extra"), named by one entry;
 * - every request relayed through the Forwarder up to the last anchor's cut-off is named by an anchored entry, whose
 *   signer (when the entry records it) is the request's;
 * - for each declared gateway account, every nonce it used up to the cut-off is a transaction named by an anchored
 *   entry, an anchor, or the deployment's setup; a missing one is found on chain and reported by its hash.
 * The cut-off is the block of the last-but-one anchor (or, for an account, its last transaction an anchored entry
 * names, if later): a transaction mined while the last anchor was in flight may belong to the next range.
 */
export async function logCompleteness(input: LogCompletenessInput): Promise<Discrepancy[]> {
  const found: Discrepancy[] = [];
  const report = (check: string, message: string, details: Record<string, unknown>) => found.push({ check, message, details });
  const { provider, anchors, toBlock } = input;
  const lastAnchored = anchors.reduce((max, a) => Math.max(max, a.lastEntryId), 0);
  const anchored = input.entries.filter((e) => e.id <= lastAnchored);

  // Which entry names which transaction.
  const namedBy = new Map<string, ActionLogEntry>();
  for (const entry of anchored) {
    for (const hash of transactionsOf(entry)) {
      const first = namedBy.get(hash);
      // The same request answered again (an Idempotency-Key replay) may name the same transaction; another may not.
      if (first && first.requestHash === entry.requestHash && first.action === entry.action && first.org === entry.org) continue;
      if (first) report(LOG_CHECKS.onChain, `transaction ${hash} is named by entries ${first.id} and ${entry.id}`, { entryId: entry.id, txHash: hash, alsoEntryId: first.id });
      else namedBy.set(hash, entry);
    }
  }
  const anchorTxs = anchors.map((a) => a.at.txHash.toLowerCase());
  const hashes = [...new Set([...namedBy.keys(), ...anchorTxs])];
  const txs = await mapConcurrent(hashes, VIEW_CALLS_IN_FLIGHT, (hash) => fetchTx(provider, hash));
  const byHash = new Map<string, ChainTx>();
  hashes.forEach((hash, i) => {
    const tx = txs[i];
    if (tx && tx.blockNumber !== null && tx.blockNumber <= toBlock) byHash.set(hash, tx);
  });
  for (const [hash, entry] of namedBy) {
    if (!byHash.has(hash) && entry.status !== REFUSED_BY_NODE) {
      report(LOG_CHECKS.onChain, `entry ${entry.id} names transaction ${hash}, which is not on chain by block ${toBlock}`, { entryId: entry.id, txHash: hash, problem: "extra" });
    }
  }

  // Who sent them: declared accounts only (or, without a declaration, whoever did).
  const declared = input.declared ? new Set(input.declared.map((a) => a.toLowerCase())) : undefined;
  const sent = new Map<string, Map<number, string>>(); // account → nonce → hash
  for (const [hash, tx] of byHash) {
    const account = tx.from.toLowerCase();
    if (declared && !declared.has(account)) {
      const entry = namedBy.get(hash);
      report(LOG_CHECKS.accounts, `account ${getAddress(account)} sent transaction ${hash} (${entry ? `named by entry ${entry.id}` : "an anchor"}), but the log export does not declare it a gateway account`, {
        account,
        txHash: hash,
        ...(entry ? { entryId: entry.id } : {}),
      });
    }
    if (!sent.has(account)) sent.set(account, new Map());
    sent.get(account)!.set(tx.nonce, hash);
  }

  // Nonce order follows entry order for each account (entries are written before their transactions are sent).
  const lastNonce = new Map<string, { nonce: number; entryId: number }>();
  for (const entry of anchored) {
    for (const hash of transactionsOf(entry)) {
      const tx = byHash.get(hash);
      if (!tx) continue;
      const account = tx.from.toLowerCase();
      const previous = lastNonce.get(account);
      if (previous && previous.entryId !== entry.id && tx.nonce < previous.nonce) {
        report(LOG_CHECKS.order, `entry ${entry.id} names transaction ${hash} (nonce ${tx.nonce} of ${getAddress(account)}) after entry ${previous.entryId} named nonce ${previous.nonce}: the entries are reordered`, {
          entryId: entry.id,
          txHash: hash,
          problem: "reordered",
        });
      }
      lastNonce.set(account, { nonce: Math.max(tx.nonce, previous?.nonce ?? -1), entryId: entry.id });
    }
  }

  const cutOff = anchors.length >= 2 ? anchors[anchors.length - 2].at.blockNumber : -1;
  // Relayed requests up to the cut-off are named, with their signer.
  for (const relay of input.relayed) {
    if (relay.at.blockNumber > Math.max(cutOff, lastNamedBlock(byHash, namedBy))) continue;
    const entry = namedBy.get(relay.at.txHash.toLowerCase());
    if (!entry) {
      report(LOG_CHECKS.relayed, `the request of ${getAddress(relay.signer)} relayed in transaction ${relay.at.txHash} (block ${relay.at.blockNumber}) is named by no anchored entry`, {
        txHash: relay.at.txHash,
        signer: relay.signer,
        problem: "missing",
      });
      continue;
    }
    const signer = (entry as ActionLogEntry & EntryExtensions).signer;
    if (signer && signer.toLowerCase() !== relay.signer) {
      report(LOG_CHECKS.relayed, `entry ${entry.id} says ${signer} signed the request relayed in ${relay.at.txHash}, but ${getAddress(relay.signer)} did`, { entryId: entry.id, txHash: relay.at.txHash, problem: "altered" });
    }
  }

  // Every declared account's transactions up to the cut-off are accounted for.
  for (const account of declared ?? []) {
    const known = sent.get(account) ?? new Map<number, string>();
    const namedNonces = [...known.entries()].filter(([, hash]) => namedBy.has(hash)).map(([nonce]) => nonce);
    const byCutOff = cutOff >= 0 ? await provider.getTransactionCount(account, cutOff) : 0;
    const upTo = Math.max(byCutOff, namedNonces.length ? Math.max(...namedNonces) + 1 : 0);
    const from = input.deploymentBlock > 0 ? await provider.getTransactionCount(account, input.deploymentBlock - 1) : 0;
    const missing: number[] = [];
    for (let nonce = from; nonce < upTo; nonce++) if (!known.has(nonce)) missing.push(nonce);
    for (const nonce of missing.slice(0, 50)) {
      const tx = await findByNonce(provider, account, nonce, toBlock);
      if (tx && tx.blockNumber !== null && tx.blockNumber <= input.setupEndBlock) continue;
      report(LOG_CHECKS.complete, `transaction ${tx?.hash ?? "(not found)"} (nonce ${nonce} of ${getAddress(account)}, block ${tx?.blockNumber ?? "?"}) is named by no anchored entry`, {
        account,
        nonce,
        txHash: tx?.hash ?? null,
        blockNumber: tx?.blockNumber ?? null,
        problem: "missing",
      });
    }
    if (missing.length > 50) {
      report(LOG_CHECKS.complete, `${missing.length - 50} more transactions of ${getAddress(account)} are named by no anchored entry`, { account, problem: "missing" });
    }
  }
  return found;
}

function lastNamedBlock(byHash: Map<string, ChainTx>, namedBy: Map<string, ActionLogEntry>): number {
  let last = -1;
  for (const hash of namedBy.keys()) last = Math.max(last, byHash.get(hash)?.blockNumber ?? -1);
  return last;
}

async function fetchTx(provider: Provider, hash: string): Promise<ChainTx | null> {
  const tx = await provider.getTransaction(hash).catch(() => null);
  return tx ? { hash: tx.hash.toLowerCase(), from: tx.from, nonce: tx.nonce, blockNumber: tx.blockNumber } : null;
}

/** The transaction of `account` with `nonce`: the block where its nonce count passes `nonce`, found by bisection. */
async function findByNonce(provider: Provider, account: string, nonce: number, toBlock: number): Promise<ChainTx | null> {
  if ((await provider.getTransactionCount(account, toBlock)) <= nonce) return null;
  let [low, high] = [0, toBlock];
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if ((await provider.getTransactionCount(account, mid)) > nonce) high = mid;
    else low = mid + 1;
  }
  const block = await provider.getBlock(low, true);
  const tx = block?.prefetchedTransactions.find((t) => t.from.toLowerCase() === account && t.nonce === nonce);
  return tx ? { hash: tx.hash.toLowerCase(), from: tx.from, nonce: tx.nonce, blockNumber: low } : null;
}

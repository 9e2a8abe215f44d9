import { getAddress, isAddress } from "ethers";
import type { ActionLogEntry } from "../lib/action-log";

/**
 * An export of the gateway's action log as the auditor receives it: `GET /v1/audit/log` pages (`{ entries }`), or
 * their entries as a bare array, optionally with `accounts`: the accounts whose keys the gateway holds (custodial
 * organisations, its anchoring, admitting and relaying keys), as addresses or `{ address, … }`.
 *
 * The audit does not take the declaration on trust: every declared account's transactions are counted on chain, and
 * every transaction the log names or the anchors were sent with must come from a declared account (so a declaration
 * that leaves out an account the gateway uses is caught by the first transaction the gateway logs from it).
 */
export interface LogExport {
  entries: ActionLogEntry[];
  /** Declared gateway-held accounts (checksummed); undefined when the export declares none. */
  accounts?: string[];
}

/** Entry fields added by later gateway versions; read when present (they are inside the entry's hash when present). */
export interface EntryExtensions {
  /** Every transaction of the submission, approvals included, in nonce order. */
  txHashes?: string[];
  /** A relayed signed request: the account that signed it. */
  signer?: string | null;
  signature?: string | null;
}

export function readLogExport(json: unknown): LogExport {
  if (Array.isArray(json)) return { entries: json as ActionLogEntry[] };
  if (!json || typeof json !== "object" || !Array.isArray((json as { entries?: unknown }).entries)) {
    throw new Error("the log export is neither a list of entries nor an object with `entries`");
  }
  const { entries, accounts, gatewayAccounts } = json as { entries: ActionLogEntry[]; accounts?: unknown; gatewayAccounts?: unknown };
  const declared = accounts ?? gatewayAccounts;
  if (declared === undefined) return { entries };
  if (!Array.isArray(declared)) throw new Error("`accounts` of the log export must be a list");
  return {
    entries,
    accounts: declared.map((item: unknown) => {
      const address = typeof item === "string" ? item : (item as { address?: unknown })?.address;
      if (typeof address !== "string" || !isAddress(address)) throw new Error(`\`accounts\` of the log export holds ${JSON.stringify(item)}, which is not an address`);
      return getAddress(address);
    }),
  };
}

/** The transactions an entry names: all of its submission's when the entry lists them, else its one transaction. */
export function transactionsOf(entry: ActionLogEntry): string[] {
  const extended = entry as ActionLogEntry & EntryExtensions;
  if (Array.isArray(extended.txHashes) && extended.txHashes.length) return extended.txHashes.map((h) => h.toLowerCase());
  return entry.txHash ? [entry.txHash.toLowerCase()] : [];
}

/** Status the gateway writes when the node refused a submission: its transactions never reached the chain. */
export const REFUSED_BY_NODE = 502;

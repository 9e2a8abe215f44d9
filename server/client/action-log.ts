import { AbiCoder, keccak256, toUtf8Bytes } from "ethers";

/**
 * The action log's entry and how it is hashed: browser-safe (ethers only), so the gateway that writes the log, the
 * audit tool that verifies an export (scripts/lib/action-log.ts re-exports this) and the portal that verifies a proof
 * in the browser (server/portal/src/log-proof.ts) share one definition. Each entry is hash-chained to the previous one.
 */
export interface ActionLogContent {
  id: number;
  /** ISO time the gateway accepted the request. */
  at: string;
  /** The acting organisation's code. */
  org: string;
  /** Id of the API key used (never the key). */
  apiKeyId: string;
  /** e.g. "POST /v1/datasets". */
  action: string;
  /** keccak256 of the canonical JSON of the request body. */
  requestHash: string;
  /**
   * HTTP status answered, and the resulting transaction, if any. An entry written with a submission's outbox rows,
   * before anything was sent, has status 202 (accepted; the outcome is at GET /v1/transactions/{submissionId});
   * 502 records that the node refused those transactions, so they never reached the chain.
   */
  status: number;
  /** The submission's last (main) transaction. */
  txHash: string | null;
  /**
   * Every transaction of the submission in nonce order, approvals included. Optional fields such as this one enter
   * the hash only when present, so entries written before they existed keep their hash; new ones go in the same way.
   */
  txHashes?: string[];
  /** The gateway's submission id (`tx_…`). */
  submissionId?: string;
  /** A relayed request (Prefer: sign=client → POST /v1/signed-requests): the account that signed it and its signature. */
  signer?: string | null;
  signature?: string | null;
}

export interface ActionLogEntry extends ActionLogContent {
  prevHash: string;
  hash: string;
}

/** JSON with keys sorted at every level, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export const requestHashOf = (body: unknown): string => keccak256(toUtf8Bytes(canonicalJson(body ?? null)));

export function contentHashOf(content: ActionLogContent): string {
  const { id, at, org, apiKeyId, action, requestHash, status, txHash, txHashes, submissionId, signer, signature } = content;
  // Entries of requests the gateway signed itself hash as they always did; a relayed one also binds its signer and signature.
  const relayed = signer ? { signer, signature: signature ?? null } : {};
  // canonicalJson drops undefined fields: an absent optional field (txHashes, submissionId) does not change the hash.
  return keccak256(toUtf8Bytes(canonicalJson({ id, at, org, apiKeyId, action, requestHash, status, txHash, txHashes, submissionId, ...relayed })));
}

/** The chain link: hash = keccak256(abi.encode(prevHash, contentHash)). The first entry's prevHash is zero. */
export function chainHash(prevHash: string, content: ActionLogContent): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32"], [prevHash, contentHashOf(content)]));
}

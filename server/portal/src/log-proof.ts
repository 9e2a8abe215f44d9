import { AbiCoder, concat, keccak256, toUtf8Bytes } from "ethers";

/** An action-log entry and its proof as `GET /v1/audit/log/{id}/proof` answers. */
export interface LogProof {
  entry: {
    id: number;
    at: string;
    org: string;
    apiKeyId: string;
    action: string;
    requestHash: string;
    status: number;
    txHash: string | null;
    txHashes?: string[];
    submissionId?: string;
    signer?: string | null;
    signature?: string | null;
    prevHash: string;
    hash: string;
  };
  anchored: boolean;
  anchor: { anchorId: number; merkleRoot: string; txHash: string; blockNumber: number; anchoredAt: string } | null;
  leaf: string | null;
  proof: string[];
}

export type ProofCheck = { step: "entryHash" | "leaf" | "root"; ok: boolean; expected: string; computed: string };

/** Canonical JSON (sorted keys, no undefined), as the gateway hashes log entries. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

const coder = AbiCoder.defaultAbiCoder();

/**
 * Verifies a log entry in the browser, trusting nothing the gateway computed: the entry's hash from its content and
 * its predecessor's hash; the Merkle leaf (OpenZeppelin's StandardMerkleTree: keccak(keccak(abi.encode(id, hash))));
 * and the path from the leaf to the anchored root (sorted pairs).
 */
export function verifyLogProof(p: LogProof): ProofCheck[] {
  const { id, at, org, apiKeyId, action, requestHash, status, txHash, txHashes, submissionId, signer, signature } = p.entry;
  // As scripts/lib/action-log.ts contentHashOf: absent optional fields drop out; a relayed entry binds signer and signature.
  const relayed = signer ? { signer, signature: signature ?? null } : {};
  const contentHash = keccak256(
    toUtf8Bytes(canonicalJson({ id, at, org, apiKeyId, action, requestHash, status, txHash, txHashes, submissionId, ...relayed })),
  );
  const entryHash = keccak256(coder.encode(["bytes32", "bytes32"], [p.entry.prevHash, contentHash]));
  const checks: ProofCheck[] = [{ step: "entryHash", ok: entryHash === p.entry.hash, expected: p.entry.hash, computed: entryHash }];
  const leaf = keccak256(keccak256(coder.encode(["uint256", "bytes32"], [BigInt(id), entryHash])));
  checks.push({ step: "leaf", ok: p.leaf !== null && leaf === p.leaf, expected: p.leaf ?? "—", computed: leaf });
  let node = leaf;
  for (const sibling of p.proof) node = keccak256(BigInt(node) < BigInt(sibling) ? concat([node, sibling]) : concat([sibling, node]));
  const root = p.anchor?.merkleRoot ?? "—";
  checks.push({ step: "root", ok: p.anchor !== null && node === root, expected: root, computed: node });
  return checks;
}

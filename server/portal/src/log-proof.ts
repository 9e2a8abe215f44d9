import { AbiCoder, concat, keccak256 } from "ethers";
import { chainHash, type ActionLogEntry } from "../../client/action-log";

/** An action-log entry and its proof as `GET /v1/audit/log/{id}/proof` answers. */
export interface LogProof {
  entry: ActionLogEntry;
  anchored: boolean;
  anchor: { anchorId: number; merkleRoot: string; txHash: string; blockNumber: number; anchoredAt: string } | null;
  leaf: string | null;
  proof: string[];
}

export type ProofCheck = { step: "entryHash" | "leaf" | "root"; ok: boolean; expected: string; computed: string };

const coder = AbiCoder.defaultAbiCoder();

/**
 * Verifies a log entry in the browser, trusting nothing the gateway computed: the entry's hash from its content and
 * its predecessor's hash; the Merkle leaf (OpenZeppelin's StandardMerkleTree: keccak(keccak(abi.encode(id, hash))));
 * and the path from the leaf to the anchored root (sorted pairs).
 */
export function verifyLogProof(p: LogProof): ProofCheck[] {
  const { id } = p.entry;
  // The gateway's own hashing (server/client/action-log.ts), recomputed here from the entry's content.
  const entryHash = chainHash(p.entry.prevHash, p.entry);
  const checks: ProofCheck[] = [{ step: "entryHash", ok: entryHash === p.entry.hash, expected: p.entry.hash, computed: entryHash }];
  const leaf = keccak256(keccak256(coder.encode(["uint256", "bytes32"], [BigInt(id), entryHash])));
  checks.push({ step: "leaf", ok: p.leaf !== null && leaf === p.leaf, expected: p.leaf ?? "—", computed: leaf });
  let node = leaf;
  for (const sibling of p.proof) node = keccak256(BigInt(node) < BigInt(sibling) ? concat([node, sibling]) : concat([sibling, node]));
  const root = p.anchor?.merkleRoot ?? "—";
  checks.push({ step: "root", ok: p.anchor !== null && node === root, expected: root, computed: node });
  return checks;
}

import { ZeroHash } from "ethers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { chainHash, type ActionLogContent, type ActionLogEntry } from "../../server/client/action-log";

/**
 * The gateway's action log, shared by the gateway (which writes and anchors it) and the audit tool (which verifies
 * an export against the anchors on chain). Each entry is hash-chained to the previous one; each anchor covers a
 * contiguous range of entries with the Merkle root of their (id, hash) leaves and the chain head after the range.
 */
export { canonicalJson, chainHash, contentHashOf, requestHashOf, type ActionLogContent, type ActionLogEntry } from "../../server/client/action-log";

export const ACTION_LOG_LEAF_TYPES = ["uint64", "bytes32"] as const;

export function appendEntry(prev: ActionLogEntry | undefined, content: ActionLogContent): ActionLogEntry {
  const prevHash = prev?.hash ?? ZeroHash;
  return { ...content, prevHash, hash: chainHash(prevHash, content) };
}

export function merkleTreeOf(entries: readonly Pick<ActionLogEntry, "id" | "hash">[]) {
  return StandardMerkleTree.of(
    entries.map((e) => [BigInt(e.id), e.hash] as [bigint, string]),
    [...ACTION_LOG_LEAF_TYPES],
  );
}

export interface AnchorRecord {
  anchorId: number;
  merkleRoot: string;
  firstEntryId: number;
  lastEntryId: number;
  headHash: string;
  txHash?: string;
}

export interface LogProblem {
  entryId: number | null;
  anchorId: number | null;
  problem: "tampered" | "missing" | "reordered" | "unexpected" | "root mismatch" | "head mismatch";
  message: string;
}

/**
 * Verifies an exported log against the anchors: every anchored id present once and in order, every entry's hash
 * recomputed from its content and its predecessor, every anchor's root and head reproduced. Entries after the
 * last anchor are checked for chaining only (they are not yet anchored).
 */
export function verifyActionLog(entries: readonly ActionLogEntry[], anchors: readonly AnchorRecord[]): LogProblem[] {
  const problems: LogProblem[] = [];
  const byId = new Map<number, ActionLogEntry>();
  entries.forEach((entry, position) => {
    if (byId.has(entry.id)) problems.push({ entryId: entry.id, anchorId: null, problem: "unexpected", message: `entry ${entry.id} appears twice` });
    byId.set(entry.id, entry);
    if (position > 0 && entry.id <= entries[position - 1].id) {
      problems.push({ entryId: entry.id, anchorId: null, problem: "reordered", message: `entry ${entry.id} comes after entry ${entries[position - 1].id}` });
    }
  });

  // Walk the chain in id order from 1: each entry must follow the one before it.
  const lastId = Math.max(0, ...anchors.map((a) => a.lastEntryId), ...entries.map((e) => e.id));
  let prevHash = ZeroHash;
  for (let id = 1; id <= lastId; id++) {
    const entry = byId.get(id);
    if (!entry) {
      problems.push({ entryId: id, anchorId: anchorOf(anchors, id), problem: "missing", message: `entry ${id} is missing from the log` });
      prevHash = ZeroHash; // unknown from here; the next entry's own link is still checked against its stated prevHash
      continue;
    }
    const recomputed = chainHash(entry.prevHash, entry);
    if (recomputed !== entry.hash) {
      problems.push({ entryId: id, anchorId: anchorOf(anchors, id), problem: "tampered", message: `entry ${id}'s content does not match its hash` });
    } else if (prevHash !== ZeroHash && entry.prevHash !== prevHash) {
      problems.push({ entryId: id, anchorId: anchorOf(anchors, id), problem: "tampered", message: `entry ${id} does not link to entry ${id - 1}` });
    }
    prevHash = entry.hash;
  }

  for (const anchor of anchors) {
    const range: ActionLogEntry[] = [];
    for (let id = anchor.firstEntryId; id <= anchor.lastEntryId; id++) {
      const entry = byId.get(id);
      if (entry) range.push(entry);
    }
    if (range.length !== anchor.lastEntryId - anchor.firstEntryId + 1) continue; // missing entries already reported
    const rebuilt = range.map((e) => ({ id: e.id, hash: chainHash(e.prevHash, e) }));
    if (merkleTreeOf(rebuilt).root !== anchor.merkleRoot) {
      problems.push({ entryId: null, anchorId: anchor.anchorId, problem: "root mismatch", message: `entries ${anchor.firstEntryId}–${anchor.lastEntryId} do not reproduce anchor ${anchor.anchorId}'s Merkle root` });
    }
    if (rebuilt[rebuilt.length - 1].hash !== anchor.headHash) {
      problems.push({ entryId: anchor.lastEntryId, anchorId: anchor.anchorId, problem: "head mismatch", message: `the chain head after entry ${anchor.lastEntryId} differs from anchor ${anchor.anchorId}'s` });
    }
  }
  return problems;
}

function anchorOf(anchors: readonly AnchorRecord[], id: number): number | null {
  return anchors.find((a) => id >= a.firstEntryId && id <= a.lastEntryId)?.anchorId ?? null;
}

import { appendEntry, type ActionLogContent, type ActionLogEntry, type AnchorRecord } from "../../../scripts/lib/action-log";
import type { Db } from "../connection";

interface EntryRow {
  id: number;
  at: string;
  org: string;
  api_key_id: string;
  action: string;
  request_hash: string;
  status: number;
  tx_hash: string | null;
  tx_hashes: string | null;
  submission_id: string | null;
  signer: string | null;
  signature: string | null;
  prev_hash: string;
  hash: string;
}

interface AnchorRow {
  anchor_id: number;
  first_entry_id: number;
  last_entry_id: number;
  merkle_root: string;
  head_hash: string;
  submission_id: string | null;
  tx_hash: string | null;
  block_number: number | null;
  anchored_at: string;
}

export interface StoredAnchor extends AnchorRecord {
  /** The gateway submission that anchored it; null when the anchor was learnt from the chain. */
  submissionId: string | null;
  blockNumber: number | null;
  anchoredAt: string;
}

const toEntry = (r: EntryRow): ActionLogEntry => ({
  id: r.id,
  at: r.at,
  org: r.org,
  apiKeyId: r.api_key_id,
  action: r.action,
  requestHash: r.request_hash,
  status: r.status,
  txHash: r.tx_hash,
  ...(r.tx_hashes !== null ? { txHashes: JSON.parse(r.tx_hashes) as string[] } : {}),
  ...(r.submission_id !== null ? { submissionId: r.submission_id } : {}),
  ...(r.signer ? { signer: r.signer, signature: r.signature } : {}),
  prevHash: r.prev_hash,
  hash: r.hash,
});

const toAnchor = (r: AnchorRow): StoredAnchor => ({
  anchorId: r.anchor_id,
  firstEntryId: r.first_entry_id,
  lastEntryId: r.last_entry_id,
  merkleRoot: r.merkle_root,
  headHash: r.head_hash,
  submissionId: r.submission_id,
  txHash: r.tx_hash ?? undefined,
  blockNumber: r.block_number,
  anchoredAt: r.anchored_at,
});

/** The gateway's hash-chained action log and the anchors of its ranges. */
export class ActionLogRepository {
  constructor(private readonly db: Db) {}

  /**
   * Appends the next entry, chained to the last one; atomic, so concurrent requests get distinct, ordered ids.
   * Called inside another transaction (the outbox's), it becomes part of it: both are written or neither.
   */
  append(content: Omit<ActionLogContent, "id">): ActionLogEntry {
    return this.db.transaction(() => {
      const last = this.last();
      const entry = appendEntry(last, { ...content, id: (last?.id ?? 0) + 1 });
      this.db
        .prepare(
          `INSERT INTO action_log (id, at, org, api_key_id, action, request_hash, status, tx_hash, tx_hashes, submission_id, signer, signature, prev_hash, hash)
           VALUES (@id, @at, @org, @apiKeyId, @action, @requestHash, @status, @txHash, @txHashes, @submissionId, @signer, @signature, @prevHash, @hash)`,
        )
        .run({
          ...entry,
          txHashes: entry.txHashes ? JSON.stringify(entry.txHashes) : null,
          submissionId: entry.submissionId ?? null,
          signer: entry.signer ?? null,
          signature: entry.signature ?? null,
        });
      return entry;
    }).immediate();
  }

  /** Whether every entry after `afterId` is of `action` (true when there are none). */
  onlyActionSince(afterId: number, action: string): boolean {
    return this.db.prepare("SELECT 1 FROM action_log WHERE id > ? AND action <> ? LIMIT 1").get(afterId, action) === undefined;
  }

  /** The entries naming a submission (its acceptance, and a refusal by the node if there was one). */
  bySubmission(submissionId: string): ActionLogEntry[] {
    return (this.db.prepare("SELECT * FROM action_log WHERE submission_id = ? ORDER BY id").all(submissionId) as EntryRow[]).map(toEntry);
  }

  last(): ActionLogEntry | undefined {
    const row = this.db.prepare("SELECT * FROM action_log ORDER BY id DESC LIMIT 1").get() as EntryRow | undefined;
    return row && toEntry(row);
  }

  get(id: number): ActionLogEntry | undefined {
    const row = this.db.prepare("SELECT * FROM action_log WHERE id = ?").get(id) as EntryRow | undefined;
    return row && toEntry(row);
  }

  range(firstId: number, lastId: number): ActionLogEntry[] {
    return (this.db.prepare("SELECT * FROM action_log WHERE id BETWEEN ? AND ? ORDER BY id").all(firstId, lastId) as EntryRow[]).map(toEntry);
  }

  page(afterId: number, limit: number): ActionLogEntry[] {
    return (this.db.prepare("SELECT * FROM action_log WHERE id > ? ORDER BY id LIMIT ?").all(afterId, limit) as EntryRow[]).map(toEntry);
  }

  /** Records an anchor as the contract holds it (the chain is the source of truth for anchors). */
  upsertAnchor(anchor: StoredAnchor): void {
    this.db
      .prepare(
        `INSERT INTO log_anchors (anchor_id, first_entry_id, last_entry_id, merkle_root, head_hash, submission_id, tx_hash, block_number, anchored_at)
         VALUES (@anchorId, @firstEntryId, @lastEntryId, @merkleRoot, @headHash, @submissionId, @txHash, @blockNumber, @anchoredAt)
         ON CONFLICT (anchor_id) DO UPDATE SET tx_hash = excluded.tx_hash, block_number = excluded.block_number`,
      )
      .run({ ...anchor, txHash: anchor.txHash ?? null });
  }

  lastAnchor(): StoredAnchor | undefined {
    const row = this.db.prepare("SELECT * FROM log_anchors ORDER BY anchor_id DESC LIMIT 1").get() as AnchorRow | undefined;
    return row && toAnchor(row);
  }

  anchorCovering(entryId: number): StoredAnchor | undefined {
    const row = this.db
      .prepare("SELECT * FROM log_anchors WHERE first_entry_id <= ? AND last_entry_id >= ?")
      .get(entryId, entryId) as AnchorRow | undefined;
    return row && toAnchor(row);
  }

  anchors(): StoredAnchor[] {
    return (this.db.prepare("SELECT * FROM log_anchors ORDER BY anchor_id").all() as AnchorRow[]).map(toAnchor);
  }
}

import type { Db } from "../connection";
import { nowIso, withoutFsync } from "../connection";

/**
 * signed: written, maybe not sent yet · sent: the node accepted it · mined: receipt status 1 · failed: receipt
 * status 0 · rejected: the node refused it (its nonce was given back) · dropped: another transaction took its nonce.
 */
export type OutboxStatus = "signed" | "sent" | "mined" | "failed" | "rejected" | "dropped";
export const OPEN_STATUSES: readonly OutboxStatus[] = ["signed", "sent"];

export interface OutboxRow {
  id: number;
  submissionId: string;
  seq: number;
  signer: string;
  nonce: number;
  txHash: string;
  raw: string;
  to: string | null;
  status: OutboxStatus;
  blockNumber: number | null;
  blockHash: string | null;
  txIndex: number | null;
  gasUsed: string | null;
  revert: unknown;
  sendCount: number;
  lastSentAt: number | null;
  createdAt: string;
}

interface RawRow {
  id: number;
  submission_id: string;
  seq: number;
  signer: string;
  nonce: number;
  tx_hash: string;
  raw: string;
  to_address: string | null;
  status: OutboxStatus;
  block_number: number | null;
  block_hash: string | null;
  tx_index: number | null;
  gas_used: string | null;
  revert: string | null;
  send_count: number;
  last_sent_at: number | null;
  created_at: string;
}

const toRow = (r: RawRow): OutboxRow => ({
  id: r.id,
  submissionId: r.submission_id,
  seq: r.seq,
  signer: r.signer,
  nonce: r.nonce,
  txHash: r.tx_hash,
  raw: r.raw,
  to: r.to_address,
  status: r.status,
  blockNumber: r.block_number,
  blockHash: r.block_hash,
  txIndex: r.tx_index,
  gasUsed: r.gas_used,
  revert: r.revert === null ? null : JSON.parse(r.revert),
  sendCount: r.send_count,
  lastSentAt: r.last_sent_at,
  createdAt: r.created_at,
});

export class OutboxRepository {
  constructor(private readonly db: Db) {}

  insert(tx: { submissionId: string; seq: number; signer: string; nonce: number; txHash: string; raw: string; to: string | null }): number {
    const now = nowIso();
    return Number(
      this.db
        .prepare(
          `INSERT INTO outbox (submission_id, seq, signer, nonce, tx_hash, raw, to_address, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'signed', ?, ?)`,
        )
        .run(tx.submissionId, tx.seq, tx.signer, tx.nonce, tx.txHash, tx.raw, tx.to, now, now).lastInsertRowid,
    );
  }

  bySubmission(submissionId: string): OutboxRow[] {
    return (this.db.prepare("SELECT * FROM outbox WHERE submission_id = ? ORDER BY seq").all(submissionId) as RawRow[]).map(toRow);
  }

  /** Every account that signed a transaction the gateway sent, retired keys included. */
  signers(): string[] {
    return (this.db.prepare("SELECT DISTINCT signer FROM outbox ORDER BY signer").all() as { signer: string }[]).map((r) => r.signer);
  }

  byHash(txHash: string): OutboxRow | undefined {
    const r = this.db.prepare("SELECT * FROM outbox WHERE tx_hash = ?").get(txHash) as RawRow | undefined;
    return r && toRow(r);
  }

  /** Transactions not yet seen mined, in the order they must reach the chain. */
  open(): OutboxRow[] {
    return (
      this.db.prepare("SELECT * FROM outbox WHERE status IN ('signed', 'sent') ORDER BY id").all() as RawRow[]
    ).map(toRow);
  }

  /** The highest live nonce of a signer, or -1. */
  maxLiveNonce(signer: string): number {
    const r = this.db
      .prepare("SELECT MAX(nonce) AS n FROM outbox WHERE signer = ? AND status NOT IN ('rejected', 'dropped')")
      .get(signer) as { n: number | null };
    return r.n ?? -1;
  }

  /** Distinct blocks holding our mined transactions, newest first (the rewind check walks them). */
  minedBlocks(limit: number, belowBlock?: number): { blockNumber: number; blockHash: string }[] {
    return this.db
      .prepare(
        `SELECT DISTINCT block_number AS blockNumber, block_hash AS blockHash FROM outbox
         WHERE block_number IS NOT NULL AND (? IS NULL OR block_number < ?)
         ORDER BY block_number DESC LIMIT ?`,
      )
      .all(belowBlock ?? null, belowBlock ?? null, limit) as { blockNumber: number; blockHash: string }[];
  }

  inBlock(blockNumber: number): OutboxRow[] {
    return (this.db.prepare("SELECT * FROM outbox WHERE block_number = ? ORDER BY id").all(blockNumber) as RawRow[]).map(toRow);
  }

  /** Without its own fsync: a send the database forgets is a send again, of the same bytes (harmless). */
  markSent(id: number, at: number): void {
    const sql =
      "UPDATE outbox SET status = CASE WHEN status = 'signed' THEN 'sent' ELSE status END, send_count = send_count + 1, last_sent_at = ?, updated_at = ? WHERE id = ?";
    withoutFsync(this.db, () => this.db.prepare(sql).run(at, nowIso(), id));
  }

  /** Without its own fsync: a receipt the database forgets is asked of the chain again. */
  markIncluded(id: number, r: { status: "mined" | "failed"; blockNumber: number; blockHash: string; txIndex: number; gasUsed: string; revert: unknown }): void {
    const sql = "UPDATE outbox SET status = ?, block_number = ?, block_hash = ?, tx_index = ?, gas_used = ?, revert = ?, updated_at = ? WHERE id = ?";
    const revert = r.revert == null ? null : JSON.stringify(r.revert);
    withoutFsync(this.db, () => this.db.prepare(sql).run(r.status, r.blockNumber, r.blockHash, r.txIndex, r.gasUsed, revert, nowIso(), id));
  }

  /** The chain no longer has this transaction (a node lost blocks): it is open again and will be sent again. */
  markLost(id: number): void {
    this.db
      .prepare(
        "UPDATE outbox SET status = 'sent', block_number = NULL, block_hash = NULL, tx_index = NULL, gas_used = NULL, revert = NULL, last_sent_at = NULL, updated_at = ? WHERE id = ?",
      )
      .run(nowIso(), id);
  }

  markTerminal(id: number, status: "rejected" | "dropped", reason: unknown): void {
    this.db.prepare("UPDATE outbox SET status = ?, revert = ?, updated_at = ? WHERE id = ?").run(status, JSON.stringify(reason), nowIso(), id);
  }
}

import Database from "better-sqlite3";
import { ethers } from "ethers";
import { encodeArgs } from "../../../server/indexer/codec";
import { encodeCursor, historyOf } from "../../../server/indexer/queries";
import { migrateIndexer } from "../../../server/indexer/schema";
import { percentile, round } from "./stats";

/**
 * p50/p95 of the history query behind `GET /v1/audit/events` (historyOf: keyset pages of one subject) on an index
 * holding `subjectEvents` events of one dataset among as many events of 1,000 others. The rows are synthetic
 * (inserted straight into the indexer's tables, in the shape the indexer writes): building that much real history
 * for one asset would take hours of mining and measures nothing more.
 */
export async function historyQueryBenchmark(options: { subjectEvents: number; queries: number; pageSize?: number }) {
  const pageSize = options.pageSize ?? 100;
  const db = new Database(":memory:");
  migrateIndexer(db);
  const subject = `dataset:${ethers.id("benchmark asset")}`;
  const total = options.subjectEvents * 2;
  const insertEvent = db.prepare(
    `INSERT INTO idx_events (tx_hash, log_index, block_number, block_hash, timestamp, contract, address, name, args, actor_account, actor_org)
     VALUES (?, ?, ?, ?, ?, 'DataAssetRegistry', '0x5FbDB2315678afecb367f032d93F642f64180aa3', ?, ?, ?, ?)`,
  );
  const insertSubject = db.prepare("INSERT INTO idx_event_subjects (subject, block_number, log_index, tx_hash) VALUES (?, ?, ?, ?)");
  const positions: { block: number; index: number }[] = [];
  // Distinct, cheap 32-byte values (hashing 200k of them would dominate the set-up).
  const salts: Record<string, string> = { tx: "a", block: "b", other: "c", terms: "d" };
  const hex = (n: number, salt: string) => `0x${salts[salt]}${n.toString(16).padStart(63, "0")}`;
  const from = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const to = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
  db.transaction(() => {
    for (let i = 0; i < total; i++) {
      const block = 1_000 + Math.floor(i / 2);
      const index = i % 2;
      const mine = index === 0;
      const tx = hex(i, "tx");
      const args = mine
        ? encodeArgs({ from, to, tokenId: 42n + BigInt(i) })
        : encodeArgs({ id: BigInt(i), orgId: ethers.encodeBytes32String("BIZ-1"), expiresAt: 1_767_225_599n, termsHash: hex(i, "terms"), terms: "CC BY 4.0" });
      insertEvent.run(tx, index, block, hex(block, "block"), 1_735_689_600 + block * 2, mine ? "Transfer" : "LicenseGranted", args, from, "AGENCY-A");
      insertSubject.run(mine ? subject : `dataset:${hex(i % 1_000, "other")}`, block, index, tx);
      if (mine) positions.push({ block, index });
    }
  })();
  db.pragma("optimize");

  // Random pages across the whole history (the first page among them), as a client paging an asset's history.
  const latencies: number[] = [];
  let seed = 12345;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let q = 0; q < options.queries; q++) {
    const at = q === 0 ? null : positions[Math.floor(next() * positions.length)];
    const started = performance.now();
    const page = historyOf(db, subject, { after: at ? encodeCursor(at.block, at.index) : null, limit: pageSize });
    latencies.push(performance.now() - started);
    if (q === 0 && page.events.length !== Math.min(pageSize, positions.length)) throw new Error("history query returned a short first page");
  }
  db.close();
  return {
    subjectEvents: options.subjectEvents,
    totalEvents: total,
    synthetic: true,
    pageSize,
    queries: options.queries,
    p50ms: round(percentile(latencies, 50), 2),
    p95ms: round(percentile(latencies, 95), 2),
    via: "historyOf() on the indexer's SQLite tables (the query behind GET /v1/audit/events), rows inserted directly",
  };
}

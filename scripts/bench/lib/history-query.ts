import path from "node:path";
import Database from "better-sqlite3";
import { encodeArgs } from "../../../server/indexer/codec";
import { encodeCursor } from "../../../server/indexer/queries";
import type { BenchGateway } from "./gateway-system";
import { percentile, round } from "./stats";

/**
 * p50/p95 of `GET /v1/audit/events?dataset=…` (pages of 100 at random places in the history) for one dataset with
 * `subjectEvents` events, on the running gateway. The dataset is registered through the API; its extra events are
 * synthetic rows inserted into the gateway's own index (DATA_DIR/index.db, the tables the indexer writes), as many
 * again for 1,000 other datasets: building 100k real events for one asset would take hours of mining and measure
 * nothing more. Run after the write benchmarks (the indexer is idle then).
 */
export async function historyQueryBenchmark(sys: BenchGateway, options: { subjectEvents: number; queries: number; pageSize?: number }) {
  const pageSize = options.pageSize ?? 100;
  const contentHash = "b".repeat(64);
  const registered = await sys.call(sys.apiKeys["DATA-OFFICE"], "POST", "/v1/datasets", {
    contentHash,
    metadataHash: `0x${"c".repeat(64)}`,
    holder: "AGENCY-TRANSPORT",
    classification: "Open",
    title: "Traffic counts (benchmark history)",
    uri: "https://opendata.example/traffic-counts.csv",
  });
  if (registered.status !== 201) throw new Error(`registering the benchmark dataset: ${registered.status} ${JSON.stringify(registered.body).slice(0, 200)}`);
  const id = `0x${contentHash}`;

  const db = new Database(path.join(sys.dataDir, "index.db"));
  db.pragma("busy_timeout = 30000");
  const positions = await insertSyntheticHistory(db, `dataset:${id}`, options.subjectEvents);
  const totalEvents = (db.prepare("SELECT COUNT(*) AS n FROM idx_events").get() as { n: number }).n;
  db.close();

  const key = sys.adminKey;
  const latencies: number[] = [];
  let seed = 12345;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let q = 0; q < options.queries; q++) {
    const at = q === 0 ? null : positions[Math.floor(next() * positions.length)];
    const url = `/v1/audit/events?dataset=${id}&limit=${pageSize}${at ? `&cursor=${encodeCursor(at.block, at.index)}` : ""}`;
    const started = performance.now();
    const res = await sys.call(key, "GET", url);
    latencies.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    if (q === 0 && res.body.items.length !== pageSize) throw new Error(`the first page holds ${res.body.items.length} events, not ${pageSize}`);
  }
  return {
    subjectEvents: positions.length,
    totalEvents,
    synthetic: true,
    pageSize,
    queries: options.queries,
    p50ms: round(percentile(latencies, 50), 2),
    p95ms: round(percentile(latencies, 95), 2),
    via: "GET /v1/audit/events over HTTP (auth, validation, index query, JSON); the asset's events are rows inserted into DATA_DIR/index.db",
  };
}

/**
 * Inserts `count` events of `subject` and as many of other datasets into the indexer's tables, in the shape the
 * indexer writes them (transfers and licence grants), at log indexes no real event uses. Returns the subject's positions.
 * Written in transactions of CHUNK rows with a pause between them: one transaction of 200k rows held the index's
 * write lock past the gateway's busy timeout (its indexer failing with SQLITE_BUSY meanwhile), and blocked this
 * process so long that the gateway closed the idle keep-alive connection unseen, and the next request on it failed
 * ("fetch failed", the quick run's history query).
 */
export async function insertSyntheticHistory(db: Database.Database, subject: string, count: number): Promise<{ block: number; index: number }[]> {
  const insertEvent = db.prepare(
    `INSERT INTO idx_events (tx_hash, log_index, block_number, block_hash, timestamp, contract, address, name, args, actor_account, actor_org)
     VALUES (?, ?, ?, ?, ?, 'DataAssetRegistry', '0x5FbDB2315678afecb367f032d93F642f64180aa3', ?, ?, ?, NULL)`,
  );
  const insertSubject = db.prepare("INSERT INTO idx_event_subjects (subject, block_number, log_index, tx_hash) VALUES (?, ?, ?, ?)");
  // Distinct, cheap 32-byte values (hashing 200k of them would dominate the set-up).
  const hex = (n: number, prefix: string) => `0x${prefix}${n.toString(16).padStart(63, "0")}`;
  const from = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
  const to = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
  const positions: { block: number; index: number }[] = [];
  const CHUNK = 5_000;
  const insertRows = db.transaction((first: number, last: number) => {
    for (let i = first; i < last; i++) {
      const block = 1 + Math.floor(i / 2);
      const index = 100_000 + (i % 2);
      const mine = i % 2 === 0;
      const tx = hex(i, "e");
      const args = mine
        ? encodeArgs({ from, to, tokenId: BigInt(i) })
        : encodeArgs({ id: BigInt(i), orgId: hex(1, "f"), expiresAt: 1_767_225_599n, termsHash: hex(i, "d"), terms: "CC BY 4.0" });
      insertEvent.run(tx, index, block, hex(block, "b"), 1_735_689_600 + block * 2, mine ? "Transfer" : "LicenseGranted", args, from);
      insertSubject.run(mine ? subject : `dataset:${hex(i % 1_000, "c")}`, block, index, tx);
      if (mine) positions.push({ block, index });
    }
  });
  for (let first = 0; first < count * 2; first += CHUNK) {
    insertRows(first, Math.min(count * 2, first + CHUNK));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return positions;
}

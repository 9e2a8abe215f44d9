import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { Provider } from "ethers";
import { resolveDeployment } from "../../scripts/audit/contracts";
import type { ContractAddresses } from "../../scripts/audit/history";
import type { AuditReport } from "../../scripts/audit/types";
import type { DeploymentRecord } from "../../scripts/lib/deployment";
import type { Logger } from "../logger";
import { Indexer, type IndexerStatus } from "./indexer";
import { PROJECTIONS, orgOfAccount } from "./projections";
import { reconcileIndex } from "./reconcile";

/**
 * Opens the index database. It is a cache of the chain, not a record of its own: deleting the file makes the
 * gateway rebuild it from the deployment block on its next start. `synchronous = NORMAL` for that reason.
 */
export function openIndexDatabase(file: string): Database.Database {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  // A catch-up rewrites the same B-tree pages (the subjects', the feed's, the indexes' upper levels) range after range:
  // with SQLite's 2 MB cache and a checkpoint every 4 MB of WAL each was read back and copied to the file many times
  // over. A 64 MB cache and a checkpoint every 40 MB of WAL (10,000 pages): 88–122 ms of catch-up CPU per 1,000 events
  // against 160–166 with the defaults, alternating in one process at 51,269 events (eighth pass). The cost: up to 64 MB
  // of memory and 40 MB of WAL on disk.
  db.pragma("cache_size = -65536");
  db.pragma("wal_autocheckpoint = 10000");
  return db;
}

/** The gateway's event index: the indexer over the deployment's contracts, and what the read path asks of it. */
export class GatewayIndex {
  readonly indexer: Indexer;
  readonly contracts: ContractAddresses;
  readonly fromBlock: number;
  private readonly chainId: number;
  private reconciling: Promise<AuditReport> | undefined;

  constructor(
    readonly db: Database.Database,
    private readonly provider: Provider,
    record: DeploymentRecord,
    private readonly log: Logger,
    options: { pollIntervalMs: number; maxLag: number; writeWaitMs: number },
  ) {
    this.writeWaitMs = options.writeWaitMs;
    this.contracts = resolveDeployment(record).contracts;
    this.fromBlock = record.deploymentBlock;
    this.chainId = Number(record.chainId);
    this.maxLag = options.maxLag;
    forgetOtherDeployment(db, record, log);
    this.indexer = new Indexer({
      provider,
      db,
      contracts: this.contracts,
      fromBlock: record.deploymentBlock,
      projections: [...PROJECTIONS],
      logger: log,
      pollIntervalMs: options.pollIntervalMs,
      resolveActorOrg: orgOfAccount,
    });
  }

  readonly maxLag: number;
  /** How long a mined write (or a read of what the chain already shows) waits for the index. */
  readonly writeWaitMs: number;

  start(): void {
    this.indexer.start();
  }

  stop(): Promise<void> {
    return this.indexer.stop();
  }

  status(): IndexerStatus {
    return this.indexer.status();
  }

  /**
   * Read-your-writes: resolves once the index holds `blockNumber`, or after `timeoutMs` anyway (false), so a slow
   * index delays an answer but never fails a write that the chain accepted.
   */
  async reach(blockNumber: number, timeoutMs: number): Promise<boolean> {
    if (timeoutMs <= 0) return this.status().indexedBlock >= blockNumber;
    try {
      await this.indexer.waitForBlock(blockNumber, timeoutMs);
      return true;
    } catch {
      this.log.warn({ blockNumber, timeoutMs, indexedBlock: this.status().indexedBlock }, "index did not reach the write's block in time; answering anyway");
      return false;
    }
  }

  /** The auditor's reconciliation of this index against the chain; one run at a time, callers meanwhile share it. */
  reconcile(): Promise<AuditReport> {
    this.reconciling ??= reconcileIndex({ db: this.db, provider: this.provider, contracts: this.contracts, chainId: this.chainId, fromBlock: this.fromBlock }).finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  /** The readiness probe: the index is usable while it is at most `maxLag` blocks behind the chain. */
  async readiness(): Promise<{ ok: boolean; details: unknown }> {
    const status = this.status();
    const head = await this.provider.getBlockNumber();
    const lag = Math.max(0, head - status.indexedBlock);
    return {
      ok: status.running && lag <= this.maxLag,
      // The last error stays in the log: /ready is public and says only whether the indexer is failing.
      details: { indexedBlock: status.indexedBlock, headBlock: head, lag, maxLag: this.maxLag, running: status.running, failing: status.lastError !== null },
    };
  }
}

/**
 * An index built for another deployment (a reset chain, a new record in the same DATA_DIR) would answer with
 * another chain's rows: drop it so the indexer rebuilds from this deployment's block.
 */
function forgetOtherDeployment(db: Database.Database, record: DeploymentRecord, log: Logger): void {
  db.exec("CREATE TABLE IF NOT EXISTS idx_meta (id INTEGER PRIMARY KEY CHECK (id = 1), chain_id INTEGER NOT NULL, deployment_block_hash TEXT NOT NULL)");
  const meta = db.prepare("SELECT chain_id, deployment_block_hash FROM idx_meta WHERE id = 1").get() as
    | { chain_id: number; deployment_block_hash: string }
    | undefined;
  const chainId = Number(record.chainId);
  if (meta && meta.chain_id === chainId && meta.deployment_block_hash === record.deploymentBlockHash) return;
  db.transaction(() => {
    if (meta) {
      log.warn({ was: meta, now: { chainId, deploymentBlockHash: record.deploymentBlockHash } }, "index.db belongs to another deployment: rebuilding it");
      const tables = () =>
        db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name LIKE 'idx\_%' ESCAPE '\\' AND name != 'idx_meta'").all() as { name: string; sql: string }[];
      // Virtual (full-text) tables first: dropping one drops its shadow tables, which cannot be dropped on their own.
      for (const t of tables().filter((t) => /^CREATE VIRTUAL/i.test(t.sql))) db.exec(`DROP TABLE IF EXISTS "${t.name}"`);
      for (const t of tables()) db.exec(`DROP TABLE IF EXISTS "${t.name}"`);
    }
    db.prepare(
      "INSERT INTO idx_meta (id, chain_id, deployment_block_hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET chain_id = excluded.chain_id, deployment_block_hash = excluded.deployment_block_hash",
    ).run(chainId, record.deploymentBlockHash);
  })();
}

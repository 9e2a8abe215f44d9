import type Database from "better-sqlite3";
import { toQuantity, type JsonRpcApiProvider, type JsonRpcError, type JsonRpcResult, type Provider } from "ethers";
import type { Logger } from "pino";
import { decodeLog, getLogs, rawSend, type ContractAddresses, type LogLike } from "../../scripts/audit/history";
import { encodeArgs, decodeArgs } from "./codec";
import type { IndexedEvent, Projection } from "./projection";
import { migrateIndexer } from "./schema";

export interface IndexerOptions {
  provider: Provider;
  db: Database.Database;
  contracts: ContractAddresses;
  /** The deployment block: nothing before it concerns us. */
  fromBlock: number;
  projections: Projection[];
  logger: Logger;
  /** At most this many blocks per `eth_getLogs` call (ranges are sized to hold about LOGS_PER_RANGE logs). */
  chunkSize?: number;
  /** Logs aimed at per range when catching up (LOGS_PER_RANGE by default): ranges shrink over a dense history. */
  logsPerRange?: number;
  pollIntervalMs?: number;
  /** Blocks to stay behind the head (0 on an instant-finality QBFT network). */
  confirmations?: number;
  /** How many recent indexed blocks to compare when looking for the common ancestor after a reorg. */
  reorgDepth?: number;
  /**
   * The organisation an account acted for, as the projections know it at this point of the replay: names the acting
   * organisation of each event, and adds `org:` subjects for the accounts an event names.
   */
  resolveActorOrg?: (db: Database.Database, account: string) => string | null;
}

export interface IndexerStatus {
  indexedBlock: number;
  headBlock: number | null;
  lag: number | null;
  running: boolean;
  lastError: string | null;
}

/** Blocks asked for in one JSON-RPC batch, and batches in flight at once. */
const BLOCK_BATCH = 100;
const BATCHES_IN_FLIGHT = 4;
/** Ranges fetched ahead of the one being written, the logs aimed at per range (by default), and the first range's blocks. */
const RANGES_AHEAD = 2;
const LOGS_PER_RANGE = 500;
const FIRST_SPAN = 8;
/** The contract whose events change which organisation an account belongs to (resolveActorOrg's answers). */
const ORG_CONTRACT = "ParticipantRegistry";

interface FetchedRange {
  from: number;
  to: number;
  logs: LogLike[];
  /** Undefined when a block was missing (the chain moved under us). */
  blocks: Map<number, BlockInfo> | undefined;
}

/** What the index keeps of a block: its place in the chain, its time, and who sent its transactions. */
interface BlockInfo {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
  /** Transaction hash → sender, both lower-case (only for blocks fetched with their transactions). */
  senders: Map<string, string>;
}

interface RawBlock {
  number: string;
  hash: string | null;
  parentHash: string;
  timestamp: string;
  transactions: (string | { hash: string; from: string })[];
}

interface EventRow {
  tx_hash: string;
  log_index: number;
  block_number: number;
  block_hash: string;
  timestamp: number;
  contract: string;
  address: string;
  name: string;
  args: string;
  actor_account: string | null;
  actor_org: string | null;
}

/**
 * One loop for backfill and live following, in the manner of Ponder: fetch logs for the next range of blocks, write
 * events, projections and the cursor in one SQLite transaction (while the node answers for the next ranges), and on a
 * parent-hash mismatch roll back to the common ancestor and rebuild. Rows are keyed on (tx hash, log index), so re-processing a block is harmless.
 */
export class Indexer {
  private readonly chunkSize: number;
  private readonly pollIntervalMs: number;
  private readonly confirmations: number;
  private readonly reorgDepth: number;
  private readonly addresses: string[];
  private readonly byAddress: Map<string, { name: string; abi: ContractAddresses[string]["abi"] }>;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Someone waits for a block while a pass runs: run the next pass at once rather than after the poll interval. */
  private poked = false;
  private headBlock: number | null = null;
  private lastError: string | null = null;
  private readonly waiters = new Set<{ block: number; resolve: () => void }>();
  /** Ranges being fetched ahead of the cursor, in order. */
  private ahead: { from: number; to: number; result: Promise<FetchedRange> }[] = [];
  /** Blocks per range, adapted to the density of the history (see adaptSpan). */
  private span: number;

  constructor(private readonly options: IndexerOptions) {
    this.chunkSize = options.chunkSize ?? 2_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.confirmations = options.confirmations ?? 0;
    this.reorgDepth = options.reorgDepth ?? 1_024;
    this.span = Math.min(this.chunkSize, FIRST_SPAN);
    this.byAddress = new Map(Object.entries(options.contracts).map(([name, c]) => [c.address.toLowerCase(), { name, abi: c.abi }]));
    this.addresses = [...this.byAddress.keys()];
    migrateIndexer(options.db);
    options.db.transaction(() => {
      for (const projection of options.projections) for (const statement of projection.schema) options.db.exec(statement);
    })();
  }

  /** Starts following the chain in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.ahead = [];
  }

  status(): IndexerStatus {
    const indexedBlock = this.cursor().blockNumber;
    return {
      indexedBlock,
      headBlock: this.headBlock,
      lag: this.headBlock === null ? null : Math.max(0, this.headBlock - indexedBlock),
      running: this.running,
      lastError: this.lastError,
    };
  }

  /** Resolves once the index has reached `blockNumber` (or rejects after `timeoutMs`). */
  waitForBlock(blockNumber: number, timeoutMs = 10_000): Promise<void> {
    if (this.cursor().blockNumber >= blockNumber) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { block: blockNumber, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`the index did not reach block ${blockNumber} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
      this.poke();
    });
  }

  /**
   * Advances the index by at most one chunk, or repairs a reorg. Returns true when there may be more to do now.
   * The background loop calls it; tests call it directly for deterministic steps.
   */
  async syncOnce(): Promise<boolean> {
    const { provider } = this.options;
    const head = (await provider.getBlockNumber()) - this.confirmations;
    this.headBlock = head;
    const cursor = this.cursor();

    if (cursor.blockNumber >= head) {
      this.ahead = [];
      if (cursor.blockHash) {
        const onChain = (await this.fetchBlocks([cursor.blockNumber], new Set()))?.get(cursor.blockNumber);
        if (!onChain || onChain.hash !== cursor.blockHash) await this.repairReorg();
      }
      return false;
    }

    const from = cursor.blockNumber + 1;
    // What was fetched ahead follows the cursor only if nothing moved it meanwhile (a reorg repair, another pass).
    if (this.ahead[0]?.from !== from) this.ahead = [];
    this.fetchAhead(from, head);
    let fetched: FetchedRange;
    try {
      fetched = await this.ahead.shift()!.result;
    } catch (error) {
      this.ahead = [];
      throw error;
    }
    const { to, logs, blocks } = fetched;
    if (!blocks) {
      this.ahead = [];
      return true; // the chain moved under us; the next pass re-checks the cursor
    }
    for (const log of logs) {
      if (blocks.get(log.blockNumber)!.hash !== log.blockHash) {
        this.ahead = [];
        return true;
      }
    }
    // The range must continue the chain the index holds: if its first block's parent is not the cursor, the chain
    // reorganised (the cursor is gone, or the range was fetched from another branch).
    if (cursor.blockHash && blocks.get(from)!.parentHash !== cursor.blockHash) {
      this.ahead = [];
      await this.repairReorg();
      return true;
    }

    this.adaptSpan(to - from + 1, logs.length);
    if (to < head) {
      // Keep the node busy while this range is written: ask for the next ranges, and let the requests leave before the
      // synchronous commit holds the event loop.
      this.fetchAhead(to + 1, head);
      await new Promise((resolve) => setImmediate(resolve));
    }
    logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    this.commit(logs, blocks, to);
    this.notifyWaiters();
    return to < head;
  }

  /** Starts fetching ranges from `from` (or after the last one already under way) until RANGES_AHEAD are under way. */
  private fetchAhead(from: number, head: number): void {
    let next = this.ahead.length > 0 ? this.ahead[this.ahead.length - 1].to + 1 : from;
    while (this.ahead.length < RANGES_AHEAD && next <= head) {
      const to = Math.min(head, next + this.span - 1);
      const result = this.fetchRange(next, to);
      result.catch(() => undefined); // awaited when its turn comes; until then a failure must not be unhandled
      this.ahead.push({ from: next, to, result });
      next = to + 1;
    }
  }

  /** The logs of a range of blocks, and the blocks holding them (with their senders) plus its first and last. */
  private async fetchRange(from: number, to: number): Promise<FetchedRange> {
    const logs = await getLogs(this.options.provider, this.addresses, from, to);
    const withLogs = new Set(logs.map((l) => l.blockNumber));
    const blocks = await this.fetchBlocks([...new Set([...withLogs, from, to])], withLogs);
    return { from, to, logs, blocks };
  }

  /**
   * Ranges of about LOGS_PER_RANGE logs: a dense stretch of history (catalogue imports) in several ranges, so their
   * fetching overlaps the writing of the one before, and a sparse one in ranges of up to `chunkSize` blocks.
   */
  private adaptSpan(blocks: number, logs: number): void {
    const ideal = logs === 0 ? blocks * 4 : Math.floor((blocks * (this.options.logsPerRange ?? LOGS_PER_RANGE)) / logs);
    this.span = Math.max(1, Math.min(ideal, blocks * 4, this.chunkSize));
  }

  private async run(): Promise<void> {
    const log = this.options.logger;
    log.info({ fromBlock: this.options.fromBlock, indexedBlock: this.cursor().blockNumber }, "indexer started");
    while (this.running) {
      let more = false;
      this.poked = false;
      try {
        more = await this.syncOnce();
        this.lastError = null;
      } catch (error) {
        this.lastError = error instanceof Error ? error.message : String(error);
        log.warn({ err: error }, "indexer pass failed; retrying");
      }
      if (!more && this.running && !(this.poked && !this.lastError)) await this.sleep(this.lastError ? this.pollIntervalMs * 4 : this.pollIntervalMs);
    }
    log.info({ indexedBlock: this.cursor().blockNumber }, "indexer stopped");
  }

  /** Wakes the loop now, or makes it go round again as soon as the pass under way ends (new blocks are known to exist). */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /**
   * Headers of these blocks (and the senders of the transactions of those in `withSenders`), in JSON-RPC batches of
   * raw `eth_getBlockByNumber` answers: no ethers Block objects, one round trip per BLOCK_BATCH blocks. Undefined
   * when a block is missing (the chain moved under us).
   */
  private async fetchBlocks(numbers: number[], withSenders: Set<number>): Promise<Map<number, BlockInfo> | undefined> {
    const blocks = new Map<number, BlockInfo>();
    // A few batches side by side: the node serves them on its other cores (full blocks cost it as much as the logs).
    const answers: unknown[][] = [];
    for (let i = 0; i < numbers.length; i += BLOCK_BATCH * BATCHES_IN_FLIGHT) {
      const parts: number[][] = [];
      for (let j = i; j < Math.min(numbers.length, i + BLOCK_BATCH * BATCHES_IN_FLIGHT); j += BLOCK_BATCH) parts.push(numbers.slice(j, j + BLOCK_BATCH));
      answers.push(...(await Promise.all(parts.map((part) => this.rpcBatch(part.map((n) => ({ method: "eth_getBlockByNumber", params: [toQuantity(n), withSenders.has(n)] })))))));
    }
    for (const raw of answers) {
      for (const block of raw as (RawBlock | null)[]) {
        if (!block || !block.hash) return undefined;
        const info: BlockInfo = { number: Number(block.number), hash: block.hash, parentHash: block.parentHash, timestamp: Number(block.timestamp), senders: new Map() };
        for (const tx of block.transactions) if (typeof tx === "object") info.senders.set(tx.hash.toLowerCase(), tx.from.toLowerCase());
        blocks.set(info.number, info);
      }
    }
    return blocks;
  }

  /** Several JSON-RPC calls in one HTTP request when the provider can batch (the gateway's can), else side by side. */
  private async rpcBatch(calls: { method: string; params: unknown[] }[]): Promise<unknown[]> {
    const provider = this.options.provider as Partial<Pick<JsonRpcApiProvider, "_send" | "send">>;
    if (typeof provider._send === "function" && calls.length > 1) {
      const answers = await provider._send.call(this.options.provider, calls.map((c, id) => ({ id, jsonrpc: "2.0", ...c })));
      const byId = new Map(answers.map((a) => [a.id, a]));
      return calls.map((c, id) => {
        const answer = byId.get(id) as JsonRpcResult | JsonRpcError | undefined;
        if (!answer || "error" in answer) throw new Error(`${c.method} failed: ${answer ? JSON.stringify(answer.error) : "no answer"}`);
        return answer.result;
      });
    }
    const send = rawSend(this.options.provider);
    if (!send) throw new Error("the indexer needs a JSON-RPC provider");
    return Promise.all(calls.map((c) => send(c.method, c.params)));
  }

  private commit(logs: LogLike[], blocks: Map<number, BlockInfo>, to: number): void {
    const { db, projections } = this.options;
    const insertBlock = db.prepare("INSERT OR REPLACE INTO idx_blocks (number, hash, parent_hash, timestamp) VALUES (?, ?, ?, ?)");
    const insertEvent = db.prepare(
      `INSERT OR IGNORE INTO idx_events (tx_hash, log_index, block_number, block_hash, timestamp, contract, address, name, args, actor_account, actor_org)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertSubject = db.prepare("INSERT OR IGNORE INTO idx_event_subjects (subject, block_number, log_index, tx_hash) VALUES (?, ?, ?, ?)");
    const setCursor = db.prepare(
      "INSERT INTO idx_cursor (id, block_number, block_hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET block_number = excluded.block_number, block_hash = excluded.block_hash",
    );
    // The organisation of an account, asked once per account rather than once per event (a catalogue import is
    // hundreds of events by one sender); forgotten whenever an event of ORG_CONTRACT may have changed the answer.
    const orgs = new Map<string, string | null>();
    const resolve = this.options.resolveActorOrg;
    const orgOf = (account: string): string | null => {
      if (!resolve) return null;
      let org = orgs.get(account);
      if (org === undefined) orgs.set(account, (org = resolve(db, account)));
      return org;
    };
    db.transaction(() => {
      for (const block of blocks.values()) insertBlock.run(block.number, block.hash, block.parentHash, block.timestamp);
      for (const log of logs) {
        const known = this.byAddress.get(log.address.toLowerCase());
        const decoded = known && decodeLog(known.name, known.abi, log);
        if (!decoded) {
          this.options.logger.warn({ address: log.address, tx: log.transactionHash, topic0: log.topics[0] }, "log of unknown shape skipped");
          continue;
        }
        const block = blocks.get(log.blockNumber)!;
        const actorAccount = block.senders.get(log.transactionHash.toLowerCase()) ?? null;
        const event: IndexedEvent = {
          ...decoded,
          timestamp: block.timestamp,
          actorAccount,
          actorOrg: actorAccount ? orgOf(actorAccount) : null,
        };
        // Positional values: binding an object by name cost more than the insert itself.
        const inserted = insertEvent.run(
          event.txHash,
          event.logIndex,
          event.blockNumber,
          event.blockHash,
          event.timestamp,
          event.contract,
          event.address,
          event.name,
          encodeArgs(event.args),
          event.actorAccount,
          event.actorOrg,
        );
        if (inserted.changes === 0) continue; // already indexed: (tx hash, log index) is the identity
        const subjects = new Set<string>();
        for (const projection of projections) {
          projection.apply(db, event);
          for (const subject of projection.subjects(event)) subjects.add(subject);
        }
        if (event.contract === ORG_CONTRACT) orgs.clear();
        for (const subject of organisationSubjects(event, subjects, resolve ? orgOf : undefined)) subjects.add(subject);
        for (const subject of subjects) insertSubject.run(subject, event.blockNumber, event.logIndex, event.txHash);
      }
      setCursor.run(to, blocks.get(to)!.hash);
    })();
  }

  /** Finds the newest indexed block still on the chain, drops everything after it, and rebuilds the projections. */
  private async repairReorg(): Promise<void> {
    const { db, provider, projections, logger } = this.options;
    const cursor = this.cursor();
    this.ahead = [];
    const known = db
      .prepare("SELECT number, hash FROM idx_blocks ORDER BY number DESC LIMIT ?")
      .all(this.reorgDepth) as { number: number; hash: string }[];
    let ancestor: { number: number; hash: string } | undefined;
    for (const block of known) {
      const onChain = await provider.getBlock(block.number);
      if (onChain && onChain.hash === block.hash) {
        ancestor = block;
        break;
      }
    }
    const ancestorNumber = ancestor?.number ?? this.options.fromBlock - 1;
    logger.warn({ from: cursor.blockNumber, to: ancestorNumber }, "chain reorganised or lost blocks: rolling the index back");
    db.transaction(() => {
      db.prepare("DELETE FROM idx_events WHERE block_number > ?").run(ancestorNumber);
      db.prepare("DELETE FROM idx_event_subjects WHERE block_number > ?").run(ancestorNumber);
      db.prepare("DELETE FROM idx_blocks WHERE number > ?").run(ancestorNumber);
      if (ancestor) {
        db.prepare("UPDATE idx_cursor SET block_number = ?, block_hash = ? WHERE id = 1").run(ancestor.number, ancestor.hash);
      } else {
        db.prepare("DELETE FROM idx_cursor").run();
      }
      for (const projection of projections) projection.reset(db);
      // Paged rather than iterated: projections write to the same connection while we read.
      const page = db.prepare(
        "SELECT * FROM idx_events WHERE (block_number, log_index) > (?, ?) ORDER BY block_number, log_index LIMIT 5000",
      );
      let last = { block: -1, index: -1 };
      for (let rows = page.all(last.block, last.index) as EventRow[]; rows.length > 0; rows = page.all(last.block, last.index) as EventRow[]) {
        for (const row of rows) {
          const event = fromRow(row);
          for (const projection of projections) projection.apply(db, event);
        }
        const tail = rows[rows.length - 1];
        last = { block: tail.block_number, index: tail.log_index };
      }
    })();
  }

  private cursor(): { blockNumber: number; blockHash: string | null } {
    const row = this.options.db.prepare("SELECT block_number, block_hash FROM idx_cursor WHERE id = 1").get() as
      | { block_number: number; block_hash: string }
      | undefined;
    return row ? { blockNumber: row.block_number, blockHash: row.block_hash } : { blockNumber: this.options.fromBlock - 1, blockHash: null };
  }

  private notifyWaiters(): void {
    const indexed = this.cursor().blockNumber;
    for (const waiter of this.waiters) {
      if (indexed >= waiter.block) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}

/**
 * An organisation's history holds what its accounts did and received: the acting organisation of the transaction,
 * and the organisation of every account the event names, as they stood when it happened.
 */
function organisationSubjects(event: IndexedEvent, subjects: Set<string>, orgOf: ((account: string) => string | null) | undefined): string[] {
  const orgs: string[] = event.actorOrg ? [`org:${event.actorOrg}`] : [];
  if (!orgOf) return orgs;
  for (const subject of subjects) {
    if (!subject.startsWith("account:")) continue;
    const org = orgOf(subject.slice("account:".length));
    if (org) orgs.push(`org:${org}`);
  }
  return orgs;
}

export function fromRow(row: EventRow): IndexedEvent {
  return {
    txHash: row.tx_hash,
    logIndex: row.log_index,
    blockNumber: row.block_number,
    blockHash: row.block_hash,
    timestamp: row.timestamp,
    contract: row.contract,
    address: row.address,
    name: row.name,
    args: decodeArgs(row.args),
    actorAccount: row.actor_account,
    actorOrg: row.actor_org,
  };
}

export type { EventRow };

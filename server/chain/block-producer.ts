import http from "node:http";
import type { Logger } from "../logger";

export interface BlockProducerOptions {
  url: string;
  /** Shortest time between the starts of two blocks, like a QBFT network's block period. */
  periodMs: number;
  log: Logger;
  /** How often the pool is looked at while nothing is pending (default: a fifth of the period, 5..25 ms). */
  pollMs?: number;
  /** Timeout of one JSON-RPC call. */
  timeoutMs?: number;
  /** Called after each block it mined (the gateway's tracker looks for its receipts at once instead of polling). */
  onMined?: () => void;
  /**
   * Writes the gateway is still preparing (simulating, signing, committing) and has not yet sent: while there are
   * some, the next block waits for them, at most `maxLingerMs` (see `lingerMs`). The gateway calls `writesChanged`
   * when the count changes.
   */
  inFlight?: () => number;
  /** The longest such wait, from when the pool was first seen holding the block's first transaction (default MAX_LINGER_MS). */
  maxLingerMs?: number;
}

/**
 * A quarter of a QBFT block period (2 s on the Besu network): long enough for 64 writes prepared together on the
 * full city year's ledger (350-400 ms, `npm run bench`), short enough that a block still follows its first
 * transaction well within the period a production network would make it wait.
 */
const MAX_LINGER_MS = 500;

/**
 * Mines the embedded node's blocks (anvil runs with `--no-mining`): a block as soon as a transaction is pending, but
 * at most one per period, so that transactions arriving together share a block. anvil recomputes the state root over
 * the whole state at every block; with one transaction a block (its automine) that cost is paid per transaction and
 * grows with the ledger, while here it is paid per period. Empty blocks are never mined (an idle node costs nothing).
 * A node that is down or restarting is simply polled again.
 */
export class BlockProducer {
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #id = 0;
  /**
   * One kept-alive connection, plain `http`: the producer asks the pool's size 40 to 200 times a second, and `fetch`
   * (a stream, an abort signal and a timer per call) cost several times more CPU per call in the gateway's profile.
   */
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  /** Blocks mined and transactions they carried, and the time blocks waited for writes in flight, since start. */
  readonly stats = { blocks: 0, transactions: 0, lingeredMs: 0 };
  #lingering = false;

  constructor(private readonly options: BlockProducerOptions) {
    if (!(options.periodMs > 0)) throw new RangeError("the block period must be positive");
  }

  get pollMs(): number {
    return this.options.pollMs ?? Math.min(25, Math.max(5, Math.round(this.options.periodMs / 5)));
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.run();
  }

  /**
   * Stops mining, after one last block if transactions are pending: anvil does not keep its pool in its state dump, so
   * what it held would otherwise be sent again by the outbox on the next start, which then waits for it to be mined.
   */
  async stop(): Promise<void> {
    const wasRunning = this.#running;
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
    if (wasRunning) {
      try {
        const pending = await this.pendingCount();
        if (pending > 0) {
          await this.call("evm_mine", []);
          this.stats.blocks++;
          this.stats.transactions += pending;
        }
      } catch {
        // The node is gone: the outbox sends what it held again on the next start.
      }
    }
    this.#agent.destroy();
  }

  /**
   * The longest wait before a block while writes are in flight, from when its first transaction was seen. Why wait
   * for them at all: anvil holds its state while it mines, so the writes being prepared (their simulation, their send)
   * wait for the block in progress, and a block mined while they are still on their way carries the few that made it
   * and costs the whole state's hash again (130-150 ms at the city year's end) for them. Measured on the city year's
   * final ledger with 64 clients: waiting at most twice the last block's time (the rule before) ran out while 63
   * writes were being signed together, so every other block carried one transaction (95-102 writes/s); waiting for
   * all of them gives blocks of 64 and 107-124/s, and on an empty ledger 152-182/s (160-187 before; 8 clients 100-123
   * vs 93-105). A lone write never waits: nothing else is in flight.
   */
  get lingerMs(): number {
    return this.options.maxLingerMs ?? MAX_LINGER_MS;
  }

  /**
   * Called by the gateway when its writes in flight change (one reached the pool, or was refused): a block that waits
   * for them is mined as soon as none is left, without asking the node over and over while it waits.
   */
  writesChanged(): void {
    if (this.#lingering) this.#wake?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.#running) {
      const started = Date.now();
      let mined = false;
      try {
        let pending = await this.pendingCount();
        if (pending > 0) {
          // The wait counts from the moment the pool was seen holding a transaction. The pool cannot empty without a
          // block, so the wait asks the node nothing: it ends when the gateway says its last write in flight was sent
          // (writesChanged), or at the deadline.
          const deadline = Date.now() + this.lingerMs;
          let lingered = 0;
          while (this.#running && (this.options.inFlight?.() ?? 0) > 0 && Date.now() < deadline) {
            const from = Date.now();
            this.#lingering = true;
            await this.sleep(Math.min(this.pollMs, deadline - from));
            this.#lingering = false;
            lingered += Date.now() - from;
          }
          this.stats.lingeredMs += lingered;
          if (!this.#running) break;
          // What the block will carry (and never an empty block, should the pool have emptied some other way).
          if (lingered > 0) pending = await this.pendingCount();
          if (pending === 0) continue;
          await this.call("evm_mine", []);
          this.stats.blocks++;
          this.stats.transactions += pending;
          mined = true;
          this.options.onMined?.();
        }
        failures = 0;
      } catch (err) {
        // The node is down or restarting (EmbeddedNode restarts it); say so once, then keep trying quietly.
        if (failures++ === 0) this.options.log.warn({ err: (err as Error).message }, "block producer cannot reach the node; retrying");
      }
      const wait = mined ? this.options.periodMs - (Date.now() - started) : failures > 0 ? 200 : this.pollMs;
      if (wait > 0) await this.sleep(wait);
    }
  }

  private async pendingCount(): Promise<number> {
    const status = (await this.call("txpool_status", [])) as { pending?: string };
    return Number(BigInt(status?.pending ?? "0x0"));
  }

  private call(method: string, params: unknown[]): Promise<unknown> {
    const body = JSON.stringify({ jsonrpc: "2.0", id: ++this.#id, method, params });
    return new Promise((resolve, reject) => {
      const req = http.request(
        this.options.url,
        { method: "POST", agent: this.#agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }, timeout: this.options.timeoutMs ?? 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            try {
              const answer = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { result?: unknown; error?: { message?: string } };
              if (answer.error) reject(new Error(`${method}: ${answer.error.message ?? "error"}`));
              else resolve(answer.result);
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method}: timed out`)));
      req.on("error", reject);
      req.end(body);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }
}

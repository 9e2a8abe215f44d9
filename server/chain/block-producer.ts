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
   * some, the next block waits for them, at most twice as long as the last block took to mine (see `lingerMs`).
   */
  inFlight?: () => number;
  /** The longest such wait, whatever the last block took (default 500 ms). */
  maxLingerMs?: number;
  /** The wait for writes in flight, as a multiple of the last block's mining time (default LINGER_FACTOR). */
  lingerFactor?: number;
}

/** How often the pool and the gateway's writes in flight are looked at while a block waits for them. */
const LINGER_POLL_MS = 3;
/**
 * Twice the last block's mining time: measured with 64 clients registering on 50,000 datasets (`npm run bench -- --only
 * ledger`), blocks then carry 29-32 registrations instead of 21 and capacity rose from 91 to 109-112 a second, with
 * 8 clients 45 → 46-52 a second; three times carried 37 but no more capacity (100 a second).
 */
const LINGER_FACTOR = 2;

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
  /** How long the last `evm_mine` took: the node's cost of a block, which grows with the state it holds. */
  #lastMineMs = 0;
  #lastMinedAt = 0;

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
   * The wait before a block while writes are in flight: twice as long as the last block took, capped. Why: anvil holds
   * its state while it mines, so the gateway's simulations (eth_call) wait for the block in progress; mining
   * again the moment one transaction is pending would lock them out once more, and on a large ledger (a block of
   * 130-150 ms at 50,000 datasets) blocks would carry a handful of transactions each. Waiting lets the writes that
   * waited on it reach the pool and share the next block, whose cost (the whole state's hash) is then paid by more of
   * them. On an idle or small ledger (blocks of 10–20 ms, within the period) it changes nothing, and a lone write never
   * waits: nothing else is in flight.
   */
  get lingerMs(): number {
    return Math.min((this.options.lingerFactor ?? LINGER_FACTOR) * this.#lastMineMs, this.options.maxLingerMs ?? 500);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.#running) {
      const started = Date.now();
      let mined = false;
      let lingering = false;
      try {
        const pending = await this.pendingCount();
        if (pending > 0) {
          // The wait counts from the end of the last block, so a block period longer than it hides it entirely.
          if ((this.options.inFlight?.() ?? 0) > 0 && Date.now() < this.#lastMinedAt + this.lingerMs) {
            lingering = true;
          } else {
            const before = Date.now();
            await this.call("evm_mine", []);
            this.#lastMinedAt = Date.now();
            this.#lastMineMs = this.#lastMinedAt - before;
            this.stats.blocks++;
            this.stats.transactions += pending;
            mined = true;
            this.options.onMined?.();
          }
        }
        failures = 0;
      } catch (err) {
        // The node is down or restarting (EmbeddedNode restarts it); say so once, then keep trying quietly.
        if (failures++ === 0) this.options.log.warn({ err: (err as Error).message }, "block producer cannot reach the node; retrying");
      }
      const wait = mined ? this.options.periodMs - (Date.now() - started) : lingering ? LINGER_POLL_MS : failures > 0 ? 200 : this.pollMs;
      if (wait > 0) await this.sleep(wait);
      if (lingering) this.stats.lingeredMs += Date.now() - started;
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

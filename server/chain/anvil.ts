import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../logger";
import { BlockProducer } from "./block-producer";
import { fetchChainId } from "./chain-id";
import { compactStateFile } from "./state-compaction";
import { setAsideBrokenStateFile } from "./state-file";

export interface EmbeddedNodeOptions {
  port: number;
  /** Directory for chain-state.json, chain.log and chain.pid. */
  dataDir: string;
  stateIntervalSeconds: number;
  /**
   * 0: anvil mines every transaction into its own block at once (automine). Above 0: blocks are mined by a
   * BlockProducer, as soon as a transaction is pending but at most one per this many ms, so concurrent transactions
   * share a block and the node's per-block cost (a hash over the whole state) is not paid per transaction.
   */
  blockPeriodMs?: number;
  /**
   * States of this many recent blocks kept in memory (`--prune-history`; DEFAULT_HISTORY_BLOCKS when unset): calls at
   * an older block fail. Without it anvil spills every older block's whole state to a disk cache, one JSON file per
   * block: 28 GB and about 100 ms of CPU per block with 50,000 datasets (README "Performance").
   */
  historyBlocks?: number;
  log: Logger;
  /** How long to wait for the node to answer JSON-RPC after spawning it. */
  startTimeoutMs?: number;
  /**
   * anvil options on top of the defaults (benchmark variants, tests). An option given here replaces the default of
   * the same name (anvil refuses an option given twice); `--flag` alone is a switch.
   */
  extraArgs?: string[];
  /** Wait before restarting a node that died: doubles per death in a row, from `minMs` up to `maxMs`. */
  restartBackoff?: { minMs: number; maxMs: number };
}

/** Blocks of state the embedded node keeps by default (CHAIN_HISTORY_BLOCKS). */
export const DEFAULT_HISTORY_BLOCKS = 256;

/** How the embedded node is doing, for GET /ready (no internal error text). */
export interface NodeHealth {
  state: "running" | "restarting" | "starting" | "stopped";
  /** Deaths since the gateway started, and in a row (reset once the node has stayed up for a while). */
  restarts: number;
  deathsInARow: number;
  reason?: string;
  nextAttemptInMs?: number;
}

/** A node that stayed up this long is healthy again: the next death restarts it after the shortest wait. */
const STABLE_AFTER_MS = 15_000;

/** anvil's command line as a list of options, each with its values (none for a switch). */
type AnvilOptions = [flag: string, ...values: string[]][];

/** Splits `["--port", "1", "--quiet"]` into `[["--port", "1"], ["--quiet"]]`. */
export function parseAnvilArgs(args: readonly string[]): AnvilOptions {
  const options: AnvilOptions = [];
  for (const arg of args) {
    if (arg.startsWith("-")) options.push([arg]);
    else if (options.length) options[options.length - 1].push(arg);
    else throw new Error(`anvil argument "${arg}" does not follow an option`);
  }
  return options;
}

/**
 * The defaults with the overrides applied: an override replaces the default of the same option in place, new options
 * are appended. The one place anvil's argument list is built, so no option ever reaches anvil twice.
 */
export function mergeAnvilArgs(defaults: readonly string[], overrides: readonly string[]): string[] {
  const merged = parseAnvilArgs(defaults);
  for (const option of parseAnvilArgs(overrides)) {
    const at = merged.findIndex(([flag]) => flag === option[0]);
    if (at >= 0) merged[at] = option;
    else merged.push(option);
  }
  return merged.flat();
}

/**
 * The anvil binary of Foundry's npm distribution. We depend on the platform package directly rather than on the
 * `@foundry-rs/anvil` wrapper: the registry we install from serves only the Linux x64 package, `npm ci` refuses a
 * lockfile whose optional platform packages it cannot resolve, and the wrapper's postinstall would download a
 * binary when its platform package is missing.
 */
export function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const exe = process.platform === "win32" ? "anvil.exe" : "anvil";
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch {
    throw new Error(
      `The embedded node needs the npm package ${pkg}, which is not installed (only linux-amd64 is a dependency). ` +
        `Install it, or point the gateway at a running node with RPC_URL.`,
    );
  }
}

/**
 * anvil's allocator (jemalloc, which reads `_RJEM_MALLOC_CONF`): huge pages, freed memory kept rather than handed back
 * to the kernel, one arena. On this kind of virtual machine a page fault is what loading a state dump costs most: anvil
 * reads the file's text, parses it and copies all of it while loading, a few GB touched 4 kB at a time, and by default
 * jemalloc returns every large piece it frees at once, so the next one is faulted in again. Full city year's 250 MB
 * dump, anvil alone until it answers: 4.5-6.6 s by default, 3.8-4.8 s with decay off, 0.85-2.5 s with huge pages too.
 * The gateway's restart in `npm run bench`: 5.06-5.41 s before, 4.86 and 5.08 s with decay off, 2.2, 2.05 and (one
 * arena) **1.72 s** with all of it.
 * - Huge pages alone (tried in an earlier pass) made the periodic state dumps stall the node for up to 4.5 s and
 *   halved the year's end throughput: jemalloc kept returning parts of huge pages, which the kernel had to split. With
 *   decay off nothing is returned, and the year ran at the same throughput with shorter stalls (2.3 s at most).
 * - Decay off means resident memory never shrinks; with jemalloc's 8 arenas (4 per CPU) each kept its own share of the
 *   dumps' transient GB (node 8.97 GB at the year's end in one run). One arena reuses it: 3.4 GB at the end, 4.3 GB
 *   while the last dump was written (2.8 GB by default).
 * - A finite decay (60 s, 600 s) or `oversize_threshold:0` did not help the load.
 * An operator's own `_RJEM_MALLOC_CONF` wins; with the kernel's transparent huge pages `never`, jemalloc skips them.
 */
export const ANVIL_MALLOC_CONF = "thp:always,metadata_thp:always,dirty_decay_ms:-1,narenas:1";

/** The environment the embedded node runs in: the gateway's, with ANVIL_MALLOC_CONF unless the operator set one. */
export function anvilEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, _RJEM_MALLOC_CONF: env._RJEM_MALLOC_CONF || ANVIL_MALLOC_CONF };
}

/**
 * The embedded chain: one anvil process in its own process group, on 127.0.0.1, free of gas charges like a
 * permissioned Besu network, keeping its state in DATA_DIR (dumped every few seconds and on a clean exit). It is
 * stopped with the gateway; if it dies on its own it is started again from its last dump (from an empty chain if it
 * died while writing that dump), and the gateway's outbox re-sends whatever the dump lacked.
 */
export class EmbeddedNode {
  #child: ChildProcess | undefined;
  #stopping = false;
  #restarts = 0;
  #restartListeners: (() => void)[] = [];
  #minedListeners: (() => void)[] = [];
  #deathsInARow = 0;
  #upSince = 0;
  #state: NodeHealth["state"] = "stopped";
  #reason: string | undefined;
  #nextAttemptAt: number | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  /** Set once the first start succeeded: from then on a death restarts the node (before, start() fails instead). */
  #supervising = false;
  #producer: BlockProducer | undefined;
  #inFlight: (() => number) | undefined;
  readonly url: string;
  readonly stateFile: string;
  readonly logFile: string;
  readonly pidFile: string;
  readonly cacheDir: string;

  constructor(private readonly options: EmbeddedNodeOptions) {
    this.url = `http://127.0.0.1:${options.port}`;
    this.stateFile = path.join(options.dataDir, "chain-state.json");
    this.logFile = path.join(options.dataDir, "chain.log");
    this.pidFile = path.join(options.dataDir, "chain.pid");
    this.cacheDir = path.join(options.dataDir, "chain-cache");
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  args(): string[] {
    return mergeAnvilArgs(this.defaultArgs(), this.options.extraArgs ?? []);
  }

  private defaultArgs(): string[] {
    return [
      "--host", "127.0.0.1",
      "--port", String(this.options.port),
      "--state", this.stateFile,
      "--state-interval", String(this.options.stateIntervalSeconds),
      "--base-fee", "0",
      "--gas-price", "0",
      "--accounts", "0",
      // The contracts target Cancun, as the Besu network does. anvil's newer default hardfork adds the EIP-2935
      // block-hash contract, whose storage grows by a slot per block and is rehashed at every block: under it write
      // throughput fell 4.6x over 20,000 blocks, under Cancun 1.8x (npm run bench, README "Performance").
      "--hardfork", "cancun",
      // Recent blocks' states in memory and none on disk: anvil otherwise serialises each older block's whole state to
      // a disk cache of up to 3,600 files (28 GB with 50,000 datasets), a cost paid at every block. The audit reads
      // the contracts at its audited block, which must stay within this many blocks of the head while it runs.
      "--prune-history", String(this.options.historyBlocks ?? DEFAULT_HISTORY_BLOCKS),
      // A block holds transactions of several senders: keep them in arrival order, as each sender saw them answered
      // (a buyer's fill sent after the seller's listing must not be mined before it; fees are all zero anyway).
      "--order", "fifo",
      ...((this.options.blockPeriodMs ?? 0) > 0 ? ["--no-mining"] : []),
      "--quiet",
    ];
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.options.dataDir, { recursive: true });
    await this.stopLeftover();
    await this.spawnAndWait();
    this.#supervising = true;
    if ((this.options.blockPeriodMs ?? 0) > 0 && !this.#producer) {
      this.#producer = new BlockProducer({
        url: this.url,
        periodMs: this.options.blockPeriodMs!,
        log: this.options.log,
        onMined: () => {
          for (const listener of this.#minedListeners) listener();
        },
        inFlight: () => this.#inFlight?.() ?? 0,
      });
      this.#producer.start();
    }
  }

  /** Blocks the producer mined and the transactions they carried (zeros under automine). */
  producerStats(): { blocks: number; transactions: number; lingeredMs: number } {
    return { ...(this.#producer?.stats ?? { blocks: 0, transactions: 0, lingeredMs: 0 }) };
  }

  private async spawnAndWait(): Promise<void> {
    // The disk cache of an installation from before --prune-history (or of `--cache-path` given in extraArgs): it
    // only ever served historical calls of the run that wrote it.
    fs.rmSync(this.cacheDir, { recursive: true, force: true });
    setAsideBrokenStateFile(this.stateFile, this.options.log);
    const out = fs.openSync(this.logFile, "a");
    const child = spawn(anvilBinary(), this.args(), { detached: true, stdio: ["ignore", out, out], env: anvilEnvironment() });
    fs.closeSync(out);
    this.#child = child;
    this.#state = "starting";
    fs.writeFileSync(this.pidFile, String(child.pid));
    const log = this.options.log;
    log.info({ pid: child.pid, port: this.options.port, state: this.stateFile }, "embedded node starting");

    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      if (this.#child === child) this.#child = undefined;
      if (!this.#stopping && this.#supervising) this.onUnexpectedExit(code, signal);
    });

    const deadline = this.options.startTimeoutMs ?? 30_000;
    const started = Date.now();
    while (!exited) {
      try {
        await fetchChainId(this.url, 0, 1_000);
        log.info({ ms: Date.now() - started }, "embedded node ready");
        if (this.#child === child) {
          this.#state = "running";
          this.#reason = undefined;
          this.#upSince = Date.now();
          if (this.#restarts > 0) for (const listener of this.#restartListeners) listener();
        }
        return;
      } catch {
        if (Date.now() - started > deadline) break;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    const tail = this.logTail();
    if (!exited) {
      // Never answered: kill it (its exit restarts it when supervising).
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      signalGroup(child.pid!, "SIGKILL");
      await gone;
    }
    throw new Error(
      `The embedded node did not start on 127.0.0.1:${this.options.port}` +
        (exited ? ` (exited with ${exited.code ?? exited.signal})` : ` within ${deadline} ms`) +
        `. Is CHAIN_PORT free? Last lines of ${this.logFile}:\n${tail}`,
    );
  }

  /** Whether this node's blocks are mined by the gateway's producer, which then announces each (`onBlockMined`). */
  get announcesBlocks(): boolean {
    return (this.options.blockPeriodMs ?? 0) > 0;
  }

  /** Tells the block producer how many writes the gateway is preparing, so a block can wait for them (see BlockProducer). */
  setWritesInFlight(count: () => number): void {
    this.#inFlight = count;
  }

  /** The gateway's writes in flight changed (one reached the pool): a block waiting for them may go (see BlockProducer). */
  writesChanged(): void {
    this.#producer?.writesChanged();
  }

  /** Called after each block the producer mined. */
  onBlockMined(listener: () => void): void {
    this.#minedListeners.push(listener);
  }

  /** Called each time a restarted node answers (its chain may lack what the last one had mined). */
  onRestarted(listener: () => void): void {
    this.#restartListeners.push(listener);
  }

  /** The node's state for GET /ready: why it is not serving, and when the next attempt comes. */
  health(): NodeHealth {
    const health: NodeHealth = { state: this.#state, restarts: this.#restarts, deathsInARow: this.#deathsInARow };
    if (this.#reason) health.reason = this.#reason;
    if (this.#nextAttemptAt !== undefined) health.nextAttemptInMs = Math.max(0, this.#nextAttemptAt - Date.now());
    return health;
  }

  /**
   * A node that dies is started again from its last state dump, for as long as it keeps dying: a chain that is
   * down stops every write, so giving up helps no one. The wait doubles with each death in a row (capped), so a node
   * that cannot stay up does not spin; a node that stayed up for STABLE_AFTER_MS starts the count afresh.
   */
  private onUnexpectedExit(code: number | null, signal: NodeJS.Signals | null): void {
    const log = this.options.log;
    if (this.#state === "running" && Date.now() - this.#upSince >= STABLE_AFTER_MS) this.#deathsInARow = 0;
    this.#deathsInARow++;
    this.#restarts++;
    const { minMs, maxMs } = this.options.restartBackoff ?? { minMs: 250, maxMs: 3_000 };
    const wait = Math.min(maxMs, minMs * 2 ** Math.min(this.#deathsInARow - 1, 20));
    this.#state = "restarting";
    this.#reason = `the embedded node exited (${code ?? signal}); restarting it from its last state dump`;
    this.#nextAttemptAt = Date.now() + wait;
    log.error({ code, signal, restarts: this.#restarts, deathsInARow: this.#deathsInARow, waitMs: wait }, "embedded node died; restarting it from its last state dump");
    this.scheduleRestart(wait);
  }

  private scheduleRestart(wait: number): void {
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      this.#nextAttemptAt = undefined;
      if (this.#stopping) return;
      // A node that does not come up has exited (or was killed): its exit schedules the next attempt.
      this.spawnAndWait().catch((err) => this.options.log.error({ err: (err as Error).message }, "embedded node restart failed"));
    }, wait);
  }

  /** Stops the node cleanly (SIGTERM to its process group, so it dumps its state), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    this.#state = "stopped";
    await this.#producer?.stop();
    this.#producer = undefined;
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      fs.rmSync(this.pidFile, { force: true });
      return;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    signalGroup(child.pid!, "SIGTERM");
    const timer = setTimeout(() => signalGroup(child.pid!, "SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
    fs.rmSync(this.pidFile, { force: true });
    this.options.log.info("embedded node stopped");
    this.compactState();
  }

  /**
   * Drops the call traces from the dump the node wrote on exit (see state-compaction.ts). A dump cut short (a node
   * killed while writing it) stays cut short either way, and the next start sets it aside.
   */
  private compactState(): void {
    const log = this.options.log;
    try {
      const started = performance.now();
      const result = compactStateFile(this.stateFile);
      if (result) log.info({ ...result, ms: Math.round(performance.now() - started) }, "state dump compacted (call traces dropped)");
    } catch (err) {
      log.warn({ err: (err as Error).message }, "state dump not compacted; the node starts from it as it is");
    }
  }

  /**
   * A gateway killed with SIGKILL leaves its node running (nothing can forward that signal). If the pid file names
   * an anvil serving our state file, stop it cleanly (it dumps its state) before starting our own.
   */
  private async stopLeftover(): Promise<void> {
    if (!fs.existsSync(this.pidFile)) return;
    const pid = Number(fs.readFileSync(this.pidFile, "utf8").trim());
    fs.rmSync(this.pidFile, { force: true });
    if (!Number.isInteger(pid) || pid <= 0) return;
    let cmdline = "";
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    } catch {
      return; // not running (or no /proc: then we cannot tell, and leave it alone)
    }
    if (!cmdline.includes("anvil") || !cmdline.includes(this.stateFile)) return;
    this.options.log.warn({ pid }, "stopping the embedded node left running by a previous gateway");
    signalGroup(pid, "SIGTERM");
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && fs.existsSync(`/proc/${pid}`)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (fs.existsSync(`/proc/${pid}`)) signalGroup(pid, "SIGKILL");
  }

  private logTail(): string {
    try {
      return fs.readFileSync(this.logFile, "utf8").split("\n").slice(-10).join("\n");
    } catch {
      return "(no log)";
    }
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

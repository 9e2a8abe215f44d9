import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Wallet } from "ethers";
import pino from "pino";
import { Keystore } from "../../../server/chain/key-store";
import { connectProvider, type GatewayProvider } from "../../../server/chain/provider";
import { attachSystem, DEPLOYMENT_FILE, type DeploymentRecord } from "../../lib/deployment";
import { GatewayProcess, api, freePort, tempDataDir } from "../../lib/processes";
import type { SystemContracts } from "../../lib/system";
import { onInterrupt } from "./cleanup";
import { round } from "./stats";

/**
 * The whole system started the way `npm start` starts it (server/main.ts: embedded anvil, deployment, demo
 * organisations, gateway) in a throwaway DATA_DIR on free loopback ports, with the gateway's own defaults except:
 *  - RATE_LIMIT_MAX raised: the per-client limit (1,200 a minute) would otherwise be what is measured;
 *  - KEYSTORE_SCRYPT_N 1024: cheap key files, so start-up is quick (keys are decrypted once, at start);
 *  - HOME pointed into DATA_DIR, so anvil's on-disk state cache (~/.foundry/anvil/tmp) is removed with it.
 * Keys the benchmark must sign with itself (direct sends, issuer set-up) are put in the keystore before the start:
 * the gateway then registers those organisations with them, and never signs for them unless asked.
 */
export interface BenchGateway {
  /** The running gateway process (a new one after `restart`). */
  readonly gw: GatewayProcess;
  url: string;
  dataDir: string;
  chainUrl: string;
  provider: GatewayProvider;
  record: DeploymentRecord;
  system: SystemContracts;
  adminKey: string;
  apiKeys: Record<string, string>;
  /** The keys the benchmark holds (imported into the keystore before the start), by organisation code. */
  wallets: Record<string, Wallet>;
  call(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Admits an organisation through the API and makes it an API key; returns the key. */
  admit(code: string, kind: string, roles?: string[]): Promise<string>;
  logFile: string;
  /**
   * Stops the gateway (Ctrl-C: it stops its node) and runs `npm start`'s entry again on the same DATA_DIR and ports;
   * with `dropIndex` the index database is deleted first, so the gateway rebuilds it from the chain. Resolves with the
   * milliseconds from the new start to /ready answering 200.
   */
  restart(options?: { dropIndex?: boolean }): Promise<number>;
  /** How the last restart's stop went: its duration, and the node's state dump compaction as the gateway logged it. */
  readonly lastStop: StopReport | undefined;
  stop(): Promise<void>;
}

export interface StopReport {
  ms: number;
  /** Sizes in bytes and time of the compaction on the way out (server/chain/state-compaction.ts), if it ran. */
  compaction?: { before: number; after: number; ms: number };
}

/** A stop's figures for a report: seconds, and the dump before compaction in MB (null when none ran). */
export function stopFigures(stop: StopReport | undefined): { stopSeconds: number; stateDumpBeforeCompactionMb: number | null; compactionSeconds: number | null } {
  const compaction = stop?.compaction;
  return {
    stopSeconds: round((stop?.ms ?? 0) / 1000, 2)!,
    stateDumpBeforeCompactionMb: compaction ? round(compaction.before / 1e6, 1) : null,
    compactionSeconds: compaction ? round(compaction.ms / 1000, 2) : null,
  };
}

/** The last "state dump compacted" line of a gateway's log, if any. */
export function lastCompaction(logFile: string): StopReport["compaction"] {
  let text = "";
  try {
    text = fs.readFileSync(logFile, "utf8");
  } catch {
    return undefined;
  }
  const line = text
    .split("\n")
    .reverse()
    .find((l) => l.includes('"state dump compacted'));
  if (!line) return undefined;
  const { before, after, ms } = JSON.parse(line) as { before: number; after: number; ms: number };
  return { before, after, ms };
}

/**
 * BENCH_KEEP_DATA_DIR=<dir>: a stopped system's DATA_DIR is copied into <dir> (under its own name) before it is
 * deleted, for looking into afterwards (the node's state dump, the index, the gateway's log). Only a clean stop keeps
 * it; an interrupted run deletes everything as usual.
 */
function keepDataDir(dataDir: string): void {
  const keep = process.env.BENCH_KEEP_DATA_DIR;
  if (keep) fs.cpSync(dataDir, path.join(path.resolve(keep), path.basename(dataDir)), { recursive: true });
}

/** The log files of the gateways started and not yet stopped (a part that hangs reports their last lines). */
const running = new Set<string>();

export function runningGatewayLogs(): string[] {
  return [...running];
}

export async function startBenchGateway(options: { importKeysFor: string[] }): Promise<BenchGateway> {
  const dataDir = tempDataDir("cal-bench-gw-");
  const logFile = path.join(dataDir, "gateway.log");
  // The process the interrupt stops (a new one after `restart`).
  const live: { gw?: GatewayProcess } = {};
  // Registered before anything is written, so that an interrupted start leaves nothing behind either.
  const release = onInterrupt(async () => {
    running.delete(logFile);
    await live.gw?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const password = crypto.randomBytes(24).toString("base64url");
  const keystore = await Keystore.open({ dir: path.join(dataDir, "keystore"), password, scryptN: 1024, log: pino({ level: "silent" }) });
  const wallets: Record<string, Wallet> = {};
  for (const code of options.importKeysFor) wallets[code] = await keystore.create(code);

  const port = await freePort();
  const chainPort = await freePort();
  const home = path.join(dataDir, "home");
  fs.mkdirSync(home);
  const spawnGateway = () =>
    new GatewayProcess(dataDir, port, chainPort, {
      baseEnv: {},
      logFile,
      env: {
        HOME: home,
        KEYSTORE_PASSWORD: password,
        KEYSTORE_SCRYPT_N: "1024",
        RATE_LIMIT_MAX: "1000000",
      },
      // BENCH_PROFILE_DIR=<dir>: the gateway writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
      nodeArgs: process.env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE_DIR)}`] : [],
    });
  let gw = (live.gw = spawnGateway());
  running.add(logFile);
  try {
    await gw.ready(180_000);
  } catch (err) {
    const message = `${(err as Error).message}\n${tail(logFile)}`;
    await gw.cleanup();
    fs.rmSync(dataDir, { recursive: true, force: true });
    running.delete(logFile);
    release();
    throw new Error(message);
  }
  const credentials = gw.credentials();
  const apiKeys = Object.fromEntries(Object.entries(credentials.organizations).map(([code, c]) => [code, c.apiKey]));
  const adminKey = apiKeys["CITY-ADMIN"];
  const chainUrl = `http://127.0.0.1:${chainPort}`;
  const provider = await connectProvider(chainUrl, { gasPrice: 0n, pollingIntervalMs: 20, timeoutMs: 60_000, connectDeadlineMs: 10_000 });
  const record = JSON.parse(fs.readFileSync(path.join(dataDir, DEPLOYMENT_FILE), "utf8")) as DeploymentRecord;
  for (const code of Object.keys(wallets)) wallets[code] = wallets[code].connect(provider);
  const call = (key: string, method: string, p: string, body?: unknown) => api(gw, key, method, p, body);
  let lastStop: StopReport | undefined;

  return {
    get gw() {
      return gw;
    },
    url: gw.url,
    dataDir,
    chainUrl,
    provider,
    record,
    system: attachSystem(record, provider),
    adminKey,
    apiKeys,
    wallets,
    call,
    logFile,
    async admit(code, kind, roles = []) {
      const registered = await call(adminKey, "POST", "/v1/participants", { code, name: `Benchmark ${code}`, kind, roles });
      if (registered.status !== 201) throw new Error(`admitting ${code}: ${registered.status} ${JSON.stringify(registered.body)}`);
      // Role grants wait the administrator's delay (ADMIN_DELAY): move the embedded node's clock past it, then execute them.
      const grants = (registered.body.result.scheduledGrants ?? []) as { operationId: string; readyAt: string }[];
      if (grants.length > 0) {
        const latest = (await provider.getBlock("latest"))!.timestamp;
        const wait = Math.max(...grants.map((g) => Date.parse(g.readyAt) / 1000)) - latest;
        if (wait > 0) await provider.send("evm_increaseTime", [wait]);
        await provider.send("evm_mine", []);
        for (const g of grants) {
          const done = await call(adminKey, "POST", `/v1/governance/operations/${g.operationId}/execute`);
          if (done.status !== 200) throw new Error(`granting ${code}'s roles: ${done.status} ${JSON.stringify(done.body)}`);
        }
      }
      const key = await call(adminKey, "POST", "/v1/api-keys", { organization: code, label: "benchmark" });
      if (key.status !== 201) throw new Error(`API key for ${code}: ${key.status} ${JSON.stringify(key.body)}`);
      apiKeys[code] = key.body.key;
      return key.body.key as string;
    },
    get lastStop() {
      return lastStop;
    },
    async restart(options = {}) {
      const stopping = performance.now();
      await gw.stop();
      lastStop = { ms: performance.now() - stopping, compaction: lastCompaction(logFile) };
      if (options.dropIndex) for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(path.join(dataDir, `index.db${suffix}`), { force: true });
      const started = performance.now();
      gw = live.gw = spawnGateway();
      await gw.ready(600_000);
      return performance.now() - started;
    },
    async stop() {
      running.delete(logFile);
      provider.destroy();
      await gw.stop();
      keepDataDir(dataDir);
      fs.rmSync(dataDir, { recursive: true, force: true });
      release();
    },
  };
}

/** The last lines of the gateway's log: what a failed benchmark part reports beside its own error. */
export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * Real gateway processes (`npm start`, or node on server/main.ts directly) for the end-to-end tests and the
 * benchmarks: free ports, a throwaway DATA_DIR, readiness, credentials, signals.
 */
export const ROOT = path.resolve(__dirname, "../..");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const tempDataDir = (prefix = "cal-e2e-"): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface GatewayProcessOptions {
  /** Through `npm start` (as a user would) rather than node on server/main.ts. */
  viaNpm?: boolean;
  /** Replaces the test-friendly defaults below (a benchmark passes `{}` to keep the gateway's own defaults). */
  baseEnv?: Record<string, string>;
  env?: Record<string, string>;
  /** Write the gateway's output to this file instead of keeping it in memory (long runs log a lot). */
  logFile?: string;
  /** Options for node itself (e.g. --cpu-prof, which NODE_OPTIONS does not accept); not with viaNpm. */
  nodeArgs?: string[];
}

/** Short polling and rebroadcast so tests finish quickly; cheap key derivation. Not the production defaults. */
export const TEST_ENV: Record<string, string> = {
  KEYSTORE_SCRYPT_N: "1024",
  CHAIN_POLL_INTERVAL_MS: "50",
  TX_REBROADCAST_MS: "1000",
  LOG_LEVEL: "info",
};

/** A gateway process in its own process group. */
export class GatewayProcess {
  readonly output: string[] = [];
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly chainPort: number,
    options: GatewayProcessOptions = {},
  ) {
    this.url = `http://127.0.0.1:${port}`;
    const [cmd, args] = options.viaNpm
      ? ["npm", ["start", "--silent"]]
      : [process.execPath, [...(options.nodeArgs ?? []), "scripts/ts-cached.js", "server/main.ts"]];
    const logFd = options.logFile ? fs.openSync(options.logFile, "a") : undefined;
    this.child = spawn(cmd, args, {
      cwd: ROOT,
      detached: true,
      stdio: logFd === undefined ? ["ignore", "pipe", "pipe"] : ["ignore", logFd, logFd],
      env: {
        ...process.env,
        ...(options.baseEnv ?? TEST_ENV),
        DATA_DIR: dataDir,
        PORT: String(port),
        CHAIN_PORT: String(chainPort),
        ...options.env,
      },
    });
    if (logFd !== undefined) {
      fs.closeSync(logFd);
    } else {
      for (const stream of [this.child.stdout!, this.child.stderr!]) {
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => this.output.push(...chunk.split("\n").filter(Boolean)));
      }
    }
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The embedded node's pid, from DATA_DIR/chain.pid. */
  chainPid(): number | undefined {
    try {
      return Number(fs.readFileSync(path.join(this.dataDir, "chain.pid"), "utf8"));
    } catch {
      return undefined;
    }
  }

  async ready(timeoutMs = 120_000): Promise<void> {
    let stop = false;
    const exitedEarly = this.exited.then(({ code, signal }) => {
      if (!stop) throw new Error(`gateway exited early (${code ?? signal}):\n${this.output.slice(-20).join("\n")}`);
    });
    try {
      await Promise.race([
        exitedEarly,
        // Asked every 20 ms: the benchmark's restart time is this wait, and a coarser step would be part of it.
        waitFor(
          `${this.url}/ready`,
          timeoutMs,
          async () => {
            const res = await fetch(`${this.url}/ready`, { signal: AbortSignal.timeout(2_000) });
            return res.status === 200;
          },
          20,
        ),
      ]);
    } finally {
      stop = true;
    }
  }

  credentials(): { organizations: Record<string, { apiKey: string; address: string }> } {
    return JSON.parse(fs.readFileSync(path.join(this.dataDir, "credentials.json"), "utf8"));
  }

  /** Signals the gateway's process group (the embedded node has its own group). */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // already gone
    }
  }

  /** Stops the gateway as Ctrl-C would (it stops its embedded node cleanly); SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.signal("SIGTERM");
    const timer = setTimeout(() => void this.cleanup(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the gateway with SIGKILL (only its own process, as a crash would) and waits for it to be gone. */
  async crash(): Promise<void> {
    this.signal("SIGKILL");
    await this.exited;
  }

  /** Last resort for `after` hooks: kill the gateway group and its embedded node. */
  async cleanup(): Promise<void> {
    const chain = this.chainPid();
    this.signal("SIGKILL");
    if (chain && isAlive(chain)) {
      try {
        process.kill(-chain, "SIGKILL");
      } catch {
        // gone
      }
    }
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5_000))]);
  }
}

/** fetch + JSON with the gateway's API key. */
export async function api(
  gw: { url: string },
  key: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

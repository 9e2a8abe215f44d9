/**
 * Benchmark 2: gateway write throughput. N credit transfers through `POST /v1/carbon/transfers` at concurrency 1, 8
 * and 32 (one organisation, so one signing key, per concurrent client), against the same number of transfers sent
 * directly with ethers to the same node by the same number of signers (`contract.safeTransferFrom()` with ethers'
 * own nonce and gas estimate; its receipt is looked for on each new block, the head being polled every 10 ms by one
 * loop shared by the clients). Each client waits for its answer (201/200 = mined) before the next request.
 *
 * Direct and gateway runs are interleaved A-B-B-A at every level, so both see the same chain height on average:
 * the embedded node slows as blocks accumulate (benchmark 5). Before each level every lane makes one unmeasured
 * transfer on each path (warm-up).
 */
import { ethers, type Provider, type TransactionReceipt } from "ethers";
import { Sender, processCpuMs } from "./lib/chain";
import type { BenchGateway } from "./lib/gateway-system";
import type { GatewayLevel } from "./lib/report";
import { percentile, rate, ratio, round } from "./lib/stats";

export interface GatewayOptions {
  levels: number[];
  /** Transfers per path per level (a multiple of 2 × the largest level keeps the lanes even). */
  transfers: number;
  /** Time bound of one run (a quarter of a level); clients stop starting new transfers after it. */
  runDeadlineMs: number;
}

export const laneCode = (path: "GW" | "DIRECT", i: number): string => `${path}-${String(i + 1).padStart(2, "0")}`;
export const SINK = "BENCH-SINK";

/** Organisations whose keys the benchmark must hold (imported into the keystore before the gateway starts). */
export function keysToImport(levels: number[]): string[] {
  const lanes = Math.max(...levels);
  return ["DONRE", "VVB-1", ...Array.from({ length: lanes }, (_, i) => laneCode("DIRECT", i))];
}

interface PathRun {
  /** CPU time (ms) of the gateway process and of the node during the run. */
  gatewayCpuMs: number;
  nodeCpuMs: number;
  ok: number;
  failures: number;
  seconds: number;
  latencies: number[];
  errors: Map<string, number>;
  /** The run hit its time bound before every client finished. */
  timedOut?: boolean;
}

export async function runGatewayBenchmark(sys: BenchGateway, options: GatewayOptions, log: (line: string) => void): Promise<Record<string, GatewayLevel>> {
  const lanes = Math.max(...options.levels);
  const { batchId } = await setUp(sys, lanes, options.transfers, log);
  const carbon = sys.system.carbon;
  const sink = await accountOf(sys, SINK);

  const gatewayOp = (lane: number) => async () => {
    const res = await sys.call(sys.apiKeys[laneCode("GW", lane)], "POST", "/v1/carbon/transfers", { batchId: batchId.toString(), to: SINK, amount: "1" });
    if (res.status !== 200 && res.status !== 201) throw new Error(`HTTP ${res.status} ${res.body?.error?.code ?? ""}`.trim());
  };
  const receipts = new SharedReceiptWaiter(sys.provider);
  const directOp = (lane: number) => {
    const wallet = sys.wallets[laneCode("DIRECT", lane)];
    const contract = carbon.connect(wallet);
    return async () => {
      const tx = await contract.safeTransferFrom(wallet.address, sink, batchId, 1n, "0x");
      const receipt = await receipts.wait(tx.hash, 120_000);
      if (receipt.status !== 1) throw new Error("reverted");
    };
  };

  const cpu = () => ({ gateway: processCpuMs(sys.gw.pid) ?? 0, node: processCpuMs(sys.gw.chainPid()) ?? 0 });
  const measured = async (clients: number, perClient: number, op: (lane: number) => () => Promise<void>): Promise<PathRun> => {
    const before = cpu();
    const run = await runClients(clients, perClient, op, options.runDeadlineMs);
    const after = cpu();
    return { ...run, gatewayCpuMs: after.gateway - before.gateway, nodeCpuMs: after.node - before.node };
  };

  const results: Record<string, GatewayLevel> = {};
  for (const c of options.levels) {
    const half = Math.max(c, Math.floor(options.transfers / 2 / c) * c);
    // Warm-up, not measured, for both paths alike: each lane's first transfer (a signer's first nonce read, its key's
    // first use, connections opened) is not what a level measures.
    await runClients(c, 1, directOp, options.runDeadlineMs);
    await runClients(c, 1, gatewayOp, options.runDeadlineMs);
    const startBlock = await sys.provider.getBlockNumber();
    const direct: PathRun[] = [];
    const gateway: PathRun[] = [];
    direct.push(await measured(c, half / c, directOp));
    gateway.push(await measured(c, half / c, gatewayOp));
    gateway.push(await measured(c, half / c, gatewayOp));
    direct.push(await measured(c, half / c, directOp));
    const endBlock = await sys.provider.getBlockNumber();
    const g = merge(gateway);
    const d = merge(direct);
    const level: GatewayLevel & { errors?: Record<string, number>; cpuMsPerTransfer: Record<string, number | null>; maxms: number | null; directMaxms: number | null } = {
      transfers: g.ok + g.failures,
      signers: c,
      tps: rate(g.ok, g.seconds),
      directTps: rate(d.ok, d.seconds),
      ratio: ratio(rate(g.ok, g.seconds, 6), rate(d.ok, d.seconds, 6)),
      p50ms: round(percentile(g.latencies, 50)),
      p95ms: round(percentile(g.latencies, 95)),
      failures: g.failures,
      directP50ms: round(percentile(d.latencies, 50)),
      directP95ms: round(percentile(d.latencies, 95)),
      directFailures: d.failures,
      blocks: [startBlock, endBlock],
      maxms: round(g.latencies.length ? Math.max(...g.latencies) : null),
      directMaxms: round(d.latencies.length ? Math.max(...d.latencies) : null),
      // Load-independent costs: CPU of the gateway process, and of the node, per transfer on each path.
      cpuMsPerTransfer: {
        gateway: round(g.ok ? g.gatewayCpuMs / g.ok : null, 2),
        nodeViaGateway: round(g.ok ? g.nodeCpuMs / g.ok : null, 2),
        nodeDirect: round(d.ok ? d.nodeCpuMs / d.ok : null, 2),
      },
    };
    if ([...gateway, ...direct].some((r) => r.timedOut)) g.errors.set(`time bound of ${options.runDeadlineMs / 1000} s per run reached: fewer transfers than asked`, 1);
    const errors = Object.fromEntries([...g.errors, ...[...d.errors].map(([k, v]) => [`direct: ${k}`, v] as const)]);
    if (Object.keys(errors).length > 0) level.errors = errors;
    results[`c${c}`] = level;
    log(
      `gateway: c${c}: gateway ${level.tps} tx/s (p50 ${level.p50ms} ms, p95 ${level.p95ms} ms, ${level.failures} failed), ` +
        `direct ${level.directTps} tx/s (p50 ${level.directP50ms} ms, max ${level.directMaxms} ms), ratio ${level.ratio}, blocks ${startBlock}→${endBlock}; ` +
        `CPU ms per transfer: gateway ${level.cpuMsPerTransfer.gateway}, node ${level.cpuMsPerTransfer.nodeViaGateway} (direct: node ${level.cpuMsPerTransfer.nodeDirect})`,
    );
  }
  receipts.stop();
  return results;
}

/**
 * How the direct clients learn that their transfers were mined, as an application would with one provider (ethers'
 * own `tx.wait()` shares one block poller among all waiting transactions): one loop polls the head every 10 ms while
 * anything is waited for, and on each new block every waiter asks for its receipt once. (Each client polling its
 * own receipt every 10 ms cost the node and the benchmark process 3,200 calls a second at 32 clients, slowing the
 * direct path by work no real client does; the gateway's tracker likewise watches the head, not each transaction.)
 * Not `tx.wait()` itself: its block poller can miss the one block mined for a lone transaction (seen: 17-26 s).
 */
class SharedReceiptWaiter {
  /** `seen`: the head at which the waiter last asked for its receipt (-1: not yet, so a new waiter asks at once). */
  readonly #waiters = new Map<string, { resolve: (r: TransactionReceipt) => void; reject: (e: Error) => void; deadline: number; seen: number }>();
  #loop: Promise<void> | undefined;

  constructor(private readonly provider: Provider) {}

  wait(hash: string, timeoutMs: number): Promise<TransactionReceipt> {
    return new Promise((resolve, reject) => {
      this.#waiters.set(hash, { resolve, reject, deadline: Date.now() + timeoutMs, seen: -1 });
      this.#loop ??= this.run().finally(() => (this.#loop = undefined));
    });
  }

  stop(): void {
    for (const [, w] of this.#waiters) w.reject(new Error("stopped"));
    this.#waiters.clear();
  }

  private async run(): Promise<void> {
    while (this.#waiters.size > 0) {
      const head = await this.provider.getBlockNumber().catch(() => -1);
      await Promise.all(
        [...this.#waiters].map(async ([hash, w]) => {
          if (w.seen >= head && head >= 0) return;
          w.seen = head;
          const receipt = await this.provider.getTransactionReceipt(hash).catch(() => null);
          if (receipt) {
            this.#waiters.delete(hash);
            w.resolve(receipt);
          }
        }),
      );
      for (const [hash, w] of this.#waiters) {
        if (Date.now() > w.deadline) {
          this.#waiters.delete(hash);
          w.reject(new Error("no receipt within 120 s"));
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** `clients` concurrent clients, each running `perClient` operations one after another. */
async function runClients(
  clients: number,
  perClient: number,
  op: (lane: number) => () => Promise<void>,
  deadlineMs: number,
): Promise<Omit<PathRun, "gatewayCpuMs" | "nodeCpuMs">> {
  const run: Omit<PathRun, "gatewayCpuMs" | "nodeCpuMs"> = { ok: 0, failures: 0, seconds: 0, latencies: [], errors: new Map() };
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, lane) => {
      const once = op(lane);
      for (let i = 0; i < perClient; i++) {
        const started = performance.now();
        if (started - t0 > deadlineMs) {
          run.timedOut = true;
          break;
        }
        try {
          await once();
          run.ok++;
          run.latencies.push(performance.now() - started);
        } catch (err) {
          run.failures++;
          const key = ((err as Error).message ?? String(err)).slice(0, 120);
          run.errors.set(key, (run.errors.get(key) ?? 0) + 1);
        }
      }
    }),
  );
  run.seconds = (performance.now() - t0) / 1000;
  return run;
}

function merge(runs: PathRun[]): PathRun {
  const errors = new Map<string, number>();
  for (const r of runs) for (const [k, v] of r.errors) errors.set(k, (errors.get(k) ?? 0) + v);
  return {
    gatewayCpuMs: runs.reduce((s, r) => s + r.gatewayCpuMs, 0),
    nodeCpuMs: runs.reduce((s, r) => s + r.nodeCpuMs, 0),
    ok: runs.reduce((s, r) => s + r.ok, 0),
    timedOut: runs.some((r) => r.timedOut),
    failures: runs.reduce((s, r) => s + r.failures, 0),
    seconds: runs.reduce((s, r) => s + r.seconds, 0),
    latencies: runs.flatMap((r) => r.latencies),
    errors,
  };
}

async function accountOf(sys: BenchGateway, code: string): Promise<string> {
  const res = await sys.call(sys.adminKey, "GET", `/v1/participants/${code}`);
  if (res.status !== 200) throw new Error(`participant ${code}: HTTP ${res.status}`);
  return res.body.accounts[0];
}

/**
 * Admits one business per client lane for each path and a receiving business through the API, then issues credits
 * with the issuer's and verifier's keys (demo organisations DONRE and VVB-1, whose keys the benchmark imported) and
 * hands each lane enough of them.
 */
async function setUp(sys: BenchGateway, lanes: number, transfers: number, log: (line: string) => void): Promise<{ batchId: bigint }> {
  const codes = [SINK, ...Array.from({ length: lanes }, (_, i) => laneCode("GW", i)), ...Array.from({ length: lanes }, (_, i) => laneCode("DIRECT", i))];
  for (let i = 0; i < codes.length; i += 8) await Promise.all(codes.slice(i, i + 8).map((code) => sys.admit(code, "Business")));
  log(`gateway: ${codes.length} benchmark organisations admitted through the API`);

  const issuer = sys.wallets.DONRE;
  const verifier = sys.wallets["VVB-1"];
  const carbon = sys.system.carbon;
  const projectId = "VN-BENCH-0001";
  const projectKey = ethers.id(projectId);
  const orgId = ethers.encodeBytes32String(laneCode("DIRECT", 0));
  const total = BigInt(transfers * 4 + 1_000);
  await (await carbon.connect(issuer).registerProject(projectId, orgId, "Domestic", "benchmark", "Da Nang", ethers.ZeroHash)).wait();
  const now = BigInt((await sys.provider.getBlock("latest"))!.timestamp);
  const report = ethers.id(`bench-report-${now}`);
  await (await carbon.connect(verifier).attest(projectKey, now - 86_400n * 365n, now - 86_400n, total * BigInt(lanes * 2), report)).wait();
  const attestationId = await carbon.attestationIdOf(projectKey, now - 86_400n * 365n, now - 86_400n, report);
  const fund = sys.wallets[laneCode("DIRECT", 0)];
  await (await carbon.connect(issuer).issue(attestationId, fund.address, total * BigInt(lanes * 2))).wait();
  const batchId = await carbon.lastBatchId();
  const sender = new Sender(fund, 500_000n);
  for (let i = 0; i < lanes; i++) {
    await sender.tx(carbon.connect(fund).safeTransferFrom.populateTransaction(fund.address, await accountOf(sys, laneCode("GW", i)), batchId, total, "0x"));
    if (i > 0) await sender.tx(carbon.connect(fund).safeTransferFrom.populateTransaction(fund.address, sys.wallets[laneCode("DIRECT", i)].address, batchId, total, "0x"));
  }
  await sender.settle();
  log(`gateway: batch ${batchId} issued and handed to ${lanes * 2} lanes`);
  return { batchId };
}

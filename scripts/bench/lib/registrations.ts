/**
 * Single dataset registrations through the gateway, and the probe the city year and the ledger part measure them
 * with: `count` registrations by `clients` concurrent clients, each waiting for its answer before the next, with the
 * throughput, the latency and what the node spent per block meanwhile.
 */
import { createHash } from "node:crypto";
import { processCpuMs } from "./chain";
import type { BenchGateway } from "./gateway-system";
import { percentile, rate, round } from "./stats";

export interface ProbeResult {
  datasetsOnLedger: number;
  clients: number;
  registrations: number;
  tps: number | null;
  p50ms: number | null;
  p95ms: number | null;
  nodeCpuMsPerBlock: number | null;
  transactionsPerBlock: number | null;
}

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** A write that must succeed: 200/201 answers its result; 202 (not mined within the wait) is followed to the end. */
export function writer(sys: BenchGateway) {
  return async (org: string, method: string, p: string, body: unknown): Promise<Record<string, any>> => {
    const key = sys.apiKeys[org];
    if (!key) throw new Error(`no API key for ${org}`);
    let res = await sys.call(key, method, p, body);
    while (res.status === 202) {
      await new Promise((r) => setTimeout(r, 200));
      const tx = await sys.call(key, "GET", `/v1/transactions/${res.body.transaction.id}`);
      if (tx.status === 200 && tx.body.status === "pending") continue;
      res = tx.body.status === "mined" ? { status: 201, body: { result: tx.body.result } } : { status: 500, body: tx.body };
    }
    if (res.status !== 200 && res.status !== 201) throw new Error(`${method} ${p} as ${org}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body.result;
  };
}

/** `count` clients each running `perLane` operations one after another. */
export async function lanes(count: number, perLane: number, op: (lane: number, i: number) => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, lane) => {
      for (let i = 0; i < perLane; i++) await op(lane, i);
    }),
  );
}

/** Open datasets registered one by one by DATA-OFFICE, counting every dataset the ledger holds (`registered`). */
export class Registrations {
  /** Datasets on the ledger: these singles plus what the caller adds for its catalogue imports. */
  registered = 0;
  readonly #write: ReturnType<typeof writer>;

  constructor(
    private readonly sys: BenchGateway,
    private readonly part: string,
    private readonly log: (line: string) => void,
  ) {
    this.#write = writer(sys);
  }

  async single(tag: string): Promise<void> {
    await this.#write("DATA-OFFICE", "POST", "/v1/datasets", {
      contentHash: sha256(`${this.part} ${tag}`),
      metadataHash: `0x${sha256(`metadata ${tag}`)}`,
      holder: "DATA-OFFICE",
      classification: "Open",
      title: `City dataset ${tag}`,
      uri: `https://opendata.example/${this.part.replace(/\s+/g, "-")}/${tag}.csv`,
    });
    this.registered++;
  }

  async probe(label: string, count: number, clients: number): Promise<ProbeResult> {
    const { sys } = this;
    const latencies: number[] = [];
    const cpu0 = processCpuMs(sys.gw.chainPid());
    const block0 = await sys.provider.getBlockNumber();
    const t0 = performance.now();
    await lanes(clients, Math.ceil(count / clients), async (lane, i) => {
      const started = performance.now();
      await this.single(`${label}-${lane}-${i}`);
      latencies.push(performance.now() - started);
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = processCpuMs(sys.gw.chainPid());
    const blocks = (await sys.provider.getBlockNumber()) - block0;
    const result: ProbeResult = {
      datasetsOnLedger: this.registered - latencies.length,
      clients,
      registrations: latencies.length,
      tps: rate(latencies.length, seconds),
      p50ms: round(percentile(latencies, 50)),
      p95ms: round(percentile(latencies, 95)),
      nodeCpuMsPerBlock: cpu0 === null || cpu1 === null || blocks === 0 ? null : round((cpu1 - cpu0) / blocks, 1),
      transactionsPerBlock: blocks === 0 ? null : round(latencies.length / blocks, 1),
    };
    this.log(
      `${this.part}: ${label} probe, ${clients} clients, with ${result.datasetsOnLedger} datasets: ${result.tps} registrations/s, p50 ${result.p50ms} ms, ` +
        `p95 ${result.p95ms} ms, ${result.transactionsPerBlock} per block, node ${result.nodeCpuMsPerBlock} ms CPU/block`,
    );
    return result;
  }
}

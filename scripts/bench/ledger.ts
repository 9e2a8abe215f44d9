/**
 * Benchmark 8: the gateway's write capacity as datasets accumulate, nothing else on the ledger — DESIGN.md "Numbers
 * to beat": write throughput with 50,000 datasets registered ≥ 0.7× the throughput on an empty ledger. The system as
 * `npm start` runs it; at each point the city year's two probes (64 clients for the capacity, 8 that each wait for
 * their answer for the latency), then catalogue imports up to the next point. The city year measures the same probes
 * around a year that also holds 20,000 credit operations, 5,000 fills and the licence sales: their storage (about
 * 40,000 slots, as many again as the datasets') doubles what anvil spends on every block, since it rehashes the whole
 * state each time, so its end probe is the harder one. Both are reported.
 */
import fs from "node:fs";
import path from "node:path";
import { generateCatalogue } from "../lib/catalogue";
import { startBenchGateway, stopFigures } from "./lib/gateway-system";
import { Registrations, writer, type ProbeResult } from "./lib/registrations";
import { ratio, round } from "./lib/stats";

export interface LedgerOptions {
  /** Datasets on the ledger at each measurement (the probes' own registrations count towards the next one). */
  datasets: number[];
  perCatalogue: number;
  /** Registrations of the capacity probe, and its concurrent clients. */
  loadProbe: number;
  loadClients: number;
  /** Registrations of the latency probe, and its concurrent clients. */
  probe: number;
  probeClients: number;
}

export interface LedgerPoint {
  datasets: number;
  load: ProbeResult;
  latency: ProbeResult;
  /** Seconds the catalogue imports up to this point took. */
  importSeconds: number;
}

export interface LedgerResult {
  points: LedgerPoint[];
  /** The capacity probe's throughput at the last point / at the first (target ≥ 0.7 at 50,000 datasets). */
  loadThroughputRatio: number | null;
  /** The same for the latency probe's clients. */
  throughputRatio: number | null;
  /**
   * `npm start` again on the last point's DATA_DIR: seconds to /ready, and the size of the node's state dump it loads
   * (anvil parses the whole dump before it answers; the city year's, with its credit operations, is about twice as big).
   */
  restartSeconds: number;
  stateDumpMb: number;
  /**
   * The stop before that restart: seconds until the gateway exited, and the dump the node wrote on exit before the
   * gateway compacted it (its call traces dropped: server/chain/state-compaction.ts); null when no compaction ran.
   */
  stopSeconds: number;
  stateDumpBeforeCompactionMb: number | null;
}

export async function runLedgerBenchmark(o: LedgerOptions, log: (line: string) => void): Promise<LedgerResult> {
  const sys = await startBenchGateway({ importKeysFor: [] });
  try {
    const write = writer(sys);
    const datasets = new Registrations(sys, "ledger", log);
    const points: LedgerPoint[] = [];
    let batch = 0;
    for (const target of o.datasets) {
      const t0 = performance.now();
      // One import at a time, as a data office publishes its catalogues.
      while (datasets.registered < target) {
        const count = Math.min(o.perCatalogue, target - datasets.registered);
        const result = await write("DATA-OFFICE", "POST", "/v1/datasets/batch", { holder: "DATA-OFFICE", catalogue: generateCatalogue(count, 70_000 + batch++).catalogue });
        datasets.registered += Number(result.registered);
      }
      const importSeconds = round((performance.now() - t0) / 1000, 1)!;
      if (importSeconds > 0.1) log(`ledger: ${datasets.registered} datasets on the ledger (imports ${importSeconds} s)`);
      const load = await datasets.probe(`capacity-${target}`, o.loadProbe, o.loadClients);
      const latency = await datasets.probe(`latency-${target}`, o.probe, o.probeClients);
      points.push({ datasets: load.datasetsOnLedger, load, latency, importSeconds });
    }
    const restartSeconds = round((await sys.restart()) / 1000, 2)!;
    // Read before the new node's first dump (CHAIN_STATE_INTERVAL after its start): the one its predecessor wrote on exit.
    const stateDumpMb = round(fs.statSync(path.join(sys.dataDir, "chain-state.json")).size / 1e6, 1)!;
    const stop = stopFigures(sys.lastStop);
    log(
      `ledger: stopped in ${stop.stopSeconds} s (state dump compacted from ${stop.stateDumpBeforeCompactionMb} MB in ${stop.compactionSeconds} s); ` +
        `restart (same DATA_DIR, a ${stateDumpMb} MB state dump) ready in ${restartSeconds} s`,
    );
    const [first, last] = [points[0], points[points.length - 1]];
    return {
      points,
      loadThroughputRatio: points.length < 2 ? null : ratio(last.load.tps, first.load.tps),
      throughputRatio: points.length < 2 ? null : ratio(last.latency.tps, first.latency.tps),
      restartSeconds,
      stateDumpMb,
      stopSeconds: stop.stopSeconds,
      stateDumpBeforeCompactionMb: stop.stateDumpBeforeCompactionMb,
    };
  } finally {
    await sys.stop();
  }
}

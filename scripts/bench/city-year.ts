/**
 * Benchmark 7: a city's year through the gateway, on one machine. Datasets (catalogue imports and single
 * registrations), credit operations (issue, transfer, retire, cancel), market fills and licence sales, all as HTTP
 * calls of the demo organisations that `npm start` creates, then what an operator wants to know of the result:
 * single-registration latency and throughput on the empty ledger and on the full one (the same two probes at both
 * ends: a few clients for latency, many for capacity),
 * node CPU per block, the size of DATA_DIR, memory of gateway and node, restart time, index rebuild time and the
 * independent audit's time over the whole history.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { auditChain } from "../audit/audit-chain";
import { isWholeStateFile } from "../../server/chain/state-file";
import { generateCatalogue } from "../lib/catalogue";
import { DEMO_POLICY } from "../demo/scenario";
import { directorySize, processCpuMs, processRssMb } from "./lib/chain";
import { startBenchGateway, stopFigures, type BenchGateway } from "./lib/gateway-system";
import { lanes, Registrations, sha256, writer, type ProbeResult } from "./lib/registrations";
import { ratio, round } from "./lib/stats";

export interface CityYearOptions {
  /** Datasets registered in the year: catalogue imports of `perCatalogue` each, the rest one by one. */
  datasets: number;
  perCatalogue: number;
  /** Single registrations among `datasets`. */
  singles: number;
  /** Credit operations, a quarter each of issue, transfer, retire and cancel. */
  creditOperations: number;
  /** Market fills (one credit each, from one listing). */
  fills: number;
  /** Licence sales of one dataset offer. */
  sales: number;
  /** Single registrations of the start and end latency probes, sent by `probeClients` concurrent clients. */
  probe: number;
  probeClients: number;
  /**
   * Single registrations of the start and end load probes, sent by `loadClients` concurrent clients: the write
   * capacity, with enough writes pending for the block producer to fill its blocks (8 clients that each wait for
   * their answer put at most 8 writes in a block, so the latency probe measures the block time, not the capacity).
   */
  loadProbe: number;
  loadClients: number;
}

export type { ProbeResult };

export interface CityYearResult {
  datasets: number;
  creditOperations: number;
  marketFills: number;
  licenceSales: number;
  /** Wall time of the year's writes. */
  seconds: number;
  start: ProbeResult;
  end: ProbeResult;
  startLoad: ProbeResult;
  endLoad: ProbeResult;
  /** The latency probe's throughput on the full ledger / on the empty one. */
  throughputRatio: number | null;
  /** The load probe's throughput (the write capacity) on the full ledger / on the empty one (target ≥ 0.7). */
  loadThroughputRatio: number | null;
  nodeCpuMsPerBlock: number | null;
  blocks: number;
  dataDirMb: number;
  gatewayRssMb: number | null;
  nodeRssMb: number | null;
  restartSeconds: number;
  /** The node's state dump that restart loaded, and the stop before it (see LedgerResult). */
  stateDumpMb: number;
  stopSeconds: number;
  stateDumpBeforeCompactionMb: number | null;
  indexRebuildSeconds: number;
  indexedEvents: number;
  auditSeconds: number;
  auditEvents: number;
  auditPassed: boolean;
}

const dayFrom1990 = (days: number) => new Date(Date.UTC(1990, 0, 1) + days * 86_400_000).toISOString().slice(0, 10);

export async function runCityYearBenchmark(options: CityYearOptions, log: (line: string) => void): Promise<CityYearResult> {
  const sys = await startBenchGateway({ importKeysFor: [] });
  try {
    return await cityYear(sys, options, log);
  } finally {
    await sys.stop();
  }
}

async function cityYear(sys: BenchGateway, o: CityYearOptions, log: (line: string) => void): Promise<CityYearResult> {
  const write = writer(sys);
  const datasets = new Registrations(sys, "city year", log);
  const single = (tag: string) => datasets.single(tag);
  const probe = (label: string, count: number, clients: number) => datasets.probe(label, count, clients);

  // The year's fixtures: a project with one large batch at BIZ-SOLAR, VND at BIZ-LOGISTICS, a listing, and a
  // transport dataset on offer.
  // One project per issuing lane: a project's periods must be attested in order, so concurrent issuance needs
  // separate projects (as a city's year has: many projects, each reporting in turn).
  const projects = Array.from({ length: LANES }, (_, lane) => `VN-CY-${String(lane + 1).padStart(4, "0")}`);
  for (const project of projects) {
    await write("DONRE", "POST", "/v1/carbon/projects", { id: project, developer: "BIZ-SOLAR", standard: "Domestic", methodology: "AMS-I.D", location: "Da Nang", metadataHash: `0x${sha256(project)}` });
  }
  const reports = projects.map(() => 0);
  const issue = async (to: string, amount: bigint, lane = 0): Promise<string> => {
    const project = projects[lane]!;
    const n = reports[lane]!++;
    const report = `0x${sha256(`report ${project} ${n}`)}`;
    // One issuance per monitoring period, and periods of a project never overlap: one day each, a day apart.
    const monitoringPeriod = { start: dayFrom1990(2 * n), end: dayFrom1990(2 * n + 1) };
    const attestation = await write("VVB-1", "POST", "/v1/carbon/attestations", { project, monitoringPeriod, amount: amount.toString(), reportHash: report });
    const batch = await write("DONRE", "POST", "/v1/carbon/batches", { attestationId: attestation.attestationId, to, amount: amount.toString() });
    return batch.batchId as string;
  };
  const quarter = Math.ceil(o.creditOperations / 4);
  const { fills, sales } = o;
  const price = 1_000n;
  const batchId = await issue("BIZ-SOLAR", BigInt(4 * quarter + fills + 100));
  await write("BIZ-SOLAR", "POST", "/v1/carbon/transfers", { batchId, to: "BIZ-LOGISTICS", amount: String(quarter) });
  await write("TREASURY", "POST", "/v1/settlement/mint", { to: "BIZ-LOGISTICS", amount: String(price * BigInt(fills + sales + 10)), reference: "CITY-YEAR" });
  const listing = await write("BIZ-SOLAR", "POST", "/v1/market/listings", { batchId, amount: String(fills + 10), unitPrice: price.toString(), minFill: "1" });
  const transport = await write("DATA-OFFICE", "POST", "/v1/datasets/batch", { holder: "AGENCY-TRANSPORT", catalogue: generateCatalogue(10, 1_000).catalogue });
  datasets.registered += Number(transport.registered);
  // Core and Important datasets are never offered outside city agencies.
  const offered = (transport.datasets as { id: string; classification: string }[]).find((d) => d.classification === "Open" || d.classification === "Other")!.id;
  const offer = await write("AGENCY-TRANSPORT", "POST", `/v1/datasets/${offered}/offers`, { priceVnd: price.toString(), termDays: 30, policy: DEMO_POLICY, maxLicences: sales + 10 });

  const start = await probe("start", o.probe, o.probeClients);
  const startLoad = await probe("start-load", o.loadProbe, o.loadClients);
  const cpu0 = processCpuMs(sys.gw.chainPid());
  const block0 = await sys.provider.getBlockNumber();
  const t0 = performance.now();
  const claim = { beneficiary: { name: "City year" }, reason: "benchmark offset", consumptionPeriod: { start: "2025-01-01", end: "2025-12-31" } };
  const bulk = Math.max(0, o.datasets - o.singles - (o.probe + o.loadProbe) * 2 - 2);
  const catalogues = Math.ceil(bulk / o.perCatalogue);
  let progress = 0;
  const tick = (what: string) => {
    if (++progress % 500 === 0) log(`city year: ${progress} writes (${datasets.registered} datasets) after ${round((performance.now() - t0) / 1000)} s, last: ${what}`);
  };
  await Promise.all([
    lanes(1, catalogues, async (_, i) => {
      const count = Math.min(o.perCatalogue, bulk - i * o.perCatalogue);
      const result = await write("DATA-OFFICE", "POST", "/v1/datasets/batch", { holder: "DATA-OFFICE", catalogue: generateCatalogue(count, 2_000 + i).catalogue });
      datasets.registered += Number(result.registered);
      tick("catalogue import");
    }),
    lanes(4, Math.ceil(o.singles / 4), async (lane, i) => {
      await single(`year-${lane}-${i}`);
      tick("single registration");
    }),
    spread(quarter, LANES, async (lane) => {
      await issue("BIZ-SOLAR", 10n, lane);
      tick("issue");
    }),
    spread(quarter, LANES, async () => {
      await write("BIZ-SOLAR", "POST", "/v1/carbon/transfers", { batchId, to: "BIZ-LOGISTICS", amount: "1" });
      tick("transfer");
    }),
    spread(quarter, LANES, async () => {
      await write("BIZ-LOGISTICS", "POST", "/v1/carbon/retirements", { batchId, amount: "1", ...claim });
      tick("retire");
    }),
    spread(quarter, LANES, async () => {
      await write("DONRE", "POST", `/v1/carbon/batches/${batchId}/cancel`, { holder: "BIZ-SOLAR", amount: "1", reason: "benchmark cancellation" });
      tick("cancel");
    }),
    spread(fills, LANES, async () => {
      await write("BIZ-LOGISTICS", "POST", `/v1/market/listings/${listing.listingId}/fill`, { amount: "1", maxCost: price.toString() });
      tick("fill");
    }),
    spread(sales, LANES, async () => {
      await write("BIZ-LOGISTICS", "POST", `/v1/offers/${offer.offerId}/purchase`, { maxPrice: price.toString() });
      tick("licence sale");
    }),
  ]);
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = processCpuMs(sys.gw.chainPid());
  const blocks = (await sys.provider.getBlockNumber()) - block0;
  log(`city year: ${datasets.registered} datasets, ${4 * quarter} credit operations, ${fills} fills, ${sales} licence sales in ${round(seconds)} s over ${blocks} blocks`);
  const end = await probe("end", o.probe, o.probeClients);
  const endLoad = await probe("end-load", o.loadProbe, o.loadClients);

  const gatewayRssMb = processRssMb(sys.gw.pid);
  const nodeRssMb = processRssMb(sys.gw.chainPid());
  const dataDirMb = round((await settledDirectorySize(sys.dataDir)) / 1e6, 1)!;
  // Before the restarts, so the audit reads the ledger the year wrote (the audit needs no old state: its deployment
  // check proves the addresses were empty before the deployment block by the contracts' creating transactions).
  const a0 = performance.now();
  const report = await auditChain({ provider: sys.provider, deployment: sys.record });
  const auditSeconds = round((performance.now() - a0) / 1000, 2)!;
  log(`city year: full audit of ${report.events} events in ${auditSeconds} s, ${report.passed ? "passed" : `${report.discrepancies.length} discrepancies`}`);
  if (!report.passed) throw new Error(`the audit of the city year found ${report.discrepancies.length} discrepancies, first: ${report.discrepancies[0]?.message}`);

  const restartSeconds = round((await sys.restart()) / 1000, 2)!;
  // Read before the new node's first dump (CHAIN_STATE_INTERVAL after its start): the one its predecessor wrote on exit.
  const stateDumpMb = round(fs.statSync(path.join(sys.dataDir, "chain-state.json")).size / 1e6, 1)!;
  const stop = stopFigures(sys.lastStop);
  log(
    `city year: stopped in ${stop.stopSeconds} s (state dump compacted from ${stop.stateDumpBeforeCompactionMb} MB in ${stop.compactionSeconds} s); ` +
      `restart (same DATA_DIR, a ${stateDumpMb} MB state dump) ready in ${restartSeconds} s`,
  );
  const indexRebuildSeconds = round((await sys.restart({ dropIndex: true })) / 1000, 2)!;
  const index = new Database(path.join(sys.dataDir, "index.db"), { readonly: true });
  const indexedEvents = (index.prepare("SELECT COUNT(*) AS n FROM idx_events").get() as { n: number }).n;
  index.close();
  log(`city year: index rebuilt from the chain (${indexedEvents} events, /ready within INDEXER_MAX_LAG) in ${indexRebuildSeconds} s`);
  return {
    datasets: datasets.registered,
    creditOperations: 4 * quarter,
    marketFills: fills,
    licenceSales: sales,
    seconds: round(seconds, 1)!,
    start,
    end,
    startLoad,
    endLoad,
    throughputRatio: ratio(end.tps, start.tps),
    loadThroughputRatio: ratio(endLoad.tps, startLoad.tps),
    nodeCpuMsPerBlock: cpu0 === null || cpu1 === null || blocks === 0 ? null : round((cpu1 - cpu0) / blocks, 1),
    blocks,
    dataDirMb,
    gatewayRssMb,
    nodeRssMb,
    restartSeconds,
    stateDumpMb,
    stopSeconds: stop.stopSeconds,
    stateDumpBeforeCompactionMb: stop.stateDumpBeforeCompactionMb,
    indexRebuildSeconds,
    indexedEvents,
    auditSeconds,
    auditEvents: report.events,
    auditPassed: report.passed,
  };
}

/**
 * DATA_DIR's size with the node's state dump whole: anvil truncates and rewrites it at every dump, so a size read
 * during a dump misses most of it (the fourth pass read 452 MB of about 1 GB). Read between dumps, checked both sides.
 */
async function settledDirectorySize(dataDir: string): Promise<number> {
  const dump = path.join(dataDir, "chain-state.json");
  // No dump yet (the node has not reached its first interval): nothing to miss.
  const settled = () => !fs.existsSync(dump) || isWholeStateFile(dump);
  for (let attempt = 0; attempt < 200; attempt++) {
    if (settled()) {
      const size = directorySize(dataDir);
      if (settled()) return size;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the node's state dump was never whole for 10 s");
}

/**
 * Concurrent clients per kind of credit and market operation. Each kind's operations come from one organisation,
 * as a city's year has them; the gateway orders each account's nonces, so several requests of one account may be
 * in flight together.
 */
const LANES = 4;

/** `total` operations shared by `count` concurrent lanes, each taking the next one when free. */
async function spread(total: number, count: number, op: (lane: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: count }, async (_, lane) => {
      while (next < total) {
        next++;
        await op(lane);
      }
    }),
  );
}


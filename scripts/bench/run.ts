/**
 * `npm run bench [-- --quick | --smoke] [--out <file>] [--only gas,gateway,catalogue,audit,growth,webhooks,portal,cityyear,ledger]
 *   [--part-deadline <seconds>]`
 *
 * Runs the benchmarks of issue 7 on this machine, prints readable tables and writes the JSON record (see
 * lib/report.ts for its shape). Everything runs on loopback, in throwaway directories, bounded in count and time.
 * `--quick` is a smaller version (under two minutes on an idle 2-core machine); the full run takes longer.
 * `--smoke` runs every part at toy sizes, to prove the benchmark works (test/scripts/bench.test.ts runs it in
 * `npm test`); its figures mean nothing.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { anvilBinary } from "../../server/chain/anvil";
import { runAuditBenchmark } from "./audit";
import { runCatalogueBenchmark } from "./catalogue";
import { runCityYearBenchmark, type CityYearOptions } from "./city-year";
import { runLedgerBenchmark, type LedgerOptions } from "./ledger";
import { runGasBenchmark } from "./gas";
import { keysToImport, runGatewayBenchmark } from "./gateway";
import { GROWTH_VARIANTS, runGrowthBenchmark, type GrowthMeasurement, type GrowthOptions } from "./growth";
import { runPortalBenchmark } from "./portal";
import { runWebhookBenchmark } from "./webhooks";
import { growthFindings } from "./lib/findings";
import { stopEverything } from "./lib/cleanup";
import { runningGatewayLogs, startBenchGateway, tail } from "./lib/gateway-system";
import { historyQueryBenchmark } from "./lib/history-query";
import { isSkipped, validateReport, type BenchReport, type GrowthPoint, type Machine } from "./lib/report";
import { table } from "./lib/stats";

const BENCHMARKS = ["gas", "gateway", "catalogue", "audit", "growth", "webhooks", "portal", "cityyear", "ledger"] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];

interface Plan {
  name: "smoke" | "quick" | "full";
  catalogue: { datasets: number };
  gateway: { levels: number[]; transfers: number; runDeadlineMs: number };
  audit: { sizes: number[] };
  history: { subjectEvents: number; queries: number };
  growth: GrowthOptions;
  webhooks: { backlog: number; samples: number };
  portal: { datasets: number; samples: number };
  cityYear: CityYearOptions;
  ledger: LedgerOptions;
  /**
   * The longest any one part may take. A part past it ends the run: its error names the part and carries the last
   * lines of every gateway still running, the processes are stopped, and the JSON is written with what was measured.
   * A part that hangs then fails `npm test`'s smoke run with a reason instead of outliving the test's own timeout.
   */
  partDeadlineMs: number;
}

const SMOKE: Plan = {
  name: "smoke",
  catalogue: { datasets: 40 },
  gateway: { levels: [1, 8, 32], transfers: 64, runDeadlineMs: 15_000 },
  audit: { sizes: [300] },
  history: { subjectEvents: 1_000, queries: 10 },
  growth: { datasets: [0, 400], transfers: 16, clients: 8, variants: GROWTH_VARIANTS, deadlineMs: 60_000 },
  webhooks: { backlog: 20, samples: 3 },
  portal: { datasets: 200, samples: 3 },
  cityYear: { datasets: 120, perCatalogue: 40, singles: 16, creditOperations: 16, fills: 4, sales: 4, probe: 8, probeClients: 4, loadProbe: 16, loadClients: 8 },
  ledger: { datasets: [0, 100], perCatalogue: 40, probe: 8, probeClients: 4, loadProbe: 16, loadClients: 8 },
  // Each part takes 1-25 s on an idle 2-core machine.
  partDeadlineMs: 240_000,
};

const QUICK: Plan = {
  name: "quick",
  catalogue: { datasets: 540 },
  gateway: { levels: [1, 8, 32], transfers: 64, runDeadlineMs: 30_000 },
  audit: { sizes: [4_000] },
  history: { subjectEvents: 100_000, queries: 200 },
  growth: { datasets: [0, 5_000], transfers: 256, clients: 16, variants: GROWTH_VARIANTS, deadlineMs: 120_000 },
  webhooks: { backlog: 60, samples: 10 },
  portal: { datasets: 5_000, samples: 10 },
  cityYear: { datasets: 2_000, perCatalogue: 200, singles: 100, creditOperations: 200, fills: 25, sales: 25, probe: 64, probeClients: 8, loadProbe: 256, loadClients: 64 },
  ledger: { datasets: [0, 5_000], perCatalogue: 200, probe: 64, probeClients: 8, loadProbe: 256, loadClients: 64 },
  partDeadlineMs: 900_000,
};

const FULL: Plan = {
  name: "full",
  catalogue: { datasets: 540 },
  gateway: { levels: [1, 8, 32], transfers: 640, runDeadlineMs: 120_000 },
  // Issue 15: replay measured at 50,000 events, reconcile at 100,000.
  audit: { sizes: [10_000, 50_000, 100_000] },
  history: { subjectEvents: 100_000, queries: 1_000 },
  growth: { datasets: [0, 10_000, 50_000], transfers: 1_024, clients: 32, variants: GROWTH_VARIANTS, deadlineMs: 30 * 60_000 },
  webhooks: { backlog: 1_000, samples: 50 },
  portal: { datasets: 50_000, samples: 20 },
  // The year of issue 15: 50,000 datasets, 20,000 credit operations, 5,000 market fills and the licence sales.
  cityYear: { datasets: 50_000, perCatalogue: 200, singles: 1_000, creditOperations: 20_000, fills: 5_000, sales: 2_500, probe: 256, probeClients: 8, loadProbe: 1_024, loadClients: 64 },
  // DESIGN.md: write throughput with 50,000 datasets registered against the empty ledger's.
  ledger: { datasets: [0, 10_000, 50_000], perCatalogue: 200, probe: 256, probeClients: 8, loadProbe: 1_024, loadClients: 64 },
  // The full city year takes 25-30 min on a 2-core machine.
  partDeadlineMs: 3 * 3_600_000,
};

const say = (line = "") => process.stdout.write(line + "\n");
const stamp = () => new Date().toISOString().slice(11, 19);
const log = (line: string) => say(`[${stamp()}] ${line}`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      smoke: { type: "boolean", default: false },
      out: { type: "string" },
      only: { type: "string" },
      "part-deadline": { type: "string" },
    },
  });
  const plan = { ...(values.smoke ? SMOKE : values.quick ? QUICK : FULL) };
  if (values["part-deadline"] !== undefined) {
    const seconds = Number(values["part-deadline"]);
    if (!(seconds > 0)) throw new Error(`--part-deadline takes a positive number of seconds, not "${values["part-deadline"]}"`);
    plan.partDeadlineMs = seconds * 1000;
  }
  const only = new Set((values.only?.split(",").map((s) => s.trim()).filter(Boolean) ?? BENCHMARKS) as BenchmarkName[]);
  for (const name of only) if (!BENCHMARKS.includes(name)) throw new Error(`unknown benchmark "${name}" (one of ${BENCHMARKS.join(", ")})`);
  const dataDir = path.resolve(process.env.DATA_DIR ?? ".data");
  const out = path.resolve(values.out ?? path.join(dataDir, "bench", `bench-${plan.name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`));

  const machine = machineInfo(plan.name);
  say(`City Asset Ledger benchmarks (${plan.name}) on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, node ${machine.node}, ${machine.anvil}`);
  say(`load average at start: ${machine.loadAverageAtStart.join(" ")} (the machine may be shared: compare node CPU per transaction, not only tx/s)`);

  const skipped = (why: string) => ({ skipped: why });
  const report: BenchReport = {
    machine,
    gas: skipped("not run"),
    gateway: skipped("not run"),
    catalogue: skipped("not run"),
    audit: skipped("not run"),
    growth: skipped("not run"),
    webhooks: skipped("not run"),
    portal: skipped("not run"),
    cityYear: skipped("not run"),
    ledger: skipped("not run"),
    findings: [],
    errors: {},
  };
  const started = Date.now();
  const attempt = async <T>(name: BenchmarkName, fn: () => Promise<T>, label: string = name): Promise<T | undefined> => {
    if (!only.has(name)) return undefined;
    const t0 = Date.now();
    try {
      return await withinDeadline(label, plan.partDeadlineMs, fn());
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      report.errors![name] = message;
      log(`${name}: FAILED: ${message.split("\n")[0]}`);
      if (err instanceof PartOverdue) {
        say(message);
        throw err;
      }
      return undefined;
    } finally {
      log(`${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  };

  try {
    await runParts(plan, only, report, attempt);
  } catch (err) {
    if (!(err instanceof PartOverdue)) throw err;
    // The overdue part is abandoned where it stands: stop what it started, give it a moment to notice (a gateway
    // it was still starting is then stopped as soon as it registers), and write down what the others measured.
    await stopEverything();
    await Promise.race([err.work.catch(() => undefined), new Promise((r) => setTimeout(r, 30_000))]);
    await stopEverything();
  }

  for (const [name, message] of Object.entries(report.errors ?? {})) {
    const key = (name === "cityyear" ? "cityYear" : name) as Exclude<BenchmarkName, "cityyear"> | "cityYear";
    if (isSkipped(report[key])) report[key] = skipped(`failed: ${message.split("\n")[0]}`);
  }
  report.machine.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);

  printTables(report);
  const problems = validateReport(report);
  if (problems.length) say(`\nthe record does not match its shape: ${problems.join("; ")}`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
  say(`\n${((Date.now() - started) / 1000).toFixed(0)} s; load average at end ${report.machine.loadAverageAtEnd.join(" ")}; JSON written to ${out}`);
  return problems.length || Object.keys(report.errors ?? {}).length ? 1 : 0;
}

type Attempt = <T>(name: BenchmarkName, fn: () => Promise<T>, label?: string) => Promise<T | undefined>;

/** Runs the selected parts one after another, recording each result (or error) in `report`. */
async function runParts(plan: Plan, only: Set<BenchmarkName>, report: BenchReport, attempt: Attempt): Promise<void> {
  if (only.has("portal")) {
    // The portal measured is the one `npm start` would serve: rebuilt first if its sources changed since the last build.
    const built = spawnSync(process.execPath, [path.join(__dirname, "..", "build-portal-if-changed.js")], { stdio: "inherit" });
    if (built.status !== 0) report.errors!.portal = `the portal's build failed (exit ${built.status})`;
  }

  const gas = await attempt("gas", () => runGasBenchmark(log));
  if (gas) {
    report.gas = gas.gas;
    report.machine.gasNetwork = gas.network;
    if (gas.unmeasured.length) report.findings!.push(`Writes without a gas figure: ${gas.unmeasured.join(", ")}`);
  }

  let history: Awaited<ReturnType<typeof historyQueryBenchmark>> | undefined;
  if (only.has("gateway") || only.has("catalogue") || only.has("audit") || only.has("webhooks") || only.has("portal")) {
    const sys = await attempt(
      only.has("gateway") ? "gateway" : only.has("catalogue") ? "catalogue" : only.has("audit") ? "audit" : only.has("webhooks") ? "webhooks" : "portal",
      () => startBenchGateway({ importKeysFor: keysToImport(plan.gateway.levels) }),
      "system start (npm start)",
    );
    if (sys) {
      log(`system started as npm start does: gateway ${sys.url}, embedded node ${sys.chainUrl}, DATA_DIR ${sys.dataDir}`);
      try {
        const catalogue = await attempt("catalogue", () => runCatalogueBenchmark(sys, log, plan.catalogue.datasets));
        if (catalogue) report.catalogue = catalogue;
        const gateway = await attempt("gateway", () => runGatewayBenchmark(sys, plan.gateway, log));
        if (gateway) report.gateway = gateway;
        const webhooks = await attempt("webhooks", () => runWebhookBenchmark(sys, plan.webhooks, log));
        if (webhooks) report.webhooks = webhooks;
        history = await attempt("audit", async () => {
          const h = await historyQueryBenchmark(sys, plan.history).catch((err: Error) => {
            // The gateway's last words say more than "fetch failed".
            throw new Error(`${err.message}\n${tail(sys.logFile)}`, { cause: err });
          });
          log(`audit: GET /v1/audit/events for one dataset with ${h.subjectEvents} events (${h.totalEvents} indexed, synthetic rows): p50 ${h.p50ms} ms, p95 ${h.p95ms} ms`);
          return h;
        }, "history query");
        // Last on this system: it fills the index with synthetic datasets the other parts should not see.
        const portal = await attempt("portal", () => runPortalBenchmark(sys, plan.portal, log));
        if (portal) report.portal = portal;
      } finally {
        await sys.stop();
      }
    }
  }

  const audit = await attempt("audit", () => runAuditBenchmark(plan.audit, log));
  if (audit) {
    report.audit = { ...audit, historyP95ms: history?.p95ms ?? null, ...(history ? { history } : {}) };
    const [small, large] = [audit.runs[0], audit.runs[audit.runs.length - 1]];
    if (large?.nodeCpuMsPerEmptyBlock != null) {
      report.findings!.push(
        `Ledger size: with ${large.datasets} datasets the node spends ${large.nodeCpuMsPerEmptyBlock} ms of CPU on every block, even an empty one` +
          (small !== large ? ` (${small.nodeCpuMsPerEmptyBlock} ms with ${small.datasets})` : "") +
          ": anvil recomputes the state root over the whole state at each block, so one transaction a block costs at least that.",
      );
    }
  }

  const growth = await attempt("growth", () => runGrowthBenchmark(plan.growth, log));
  if (growth) {
    const [main, ...others] = growth;
    report.growth = main.points;
    report.growthVariants = Object.fromEntries(others.map((v) => [v.name, { args: v.args, points: v.points }]));
    report.findings!.push(...growthFindings(growth));
  }

  const cityYear = await attempt("cityyear", () => runCityYearBenchmark(plan.cityYear, log), "city year");
  if (cityYear) {
    report.cityYear = cityYear;
    if (cityYear.loadThroughputRatio !== null) {
      report.findings!.push(
        `City year: write capacity (${cityYear.endLoad.clients} clients) ${cityYear.endLoad.tps} registrations/s with ${cityYear.endLoad.datasetsOnLedger} datasets vs ${cityYear.startLoad.tps}/s on the empty ledger (${cityYear.loadThroughputRatio}×; target ≥ 0.7)`,
      );
    }
    if (cityYear.throughputRatio !== null) {
      report.findings!.push(
        `City year: ${cityYear.end.clients} clients waiting for their answers: ${cityYear.end.tps}/s with ${cityYear.end.datasetsOnLedger} datasets vs ${cityYear.start.tps}/s on the empty ledger (${cityYear.throughputRatio}×; p95 ${cityYear.start.p95ms} → ${cityYear.end.p95ms} ms)`,
      );
    }
  }

  const ledger = await attempt("ledger", () => runLedgerBenchmark(plan.ledger, log));
  if (ledger) {
    report.ledger = ledger;
    const [first, last] = [ledger.points[0], ledger.points[ledger.points.length - 1]];
    if (ledger.loadThroughputRatio !== null) {
      report.findings!.push(
        `Ledger: write capacity (${last.load.clients} clients) ${last.load.tps} registrations/s with ${last.load.datasetsOnLedger} datasets and nothing else registered vs ${first.load.tps}/s on the empty ledger (${ledger.loadThroughputRatio}×; target ≥ 0.7); ` +
          `${last.latency.clients} clients waiting for their answers ${last.latency.tps} vs ${first.latency.tps}/s (${ledger.throughputRatio}×)`,
      );
    }
  }
}

/** A part that ran past `Plan.partDeadlineMs`; `work` is the part, abandoned but perhaps still running. */
class PartOverdue extends Error {
  constructor(
    message: string,
    readonly work: Promise<unknown>,
  ) {
    super(message);
  }
}

/** `work`, or a PartOverdue naming the part and what the running gateways logged last, once `ms` have passed. */
function withinDeadline<T>(label: string, ms: number, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const files = runningGatewayLogs();
      const logs = files.length ? files.map((file) => `\n--- last lines of ${file} ---\n${tail(file, 40)}`).join("") : " (no gateway running)";
      reject(new PartOverdue(`${label} did not finish within ${ms / 1000} s (Plan.partDeadlineMs); the run stops here${logs}`, work));
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

function machineInfo(plan: Plan["name"]): Machine {
  let anvil = "unknown";
  try {
    anvil = execFileSync(anvilBinary(), ["--version"], { encoding: "utf8" }).split("\n")[0].trim();
  } catch {
    // reported as unknown
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.cpus().length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    anvil,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    startedAt: new Date().toISOString(),
    command: `npm run bench${plan === "full" ? "" : ` -- --${plan}`}`,
    quick: plan !== "full",
  };
}

function printTables(r: BenchReport): void {
  if (!isSkipped(r.gas)) {
    say(`\nGas (receipt gasUsed, 21k base included; batch calls per item) — ${r.machine.gasNetwork ?? "Hardhat in-process network"}`);
    say(
      table(
        ["contract.function", "gas", "baseline", "ratio", "target", "met", "case / variants"],
        Object.entries(r.gas).map(([k, e]) => [
          k,
          e.gas,
          e.baseline,
          e.ratio,
          e.target,
          e.targetMet === undefined ? "" : e.targetMet ? "yes" : "NO",
          [e.case, ...Object.entries(e.variants ?? {}).map(([v, g]) => `${v}: ${g}`), e.note].filter(Boolean).join("; "),
        ]),
      ),
    );
  }
  if (!isSkipped(r.catalogue)) {
    say("\nCatalogue import (POST /v1/datasets/batch)");
    say(table(["datasets", "seconds", "transactions", "gas per dataset"], [[r.catalogue.datasets, r.catalogue.seconds, r.catalogue.transactions, r.catalogue.gasPerDataset]]));
  }
  if (!isSkipped(r.gateway)) {
    say("\nGateway write throughput (credit transfers; each client waits for the mined answer)");
    say(
      table(
        ["level", "signers", "transfers", "gateway tx/s", "direct tx/s", "ratio", "p50 ms", "p95 ms", "failures", "direct p50", "direct p95", "blocks"],
        Object.entries(r.gateway).map(([k, l]) => [k, l.signers, l.transfers, l.tps, l.directTps, l.ratio, l.p50ms, l.p95ms, l.failures, l.directP50ms, l.directP95ms, `${l.blocks[0]}→${l.blocks[1]}`]),
      ),
    );
  }
  if (!isSkipped(r.audit)) {
    say("\nAudit replay (auditChain over JSON-RPC) and indexer catch-up");
    say(
      table(
        ["events", "blocks", "replay events/s", "reconcile s", "audit s", "audit CPU ms/1k", "passed", "indexer events/s", "indexer CPU ms/1k", "index reconcile s", "datasets", "node ms/empty block", "load"],
        r.audit.runs.map((x) => [
          x.events,
          x.blocks,
          x.eventsPerSecond,
          x.reconcileSeconds,
          x.seconds,
          x.auditCpuMsPer1kEvents ?? null,
          x.passed && x.indexReconcilePassed !== false ? "yes" : "NO",
          x.indexerEventsPerSecond,
          x.indexerCpuMsPer1kEvents ?? null,
          x.indexReconcileSeconds,
          x.datasets,
          x.nodeCpuMsPerEmptyBlock,
          x.loadAverage ?? null,
        ]),
      ),
    );
    const h = r.audit.history;
    if (h) say(`GET /v1/audit/events: ${h.subjectEvents} events of one dataset among ${h.totalEvents} indexed (synthetic rows), pages of ${h.pageSize}: p50 ${h.p50ms} ms, p95 ${h.p95ms} ms`);
  }
  if (!isSkipped(r.growth)) {
    say("\nEmbedded node write throughput as the ledger grows (concurrent clients, each waiting for its receipt)");
    const rows = [["npm start default", [], r.growth] as const, ...Object.entries(r.growthVariants ?? {}).map(([n, v]) => [n, v.args, v.points] as const)];
    say(
      table(
        ["node", "datasets", "clients", "tx/s", "p50 ms", "p95 ms", "tx/block", "node CPU ms/block", "node CPU ms/tx", "1 client p50 ms", "idle CPU ms/s", "RSS MB", "dump MB"],
        rows.flatMap(([name, , points]) =>
          points.map((p) => {
            const x = p as Partial<GrowthMeasurement> & GrowthPoint;
            return [name, x.datasets, x.clients, x.tps, x.p50ms, x.p95ms, x.transactionsPerBlock, x.nodeCpuMsPerBlock, x.nodeCpuMsPerTx, x.singleP50ms, x.idleNodeCpuMsPerSecond, x.nodeRssMb, x.stateDumpMb];
          }),
        ),
      ),
    );
  }
  if (r.cityYear && !isSkipped(r.cityYear)) {
    const y = r.cityYear;
    say(`\nCity year through the gateway: ${y.datasets} datasets, ${y.creditOperations} credit operations, ${y.marketFills} fills, ${y.licenceSales} licence sales in ${y.seconds} s (${y.blocks} blocks, node ${y.nodeCpuMsPerBlock} ms CPU per block)`);
    say(
      table(
        ["probe", "clients", "datasets on ledger", "registrations/s", "p50 ms", "p95 ms", "per block", "node CPU ms/block"],
        (
          [
            ["start", y.start],
            ["end", y.end],
            ["start (load)", y.startLoad],
            ["end (load)", y.endLoad],
          ] as const
        ).map(([name, p]) => [name, p.clients, p.datasetsOnLedger, p.tps, p.p50ms, p.p95ms, p.transactionsPerBlock, p.nodeCpuMsPerBlock]),
      ),
    );
    say(
      `DATA_DIR ${y.dataDirMb} MB; RSS gateway ${y.gatewayRssMb} MB, node ${y.nodeRssMb} MB; stop ${y.stopSeconds} s (state dump ${y.stateDumpBeforeCompactionMb} → ${y.stateDumpMb} MB); restart ready in ${y.restartSeconds} s; index rebuilt (${y.indexedEvents} events) in ${y.indexRebuildSeconds} s; ` +
        `full audit of ${y.auditEvents} events in ${y.auditSeconds} s (${y.auditPassed ? "passed" : "FAILED"}); end/start throughput ${y.throughputRatio} (${y.end.clients} clients), ${y.loadThroughputRatio} (${y.endLoad.clients} clients)`,
    );
  }
  if (r.ledger && !isSkipped(r.ledger)) {
    const l = r.ledger;
    say(
      `\nWrite capacity as datasets accumulate (nothing else on the ledger): end/start ${l.loadThroughputRatio} (${l.points[0]?.load.clients} clients), ${l.throughputRatio} (${l.points[0]?.latency.clients} clients); ` +
        `stop ${l.stopSeconds} s (state dump compacted from ${l.stateDumpBeforeCompactionMb} MB); restart with a ${l.stateDumpMb} MB state dump ready in ${l.restartSeconds} s`,
    );
    say(
      table(
        ["datasets on ledger", "clients", "registrations/s", "p50 ms", "p95 ms", "per block", "node CPU ms/block"],
        l.points.flatMap((point) => [point.load, point.latency].map((p) => [point.datasets, p.clients, p.tps, p.p50ms, p.p95ms, p.transactionsPerBlock, p.nodeCpuMsPerBlock])),
      ),
    );
  }
  if (r.findings?.length) {
    say("\nFindings");
    for (const f of r.findings) say(`- ${f}`);
  }
  if (r.errors && Object.keys(r.errors).length) {
    say("\nErrors");
    for (const [k, v] of Object.entries(r.errors)) say(`- ${k}: ${v.split("\n")[0]}`);
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the gateway and nodes the benchmarks started\n`);
    void stopEverything().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
    process.exit(2);
  },
);

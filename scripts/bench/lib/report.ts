import type { PortalBenchResult } from "../portal";
import type { CityYearResult } from "../city-year";
import type { LedgerResult } from "../ledger";
import type { WebhookBenchResult } from "../webhooks";
/**
 * The benchmark record, in the shape of issue 7 so other tools can read it:
 * `{ machine, gas: { "<contract>.<function>": { gas, baseline, ratio } }, gateway: { c1, c8, c32 }, catalogue, audit, growth }`.
 * Extra fields are allowed; the named ones are required. A benchmark that could not run is `{ skipped: reason }`.
 */

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  platform: string;
  node: string;
  anvil: string;
  /** os.loadavg() (1, 5, 15 minutes) when the run started, and when it ended. */
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
  startedAt: string;
  command: string;
  quick: boolean;
  /** Where the gas figures were measured. */
  gasNetwork?: string;
}

export interface GasEntry {
  /** Gas used by the transaction, including the 21k base; per item for batch calls. Null when not measurable. */
  gas: number | null;
  /** Key (in `gas`) of the plain OpenZeppelin call it is compared with, or null. */
  baseline: string | null;
  ratio: number | null;
  /** What exactly was measured (holder state, batch size, path through the AccessManager). */
  case?: string;
  target?: string;
  targetMet?: boolean;
  variants?: Record<string, number>;
  note?: string;
}

export interface GatewayLevel {
  transfers: number;
  signers: number;
  tps: number | null;
  directTps: number | null;
  ratio: number | null;
  p50ms: number | null;
  p95ms: number | null;
  failures: number;
  directP50ms: number | null;
  directP95ms: number | null;
  directFailures: number;
  /** Chain height when the level started and ended (the node slows as blocks accumulate). */
  blocks: [number, number];
}

export interface CatalogueResult {
  datasets: number;
  seconds: number;
  gasPerDataset: number;
  transactions: number;
}

export interface AuditRun {
  events: number;
  blocks: number;
  eventsPerSecond: number | null;
  replaySeconds: number | null;
  reconcileSeconds: number | null;
  seconds: number;
  passed: boolean;
  indexerEventsPerSecond: number | null;
  indexedEvents?: number;
  /** reconcileIndex (GET /v1/audit/reconcile's work): the audit replayed from the index, compared with the chain. */
  indexReconcileSeconds?: number | null;
  indexReconcilePassed?: boolean;
  /**
   * CPU of the auditor's process (fetching, decoding, replaying and comparing) and of the indexer's catch-up, per
   * 1,000 events: steadier than events per second on a shared machine. The load average when measured.
   */
  auditCpuMsPer1kEvents?: number | null;
  indexerCpuMsPer1kEvents?: number | null;
  loadAverage?: number;
  /** Datasets on the ledger, and the node's CPU time for one empty block at that size. */
  datasets?: number;
  nodeCpuMsPerEmptyBlock?: number | null;
}

export interface AuditResult {
  /** The largest run's figures (the contract's fields); every run is in `runs`. */
  events: number;
  eventsPerSecond: number | null;
  reconcileSeconds: number | null;
  historyP95ms: number | null;
  indexerEventsPerSecond: number | null;
  runs: AuditRun[];
  history?: { subjectEvents: number; totalEvents: number; synthetic: boolean; pageSize: number; queries: number; p50ms: number | null; p95ms: number | null; via: string };
}

export interface GrowthPoint {
  blocks: number;
  tps: number | null;
  /** Node CPU time per transaction (ms): steadier than tps on a shared machine. */
  nodeCpuMsPerTx?: number | null;
  p50ms?: number | null;
}

export interface Skipped {
  skipped: string;
}

export interface BenchReport {
  machine: Machine;
  gas: Record<string, GasEntry> | Skipped;
  gateway: { c1: GatewayLevel; c8: GatewayLevel; c32: GatewayLevel } | Record<string, GatewayLevel> | Skipped;
  catalogue: CatalogueResult | Skipped;
  audit: AuditResult | Skipped;
  /** The embedded node as `npm start` runs it. */
  growth: GrowthPoint[] | Skipped;
  /** The same measurement with other node options, by name. */
  growthVariants?: Record<string, { args: string[]; points: GrowthPoint[] }>;
  /** Webhook delivery rate and block-to-receiver latency (scripts/bench/webhooks.ts). */
  webhooks?: WebhookBenchResult | Skipped;
  /** The portal: catalogue paging over a filled index, initial bundle, first load in Chromium (scripts/bench/portal.ts). */
  portal?: PortalBenchResult | Skipped;
  /** A city's year through the gateway (scripts/bench/city-year.ts). */
  cityYear?: CityYearResult | Skipped;
  /** The gateway's write capacity as datasets accumulate, nothing else registered (scripts/bench/ledger.ts). */
  ledger?: LedgerResult | Skipped;
  findings?: string[];
  errors?: Record<string, string>;
}

export const isSkipped = (v: unknown): v is Skipped => typeof v === "object" && v !== null && "skipped" in v;

const isNum = (v: unknown) => typeof v === "number" && Number.isFinite(v);
const isNumOrNull = (v: unknown) => v === null || isNum(v);

/** Every way `report` departs from the shape above (empty when it conforms). */
export function validateReport(report: unknown): string[] {
  const problems: string[] = [];
  const need = (cond: boolean, what: string) => {
    if (!cond) problems.push(what);
  };
  if (typeof report !== "object" || report === null) return ["report is not an object"];
  const r = report as Record<string, unknown>;

  const m = r.machine as Record<string, unknown> | undefined;
  need(typeof m === "object" && m !== null, "machine missing");
  if (m) {
    for (const k of ["cpu", "platform", "node", "anvil", "startedAt", "command"]) need(typeof m[k] === "string", `machine.${k} must be a string`);
    for (const k of ["cores", "memoryGb"]) need(isNum(m[k]), `machine.${k} must be a number`);
    need(Array.isArray(m.loadAverageAtStart) && (m.loadAverageAtStart as unknown[]).length === 3, "machine.loadAverageAtStart must hold 3 numbers");
  }

  if (!isSkipped(r.gas)) {
    const gas = r.gas as Record<string, GasEntry> | undefined;
    need(typeof gas === "object" && gas !== null, "gas missing");
    for (const [key, e] of Object.entries(gas ?? {})) {
      need(/^[A-Za-z0-9]+\.[A-Za-z0-9]+$/.test(key), `gas key "${key}" is not <contract>.<function>`);
      need(isNumOrNull(e.gas), `gas.${key}.gas must be a number or null`);
      need(e.baseline === null || typeof e.baseline === "string", `gas.${key}.baseline must be a string or null`);
      need(isNumOrNull(e.ratio), `gas.${key}.ratio must be a number or null`);
      if (typeof e.baseline === "string") {
        const base = gas?.[e.baseline];
        need(base !== undefined, `gas.${key}.baseline names ${e.baseline}, which is not measured`);
        if (base && isNum(base.gas) && isNum(e.gas) && isNum(e.ratio)) {
          need(Math.abs((e.gas as number) / (base.gas as number) - (e.ratio as number)) < 0.001, `gas.${key}.ratio is not gas / baseline gas`);
        }
      } else {
        need(e.ratio === null, `gas.${key}.ratio must be null without a baseline`);
      }
    }
  }

  if (!isSkipped(r.gateway)) {
    const gw = r.gateway as Record<string, Record<string, unknown>> | undefined;
    need(typeof gw === "object" && gw !== null, "gateway missing");
    for (const level of ["c1", "c8", "c32"]) {
      const l = gw?.[level];
      need(typeof l === "object" && l !== null, `gateway.${level} missing`);
      if (!l) continue;
      for (const k of ["tps", "directTps", "ratio", "p50ms", "p95ms"]) need(isNumOrNull(l[k]), `gateway.${level}.${k} must be a number or null`);
      need(Number.isInteger(l.failures), `gateway.${level}.failures must be an integer`);
    }
  }

  if (!isSkipped(r.catalogue)) {
    const c = r.catalogue as Record<string, unknown> | undefined;
    need(typeof c === "object" && c !== null, "catalogue missing");
    if (c) for (const k of ["datasets", "seconds", "gasPerDataset"]) need(isNum(c[k]), `catalogue.${k} must be a number`);
  }

  if (!isSkipped(r.audit)) {
    const a = r.audit as Record<string, unknown> | undefined;
    need(typeof a === "object" && a !== null, "audit missing");
    if (a) {
      need(isNum(a.events), "audit.events must be a number");
      for (const k of ["eventsPerSecond", "reconcileSeconds", "historyP95ms"]) need(isNumOrNull(a[k]), `audit.${k} must be a number or null`);
    }
  }

  if (!isSkipped(r.growth)) {
    need(Array.isArray(r.growth), "growth must be an array");
    for (const [i, p] of ((r.growth as Record<string, unknown>[]) ?? []).entries()) {
      need(Number.isInteger(p.blocks), `growth[${i}].blocks must be an integer`);
      need(isNumOrNull(p.tps), `growth[${i}].tps must be a number or null`);
    }
  }

  if (r.ledger !== undefined && !isSkipped(r.ledger)) {
    const points = (r.ledger as Record<string, unknown>).points;
    need(Array.isArray(points), "ledger.points must be an array");
    for (const [i, p] of ((Array.isArray(points) ? points : []) as Record<string, Record<string, unknown>>[]).entries()) {
      need(Number.isInteger(p.datasets), `ledger.points[${i}].datasets must be an integer`);
      for (const probe of ["load", "latency"]) need(isNumOrNull(p[probe]?.tps), `ledger.points[${i}].${probe}.tps must be a number or null`);
    }
  }
  return problems;
}

import type { LogLike } from "./history";
import type { AuditEvent, AuditModule, AuditReport, ChainView, Discrepancy, Location, ReplayContext, SubjectSection } from "./types";

export interface AuditRun {
  chainId: number;
  fromBlock: number;
  toBlock: number;
  events: AsyncIterable<AuditEvent | { unknown: LogLike }> | Iterable<AuditEvent | { unknown: LogLike }>;
  chain: ChainView;
  modules: AuditModule[];
  /** Extra discrepancies found outside the replay (e.g. the gateway log check), merged into the report. */
  extra?: () => Promise<Discrepancy[]>;
  /** What `extra` checks, in words, for the report. */
  extraChecks?: { module: string; description: string }[];
  /** More named subjects (e.g. the log entries checked), for the report. */
  extraSubjects?: () => SubjectSection[];
}

/** How many subjects of each kind the readable summary lists (and dates); the JSON report has them all. */
export const SUBJECTS_SHOWN = 25;

/**
 * Replays every event once, in chain order, through the modules that own its contract, then lets each module
 * reconcile its rebuilt model with the chain at `toBlock`. Pure with respect to where events come from, so the
 * same engine audits RPC logs (the auditor's tool) and the gateway's index (`GET /v1/audit/reconcile`).
 */
export async function runAudit(run: AuditRun): Promise<AuditReport> {
  const started = Date.now();
  const discrepancies: Discrepancy[] = [];
  const checkedCounts: Record<string, number> = {};
  const eventsByContract: Record<string, number> = {};
  const ctx: ReplayContext = {
    chain: run.chain,
    report(check, message, event, details) {
      discrepancies.push({
        check,
        message,
        ...(event ? { location: { blockNumber: event.blockNumber, txHash: event.txHash, logIndex: event.logIndex } } : {}),
        ...(details ? { details } : {}),
      });
    },
    reportSince(check, message, since, details) {
      discrepancies.push({
        check,
        message,
        ...(since ? { since: { blockNumber: since.blockNumber, txHash: since.txHash, logIndex: since.logIndex } } : {}),
        ...(details ? { details } : {}),
      });
    },
    checked(check, count = 1) {
      checkedCounts[check] = (checkedCounts[check] ?? 0) + count;
    },
  };

  const owners = new Map<string, AuditModule[]>();
  for (const module of run.modules) {
    for (const contract of module.contracts) owners.set(contract, [...(owners.get(contract) ?? []), module]);
  }

  let count = 0;
  let previous: { blockNumber: number; logIndex: number } | undefined;
  for await (const item of run.events) {
    if ("unknown" in item) {
      ctx.report("events decode", `log of unknown shape at ${item.unknown.address}`, undefined, {
        blockNumber: item.unknown.blockNumber,
        txHash: item.unknown.transactionHash,
        logIndex: item.unknown.index,
        topic0: item.unknown.topics[0],
      });
      continue;
    }
    if (previous && (item.blockNumber < previous.blockNumber || (item.blockNumber === previous.blockNumber && item.logIndex <= previous.logIndex))) {
      ctx.report("events in chain order", `event out of order or repeated: ${item.contract}.${item.name}`, item);
      continue;
    }
    previous = { blockNumber: item.blockNumber, logIndex: item.logIndex };
    count += 1;
    eventsByContract[item.contract] = (eventsByContract[item.contract] ?? 0) + 1;
    for (const module of owners.get(item.contract) ?? []) await module.apply(item, ctx);
  }

  const replayed = Date.now();
  for (const module of run.modules) await module.reconcile(ctx);
  if (run.extra) discrepancies.push(...(await run.extra()));
  const subjects = [...run.modules.flatMap((m) => m.subjects?.() ?? []), ...(run.extraSubjects?.() ?? [])];
  // Dates for people: of the subjects the summary shows, of the discrepancies, of the first and last block.
  const shown = subjects.flatMap((section) => section.items.slice(0, SUBJECTS_SHOWN));
  const dated = discrepancies.slice(0, 200);
  const blocks = new Set<number>([run.fromBlock, run.toBlock]);
  for (const item of shown) if (item.blockNumber !== undefined) blocks.add(item.blockNumber);
  for (const d of dated) {
    const block = d.location?.blockNumber ?? d.since?.blockNumber;
    if (block !== undefined) blocks.add(block);
  }
  const times = new Map<number, string>();
  await run.chain.prefetchTimestamps?.([...blocks]);
  await mapConcurrent([...blocks], VIEW_CALLS_IN_FLIGHT, async (block) => {
    const seconds = await run.chain.blockTimestamp(block).catch(() => undefined);
    if (seconds !== undefined) times.set(block, new Date(seconds * 1000).toISOString());
  });
  for (const item of shown) if (item.blockNumber !== undefined) item.date = times.get(item.blockNumber);
  for (const d of dated) {
    const block = d.location?.blockNumber ?? d.since?.blockNumber;
    if (block !== undefined && times.has(block)) d.time = times.get(block);
  }
  const [fromTime, toTime] = [times.get(run.fromBlock), times.get(run.toBlock)];

  return {
    chainId: run.chainId,
    fromBlock: run.fromBlock,
    toBlock: run.toBlock,
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    replaySeconds: (replayed - started) / 1000,
    events: count,
    eventsByContract,
    checks: [...run.modules.flatMap((m) => m.checks.map((description) => ({ module: m.name, description }))), ...(run.extraChecks ?? [])],
    checkedCounts,
    discrepancies,
    subjects,
    fromTime,
    toTime,
    passed: discrepancies.length === 0,
  };
}

/**
 * Compares a replayed value with the chain's and reports a difference; returns whether they matched. `since` is the
 * last replayed event that changed the value, so the auditor knows where to start looking.
 */
export function expectSame(
  ctx: ReplayContext,
  check: string,
  what: string,
  replayed: unknown,
  onChain: unknown,
  since?: Location,
): boolean {
  ctx.checked(check);
  const a = normalise(replayed);
  const b = normalise(onChain);
  if (a === b) return true;
  ctx.reportSince(check, `${what}: replayed ${a}, on chain ${b}`, since, { replayed: a, onChain: b });
  return false;
}

/**
 * View calls a reconciliation keeps in flight: RpcChainView sends those of one turn of the event loop as JSON-RPC
 * batches, so this is what one round trip can carry.
 */
export const VIEW_CALLS_IN_FLIGHT = 500;

/**
 * Runs `fn` over `items` with at most `limit` calls in flight and returns the results in order. Reconciliation makes
 * one or two view calls per entity; over HTTP, ethers batches concurrent calls into one JSON-RPC request.
 */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function normalise(value: unknown): string {
  if (typeof value === "string" && /^0x[0-9a-fA-F]*$/.test(value)) return value.toLowerCase();
  if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(normalise).join(",")}]`;
  return JSON.stringify(value);
}

/** Pure helpers of the benchmarks: percentiles, rates, ratios and plain-text tables. Tested in test/scripts/bench.test.ts. */

/**
 * The p-th percentile (0–100) by the nearest-rank method: the smallest value with at least p% of the values at or
 * below it. Null for no values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Rounds to `digits` decimals (a number, for JSON), passing null through. */
export function round(value: number | null, digits = 1): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** a / b, or null when either is missing or b is zero. */
export function ratio(a: number | null | undefined, b: number | null | undefined, digits = 3): number | null {
  if (a == null || b == null || b === 0) return null;
  return round(a / b, digits);
}

/** Events (or transactions) per second. */
export function rate(count: number, seconds: number, digits = 1): number | null {
  return seconds > 0 ? round(count / seconds, digits) : null;
}

export interface LatencySummary {
  count: number;
  p50ms: number | null;
  p95ms: number | null;
  maxms: number | null;
}

export function summariseLatencies(ms: readonly number[]): LatencySummary {
  return {
    count: ms.length,
    p50ms: round(percentile(ms, 50)),
    p95ms: round(percentile(ms, 95)),
    maxms: round(ms.length ? Math.max(...ms) : null),
  };
}

export type Cell = string | number | boolean | null | undefined;

/** A plain-text table with right-aligned numbers, for stdout. */
export function table(headers: readonly string[], rows: readonly Cell[][]): string {
  const text = (c: Cell) => (c === null || c === undefined ? "–" : typeof c === "number" ? formatNumber(c) : String(c));
  const cells = rows.map((r) => headers.map((_, i) => text(r[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const numeric = headers.map((_, i) => rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === "number"));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line([...headers]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return Math.abs(n) >= 10_000 ? n.toLocaleString("en-US") : String(n);
  return String(n);
}

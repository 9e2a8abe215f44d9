import type { GrowthPoint } from "./report";
import { ratio } from "./stats";

export interface GrowthSeries {
  name: string;
  points: (GrowthPoint & { datasets?: number })[];
}

/** Issue 15: write throughput with the largest ledger measured at least this share of that on an empty one. */
export const GROWTH_TARGET = 0.7;

/** Says whether the node's write throughput degrades by more than 2×, and what the other options did. */
export function growthFindings(variants: GrowthSeries[]): string[] {
  const findings: string[] = [];
  for (const v of variants) {
    const first = v.points[0];
    const last = v.points[v.points.length - 1];
    if (!first || !last || first === last) continue;
    const tpsFactor = ratio(first.tps, last.tps, 2);
    const kept = ratio(last.tps, first.tps, 2);
    const unit = last.datasets === undefined ? "blocks" : "datasets";
    const size = (p: (typeof v.points)[number]) => p.datasets ?? p.blocks;
    const cpuFactor = ratio(last.nodeCpuMsPerTx ?? null, first.nodeCpuMsPerTx ?? null, 2);
    findings.push(
      `${v.name}: ${first.tps} → ${last.tps} tx/s from ${size(first)} to ${size(last)} ${unit}` +
        ((tpsFactor ?? 0) > 2 ? ` — write throughput DEGRADES by more than 2× (÷${tpsFactor})` : ` (÷${tpsFactor})`) +
        `; node CPU per transaction ${first.nodeCpuMsPerTx} → ${last.nodeCpuMsPerTx} ms` +
        ((cpuFactor ?? 0) > 2 ? ` (×${cpuFactor}: the node's own cost per transaction more than doubled)` : "") +
        (unit === "datasets" ? `; kept ${kept}× (target ≥ ${GROWTH_TARGET}×: ${(kept ?? 0) >= GROWTH_TARGET ? "met" : "NOT met"})` : ""),
    );
  }
  return findings;
}


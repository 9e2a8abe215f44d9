import { SUBJECTS_SHOWN } from "./engine";
import type { AuditReport } from "./types";

/**
 * A readable account of an audit: over which blocks and dates, what was checked (the rules, then the organisations,
 * assets, batches, listings and log entries by name, with enum names and ISO dates), and every discrepancy with its
 * place and time.
 */
export function summarise(report: AuditReport): string {
  const lines: string[] = [];
  const when = (block: number, time?: string) => `${block}${time ? ` (${time})` : ""}`;
  lines.push(`City Asset Ledger audit — chain ${report.chainId}, blocks ${when(report.fromBlock, report.fromTime)} to ${when(report.toBlock, report.toTime)}`);
  const rate = Math.round(report.events / Math.max(report.replaySeconds, 0.001));
  lines.push(
    `${report.events} events fetched and replayed in ${report.replaySeconds.toFixed(2)} s (${rate} events/s); ` +
      `compared with the chain in ${(report.seconds - report.replaySeconds).toFixed(2)} s`,
  );
  for (const [contract, n] of Object.entries(report.eventsByContract).sort()) lines.push(`  ${contract.padEnd(24)} ${n}`);
  lines.push("", "Rules checked:");
  for (const check of report.checks) lines.push(`  [${check.module}] ${check.description}`);
  for (const section of report.subjects ?? []) {
    if (section.total === 0) continue;
    lines.push("", `${section.title} (${section.total}):`);
    for (const item of section.items.slice(0, SUBJECTS_SHOWN)) {
      lines.push(`  ${item.id} — ${item.text}${item.date ? `; since ${item.date}` : ""}`);
    }
    if (section.total > SUBJECTS_SHOWN) lines.push(`  … and ${section.total - SUBJECTS_SHOWN} more (all of them in the JSON report)`);
  }
  const counts = Object.entries(report.checkedCounts).sort();
  if (counts.length) {
    lines.push("", "Comparisons made:");
    for (const [name, n] of counts) lines.push(`  ${name.padEnd(56)} ${n}`);
  }
  lines.push("");
  if (report.passed) {
    lines.push("RESULT: PASSED — no discrepancies.");
  } else {
    lines.push(`RESULT: FAILED — ${report.discrepancies.length} discrepanc${report.discrepancies.length === 1 ? "y" : "ies"}:`);
    for (const d of report.discrepancies) {
      const time = d.time ? `, ${d.time}` : "";
      const at = d.location
        ? ` (block ${d.location.blockNumber}${time}, tx ${d.location.txHash}, log ${d.location.logIndex})`
        : d.since
          ? ` (last replayed change: block ${d.since.blockNumber}${time}, tx ${d.since.txHash}, log ${d.since.logIndex})`
          : "";
      lines.push(`  - [${d.check}] ${d.message}${at}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** JSON with bigints as strings. */
export function reportJson(report: AuditReport): string {
  return JSON.stringify(report, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n";
}

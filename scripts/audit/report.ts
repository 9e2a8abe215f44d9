import type { AuditReport } from "./types";

/** A readable account of an audit: what was checked, over how much history, and every discrepancy with its place. */
export function summarise(report: AuditReport): string {
  const lines: string[] = [];
  lines.push(`City Asset Ledger audit — chain ${report.chainId}, blocks ${report.fromBlock}–${report.toBlock}`);
  const rate = Math.round(report.events / Math.max(report.replaySeconds, 0.001));
  lines.push(
    `${report.events} events fetched and replayed in ${report.replaySeconds.toFixed(2)} s (${rate} events/s); ` +
      `compared with the chain in ${(report.seconds - report.replaySeconds).toFixed(2)} s`,
  );
  for (const [contract, n] of Object.entries(report.eventsByContract).sort()) lines.push(`  ${contract.padEnd(24)} ${n}`);
  lines.push("", "Checked:");
  for (const check of report.checks) lines.push(`  [${check.module}] ${check.description}`);
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
      const at = d.location
        ? ` (block ${d.location.blockNumber}, tx ${d.location.txHash}, log ${d.location.logIndex})`
        : d.since
          ? ` (last replayed change: block ${d.since.blockNumber}, tx ${d.since.txHash}, log ${d.since.logIndex})`
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

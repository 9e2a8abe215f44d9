import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";

/**
 * Committed gas snapshots, in the manner of Uniswap v3-core: each suite keeps `__snapshots__/<suite>.gas.json`.
 * A measurement that moves more than 1% from its snapshot fails until the snapshot is updated on purpose with
 * `UPDATE_GAS_SNAPSHOTS=1 npx hardhat test`. New entries are recorded on first run.
 */
const TOLERANCE = 0.01;
const SNAPSHOT_DIR = path.join(__dirname, "..", "__snapshots__");
const update = process.env.UPDATE_GAS_SNAPSHOTS === "1";

export class GasSnapshot {
  private readonly file: string;
  private readonly recorded: Record<string, number>;
  private readonly measured: Record<string, number> = {};

  constructor(suite: string) {
    this.file = path.join(SNAPSHOT_DIR, `${suite}.gas.json`);
    this.recorded = fs.existsSync(this.file) ? (JSON.parse(fs.readFileSync(this.file, "utf8")) as Record<string, number>) : {};
  }

  /** Compares `gas` with the snapshot named `name` and remembers it for `write()`. */
  check(name: string, gas: bigint | number): void {
    const value = Number(gas);
    this.measured[name] = value;
    const previous = this.recorded[name];
    if (update || previous === undefined) return;
    const drift = Math.abs(value - previous) / previous;
    expect(drift, `gas of "${name}" moved from ${previous} to ${value} (set UPDATE_GAS_SNAPSHOTS=1 to accept)`).to.be.at.most(
      TOLERANCE,
    );
  }

  /** Writes new or updated snapshots; call from an `after` hook. Existing entries stay unless updating. */
  write(): void {
    const next = update ? { ...this.recorded, ...this.measured } : { ...this.measured, ...this.recorded };
    const sorted = Object.fromEntries(Object.entries(next).sort(([a], [b]) => a.localeCompare(b)));
    if (JSON.stringify(sorted) === JSON.stringify(this.recorded)) return;
    fs.mkdirSync(SNAPSHOT_DIR, { recursive: true });
    fs.writeFileSync(this.file, JSON.stringify(sorted, null, 2) + "\n");
  }
}

/** Prints a small table of measured gas against a baseline and a target, so a run shows where we stand. */
export function printGasTable(rows: { operation: string; gas: number; baseline?: number; target?: string }[]): void {
  const lines = rows.map((r) => {
    const ratio = r.baseline ? ` ${(r.gas / r.baseline).toFixed(3)}× baseline ${r.baseline}` : "";
    return `      ${r.operation.padEnd(44)} ${String(r.gas).padStart(8)}${ratio}${r.target ? `  (target ${r.target})` : ""}`;
  });
  process.stdout.write(["", "      gas (incl. 21k base)", ...lines, ""].join("\n") + "\n");
}

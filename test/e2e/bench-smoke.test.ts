import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ROOT, tempDataDir } from "./helpers/processes";

/**
 * `npm run bench -- --smoke`: every part of the benchmark at toy sizes, as a user would run it (real gateway, real
 * anvil nodes). Its figures are not asserted (speed is measured in `npm run bench`, never in tests); it proves the
 * benchmark still runs to the end with an empty `errors`, so a change that breaks it fails `npm test`.
 */
/** Runs `scripts/bench/run.ts` with `args` in DATA_DIR `dir`; answers its exit code and output. */
function runBench(args: string[], dir: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "scripts/bench/run.ts", ...args],
      // A part that hangs ends the run by itself (Plan.partDeadlineMs, 240 s at smoke size) with its reason; should
      // the runner itself hang, SIGTERM (it stops what it started) comes before the test's own timeout, so the
      // output still says where it stood.
      { cwd: ROOT, env: { ...process.env, DATA_DIR: dir, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 14 * 60_000, killSignal: "SIGTERM" },
      (_err, stdout, stderr) => resolve({ code: child.exitCode, output: `${stdout}\n${stderr}` }),
    );
  });
}

describe("npm run bench -- --smoke (real processes, embedded anvil)", function () {
  this.timeout(15 * 60_000);

  it("a part past its deadline ends the run: its error names it, the processes it started are stopped, the JSON is written", async function () {
    const dir = tempDataDir("cal-bench-deadline-");
    const out = path.join(dir, "bench.json");
    // The run's temporary directories go under a folder of this test's own (os.tmpdir() follows TMPDIR), so that what
    // other processes on the machine create meanwhile is not counted.
    const tmp = path.join(dir, "tmp");
    fs.mkdirSync(tmp);
    try {
      // Starting the gateway takes several seconds: one second is past it on any machine.
      const { code, output } = await runBench(["--smoke", "--only", "catalogue", "--part-deadline", "1", "--out", out], dir, { TMPDIR: tmp });
      expect(code, output.slice(-3_000)).to.equal(1);
      const report = JSON.parse(fs.readFileSync(out, "utf8"));
      expect(report.errors.catalogue).to.match(/^system start \(npm start\) did not finish within 1 s/);
      expect(report.catalogue.skipped).to.match(/^failed: system start/);
      // Whatever the part had started (its DATA_DIR, the gateway and node it was starting) is stopped and removed,
      // even a gateway it spawned after the deadline.
      expect(fs.readdirSync(tmp).filter((d) => d.startsWith("cal-bench-")), output.slice(-3_000)).to.deep.equal([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs every part; the JSON record has every section and no errors", async function () {
    const dir = tempDataDir("cal-bench-smoke-");
    const out = path.join(dir, "bench.json");
    try {
      const { code, output } = await runBench(["--smoke", "--out", out], dir);
      expect(fs.existsSync(out), output.slice(-6_000)).to.equal(true);
      const report = JSON.parse(fs.readFileSync(out, "utf8"));
      expect(report.errors, output.slice(-6_000)).to.deep.equal({});
      for (const part of ["gas", "gateway", "catalogue", "audit", "growth", "webhooks", "portal", "cityYear", "ledger"]) expect(report[part], part).to.not.have.property("skipped");
      // The city year's audit is the independent audit over everything the year wrote through the gateway.
      expect(report.cityYear.auditPassed).to.equal(true);
      expect(report.cityYear.indexedEvents).to.be.greaterThan(0);
      // The ledger part measured both points, the second after its catalogue imports.
      expect(report.ledger.points.map((p: { datasets: number }) => p.datasets >= 100)).to.deep.equal([false, true]);
      expect(report.ledger.restartSeconds).to.be.greaterThan(0);
      expect(report.machine.command).to.equal("npm run bench -- --smoke");
      expect(code, output.slice(-3_000)).to.equal(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

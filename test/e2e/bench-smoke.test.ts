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
describe("npm run bench -- --smoke (real processes, embedded anvil)", function () {
  this.timeout(15 * 60_000);

  it("runs every part; the JSON record has every section and no errors", async function () {
    const dir = tempDataDir("cal-bench-smoke-");
    const out = path.join(dir, "bench.json");
    try {
      const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          ["-r", "ts-node/register/transpile-only", "scripts/bench/run.ts", "--smoke", "--out", out],
          { cwd: ROOT, env: { ...process.env, DATA_DIR: dir }, maxBuffer: 64 * 1024 * 1024 },
          (_err, stdout, stderr) => resolve({ code: child.exitCode, output: `${stdout}\n${stderr}` }),
        );
      });
      expect(fs.existsSync(out), output.slice(-3_000)).to.equal(true);
      const report = JSON.parse(fs.readFileSync(out, "utf8"));
      expect(report.errors, output.slice(-3_000)).to.deep.equal({});
      for (const part of ["gas", "gateway", "catalogue", "audit", "growth", "webhooks", "portal", "cityYear"]) expect(report[part], part).to.not.have.property("skipped");
      // The city year's audit is the independent audit over everything the year wrote through the gateway.
      expect(report.cityYear.auditPassed).to.equal(true);
      expect(report.cityYear.indexedEvents).to.be.greaterThan(0);
      expect(report.machine.command).to.equal("npm run bench -- --smoke");
      expect(code, output.slice(-3_000)).to.equal(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

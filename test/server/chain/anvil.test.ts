import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { expect } from "chai";
import pino from "pino";
import {
  ANVIL_MALLOC_CONF,
  DEFAULT_HISTORY_BLOCKS,
  EmbeddedNode,
  anvilBinary,
  anvilEnvironment,
  mergeAnvilArgs,
  parseAnvilArgs,
} from "../../../server/chain/anvil";
import { freePort, tempDataDir } from "../../e2e/helpers/processes";

function flags(args: string[]): string[] {
  return parseAnvilArgs(args).map(([flag]) => flag);
}

describe("embedded node (anvil) options", function () {
  describe("#mergeAnvilArgs", function () {
    it("replaces a default by the option of the same name, in place, and appends new options", function () {
      const merged = mergeAnvilArgs(
        ["--port", "1", "--hardfork", "cancun", "--cache-path", "/a", "--quiet"],
        ["--hardfork", "prague", "--prune-history", "256", "--cache-path", "/b"],
      );
      expect(merged).to.deep.equal(["--port", "1", "--hardfork", "prague", "--cache-path", "/b", "--quiet", "--prune-history", "256"]);
    });

    it("keeps switches (options without a value) and options with several values", function () {
      expect(parseAnvilArgs(["--quiet", "--fork-header", "a", "b", "--no-mining"])).to.deep.equal([["--quiet"], ["--fork-header", "a", "b"], ["--no-mining"]]);
      expect(mergeAnvilArgs(["--quiet"], ["--quiet"])).to.deep.equal(["--quiet"]);
    });

    it("refuses a value that follows no option", function () {
      expect(() => parseAnvilArgs(["cancun"])).to.throw('anvil argument "cancun" does not follow an option');
    });
  });

  describe("#args", function () {
    const base = { port: 8545, dataDir: "/tmp/x", stateIntervalSeconds: 1, log: pino({ level: "silent" }) };

    it("never repeats an option, whatever the extra options (anvil exits 2 on a repeated option)", function () {
      const node = new EmbeddedNode({ ...base, extraArgs: ["--cache-path", "/elsewhere", "--hardfork", "prague", "--state-interval", "5"] });
      const list = flags(node.args());
      expect(new Set(list).size).to.equal(list.length);
      const args = node.args();
      expect(args[args.indexOf("--hardfork") + 1]).to.equal("prague");
      expect(args[args.indexOf("--cache-path") + 1]).to.equal("/elsewhere");
      expect(args[args.indexOf("--state-interval") + 1]).to.equal("5");
    });

    it("keeps the states of recent blocks in memory and none on disk (--prune-history, CHAIN_HISTORY_BLOCKS)", function () {
      const defaults = new EmbeddedNode(base).args();
      expect(defaults[defaults.indexOf("--prune-history") + 1]).to.equal(String(DEFAULT_HISTORY_BLOCKS));
      expect(defaults).to.not.include("--cache-path");
      const chosen = new EmbeddedNode({ ...base, historyBlocks: 64 }).args();
      expect(chosen[chosen.indexOf("--prune-history") + 1]).to.equal("64");
    });

    it("mines with the block producer (--no-mining, transactions in arrival order) when a block period is set", function () {
      expect(new EmbeddedNode({ ...base, blockPeriodMs: 50 }).args()).to.include("--no-mining");
      const automine = new EmbeddedNode({ ...base, blockPeriodMs: 0 }).args();
      expect(automine).to.not.include("--no-mining");
      expect(automine[automine.indexOf("--order") + 1]).to.equal("fifo");
    });
  });

  describe("#anvilEnvironment", function () {
    it("gives anvil's allocator huge pages and keeps what it frees, unless the operator chose otherwise; the rest passes through", function () {
      const env = anvilEnvironment({ PATH: "/bin", HOME: "/h" });
      expect(env).to.deep.equal({ PATH: "/bin", HOME: "/h", _RJEM_MALLOC_CONF: ANVIL_MALLOC_CONF });
      expect(ANVIL_MALLOC_CONF).to.equal("thp:always,metadata_thp:always,dirty_decay_ms:-1,narenas:1");
      expect(anvilEnvironment({ _RJEM_MALLOC_CONF: "narenas:2" })._RJEM_MALLOC_CONF).to.equal("narenas:2");
      expect(anvilEnvironment({ _RJEM_MALLOC_CONF: "" })._RJEM_MALLOC_CONF).to.equal(ANVIL_MALLOC_CONF);
    });

    it("is what anvil's allocator then runs with (its own statistics at exit), and not its defaults", function () {
      const options = (conf: string) => {
        const run = spawnSync(anvilBinary(), ["--version"], {
          env: { PATH: process.env.PATH, _RJEM_MALLOC_CONF: `stats_print:true${conf}` },
          encoding: "utf8",
          timeout: 20_000,
        });
        expect(run.status).to.equal(0);
        return [...`${run.stdout}${run.stderr}`.matchAll(/^\s*opt\.(thp|metadata_thp|dirty_decay_ms|narenas): ("?[-\w]+"?)/gm)].map((m) => `${m[1]}=${m[2]}`);
      };
      expect(options(`,${ANVIL_MALLOC_CONF}`)).to.have.members(['metadata_thp="always"', "dirty_decay_ms=-1", 'thp="always"', "narenas=1"]);
      expect(options("")).to.not.include("dirty_decay_ms=-1");
      expect(options("")).to.not.include('thp="always"');
      expect(options("")).to.not.include("narenas=1");
    });

    it("is the environment of the node the gateway starts", async function () {
      this.timeout(60_000);
      const dataDir = tempDataDir("cal-anvil-env-");
      const node = new EmbeddedNode({ port: await freePort(), dataDir, stateIntervalSeconds: 60, blockPeriodMs: 0, log: pino({ level: "silent" }) });
      await node.start();
      try {
        const pid = Number(fs.readFileSync(`${dataDir}/chain.pid`, "utf8"));
        const environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
        expect(environ).to.include(`_RJEM_MALLOC_CONF=${process.env._RJEM_MALLOC_CONF || ANVIL_MALLOC_CONF}`);
      } finally {
        await node.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});

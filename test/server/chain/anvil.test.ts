import { expect } from "chai";
import pino from "pino";
import { DEFAULT_HISTORY_BLOCKS, EmbeddedNode, mergeAnvilArgs, parseAnvilArgs } from "../../../server/chain/anvil";

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
});

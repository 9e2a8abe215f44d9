import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import pino from "pino";
import { EmbeddedNode } from "../../../server/chain/anvil";
import { fetchChainId } from "../../../server/chain/provider";
import { isWholeStateFile, setAsideBrokenStateFile } from "../../../server/chain/state-file";
import { freePort, tempDataDir } from "../../e2e/helpers/processes";

/** A dump in anvil's shape (SerializableState, keys in the order anvil writes them). */
const DUMP = JSON.stringify({
  block: { number: "0x2", timestamp: "0x6b0fe184", gas_limit: 30_000_000 },
  accounts: { "0x0000000000000000000000000000000000000001": { nonce: 0, balance: "0x0", code: "0x", storage: { "0x0": "0x1" } } },
  best_block_number: "0x2",
  blocks: [{ header: { number: "0x1" }, transactions: [], ommers: [], withdrawals: null }],
  transactions: [],
  historical_states: null,
});

describe("embedded node: its state dump", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDataDir("cal-state-file-");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = () => path.join(dir, "chain-state.json");

  describe("#isWholeStateFile", function () {
    it("accepts a whole dump and refuses it cut short at every length, or empty", function () {
      fs.writeFileSync(file(), DUMP);
      expect(isWholeStateFile(file())).to.equal(true);
      fs.writeFileSync(file(), `${DUMP}\n`);
      expect(isWholeStateFile(file())).to.equal(true);
      for (let length = 0; length < DUMP.length; length++) {
        fs.writeFileSync(file(), DUMP.slice(0, length));
        expect(isWholeStateFile(file()), `cut at ${length}`).to.equal(false);
      }
    });
  });

  describe("#setAsideBrokenStateFile", function () {
    it("moves a cut-short dump aside, keeping its bytes, and leaves a whole one or none alone", function () {
      const log = pino({ level: "silent" });
      expect(setAsideBrokenStateFile(file(), log)).to.equal(undefined);
      fs.writeFileSync(file(), DUMP);
      expect(setAsideBrokenStateFile(file(), log)).to.equal(undefined);
      expect(fs.readFileSync(file(), "utf8")).to.equal(DUMP);
      fs.writeFileSync(file(), DUMP.slice(0, 100));
      const aside = setAsideBrokenStateFile(file(), log)!;
      expect(fs.existsSync(file())).to.equal(false);
      expect(fs.readFileSync(aside, "utf8")).to.equal(DUMP.slice(0, 100));
    });
  });

  describe("EmbeddedNode#start", function () {
    it("starts from an empty chain when the node died while writing its dump (anvil refuses a cut file: exit 2)", async function () {
      fs.writeFileSync(file(), DUMP.slice(0, DUMP.length - 20));
      const node = new EmbeddedNode({ port: await freePort(), dataDir: dir, stateIntervalSeconds: 60, blockPeriodMs: 0, log: pino({ level: "silent" }) });
      await node.start();
      try {
        expect(await fetchChainId(node.url, 0, 2_000)).to.be.a("bigint");
        const asides = fs.readdirSync(dir).filter((f) => f.startsWith("chain-state.json.broken-"));
        expect(asides).to.have.length(1);
      } finally {
        await node.stop();
      }
      // The clean stop wrote a whole dump, which the next start keeps.
      expect(isWholeStateFile(file())).to.equal(true);
    });
  });
});

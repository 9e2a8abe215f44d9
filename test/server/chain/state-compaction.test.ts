import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import pino from "pino";
import { EmbeddedNode } from "../../../server/chain/anvil";
import { TracesStripper, compactStateFile } from "../../../server/chain/state-compaction";
import { freePort, tempDataDir } from "../../e2e/helpers/processes";

/** A mined transaction as anvil dumps it (SerializableTransaction), with a call trace of two frames. */
function minedTransaction(i: number, extra: Record<string, unknown> = {}) {
  return {
    info: {
      transaction_hash: `0x${i.toString(16).padStart(64, "0")}`,
      transaction_index: 0,
      from: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
      to: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
      contract_address: null,
      traces: [
        { parent: null, children: [1], idx: 0, trace: { depth: 0, kind: "CALL", data: "0x1234", output: "0x", steps: [], decoded: null }, logs: [], ordering: [{ Call: 0 }] },
        { parent: 0, children: [], idx: 1, trace: { depth: 1, kind: "STATICCALL", data: "0xb7009613", output: "0x01" }, logs: [{ raw_log: { topics: [], data: "0x" } }], ordering: [] },
      ],
      exit: "Stop",
      out: "0x",
      nonce: i,
      gas_used: 21_000,
      ...extra,
    },
    receipt: { type: "0x2", status: "0x1", cumulativeGasUsed: "0x5208", logs: [{ address: "0x5fbdb2315678afecb367f032d93f642f64180aa3", topics: [], data: "0x" }], logsBloom: "0x00" },
    block_hash: `0x${(i + 1).toString(16).padStart(64, "0")}`,
    block_number: i + 1,
  };
}

/** A dump in anvil's shape (SerializableState, keys in the order anvil writes them). */
function dump(transactions: unknown[]) {
  return {
    block: { number: "0x2", timestamp: "0x6b0fe184", gas_limit: 30_000_000 },
    accounts: { "0x0000000000000000000000000000000000000001": { nonce: 0, balance: "0x0", code: "0x", storage: { "0x0": "0x1" } } },
    best_block_number: "0x2",
    blocks: [{ header: { number: "0x1" }, transactions: [], ommers: [], withdrawals: null }],
    transactions,
    historical_states: null,
  };
}

/** The same dump with every transaction's traces emptied: what compaction must produce, byte for byte. */
function withoutTraces(state: ReturnType<typeof dump>): string {
  const copy = JSON.parse(JSON.stringify(state)) as ReturnType<typeof dump>;
  for (const tx of copy.transactions as { info: { traces: unknown[] } }[]) tx.info.traces = [];
  return JSON.stringify(copy);
}

function strip(text: string, chunk: number): { text: string; emptied: number; complete: boolean } {
  const stripper = new TracesStripper();
  const input = Buffer.from(text);
  const parts: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(...stripper.transform(input.subarray(i, i + chunk)));
  return { text: Buffer.concat(parts).toString(), emptied: stripper.emptied, complete: stripper.complete };
}

describe("embedded node: compacting its state dump", function () {
  describe("TracesStripper#transform", function () {
    it("empties every transaction's traces and keeps every other byte, however the input is cut into chunks", function () {
      const state = dump([minedTransaction(1), minedTransaction(2), minedTransaction(3)]);
      const text = JSON.stringify(state);
      for (const chunk of [1, 2, 3, 7, 64, 1_000, text.length]) {
        const result = strip(text, chunk);
        expect(result.text, `chunks of ${chunk}`).to.equal(withoutTraces(state));
        expect(result.emptied).to.equal(3);
        expect(result.complete).to.equal(true);
      }
    });

    it("leaves alone brackets, quotes and the word traces inside strings, a string value and non-array values named traces", function () {
      const tricky = minedTransaction(1);
      (tricky.info.traces[0].trace as Record<string, unknown>).decoded = 'a "quoted" ] } [ { \\ "traces":[1] string';
      const state = dump([
        tricky,
        minedTransaction(2, { note: "traces", label: "\\\"traces\\\"" }),
        { info: { traces: null, other: { traces: "not an array" }, tracesX: [1, 2] }, receipt: {} },
      ]);
      const text = JSON.stringify(state);
      const expected = JSON.parse(text) as { transactions: { info: { traces: unknown } }[] };
      expected.transactions[0].info.traces = [];
      expected.transactions[1].info.traces = [];
      for (const chunk of [1, 5, text.length]) {
        const result = strip(text, chunk);
        expect(result.text, `chunks of ${chunk}`).to.equal(JSON.stringify(expected));
        expect(result.emptied).to.equal(2);
      }
    });

    it("accepts whitespace between the key, its colon and its array", function () {
      const text = '{"transactions":[{"info":{"traces" :\n [ {"a":[1,{"b":"]"}]} ] ,"exit":"Stop"}}]}';
      expect(strip(text, 3).text).to.equal('{"transactions":[{"info":{"traces" :\n [] ,"exit":"Stop"}}]}');
    });

    it("counts only arrays that held something as emptied", function () {
      for (const [traces, emptied] of [["[]", 0], ["[ ]", 0], ['[""]', 1], ["[0]", 1], ["[[]]", 1]] as const) {
        expect(strip(`{"a":{"traces":${traces}},"b":{"traces":[]}}`, 2).emptied, traces).to.equal(emptied);
      }
    });

    it("reports a text cut inside a string or inside traces as incomplete", function () {
      const text = JSON.stringify(dump([minedTransaction(1)]));
      const insideTraces = text.indexOf('"traces":[') + 20;
      expect(strip(text.slice(0, insideTraces), 4).complete).to.equal(false);
      expect(strip(text.slice(0, text.indexOf("0xf39f") + 3), 4).complete).to.equal(false);
    });
  });

  describe("#compactStateFile", function () {
    let dir: string;
    beforeEach(() => {
      dir = tempDataDir("cal-state-compaction-");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("rewrites the file without traces, in place, and says what it saved", function () {
      const file = path.join(dir, "chain-state.json");
      const state = dump([minedTransaction(1), minedTransaction(2)]);
      fs.writeFileSync(file, JSON.stringify(state));
      const result = compactStateFile(file, 16);
      expect(fs.readFileSync(file, "utf8")).to.equal(withoutTraces(state));
      expect(result).to.deep.equal({ before: JSON.stringify(state).length, after: withoutTraces(state).length, emptied: 2 });
      expect(fs.readdirSync(dir)).to.deep.equal(["chain-state.json"]);
    });

    it("leaves a file that is cut short as it was, and no temporary file behind", function () {
      const file = path.join(dir, "chain-state.json");
      const text = JSON.stringify(dump([minedTransaction(1)]));
      const cut = text.slice(0, text.indexOf('"traces":[') + 30);
      fs.writeFileSync(file, cut);
      expect(() => compactStateFile(file)).to.throw(/does not end as a whole JSON text/);
      expect(fs.readFileSync(file, "utf8")).to.equal(cut);
      expect(fs.readdirSync(dir)).to.deep.equal(["chain-state.json"]);
    });

    it("leaves a dump with nothing to drop untouched (its traces already empty) and counts nothing emptied", function () {
      const file = path.join(dir, "chain-state.json");
      const text = withoutTraces(dump([minedTransaction(1), minedTransaction(2)]));
      fs.writeFileSync(file, text);
      const inode = fs.statSync(file).ino;
      expect(compactStateFile(file, 16)).to.deep.equal({ before: text.length, after: text.length, emptied: 0 });
      expect(fs.statSync(file).ino).to.equal(inode);
      expect(fs.readFileSync(file, "utf8")).to.equal(text);
      expect(fs.readdirSync(dir)).to.deep.equal(["chain-state.json"]);
    });

    it("answers undefined when there is no dump", function () {
      expect(compactStateFile(path.join(dir, "chain-state.json"))).to.equal(undefined);
    });
  });
});

describe("embedded node: a clean stop compacts its state dump", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDataDir("cal-state-compaction-node-");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Deploys a contract whose every call logs 42, and calls it: two traced transactions, one log. */
  async function mineTwoTransactions(url: string): Promise<void> {
    const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true });
    const wallet = ethers.Wallet.createRandom().connect(provider);
    await provider.send("anvil_setBalance", [wallet.address, "0xde0b6b3a7640000"]);
    const deployed = await (await wallet.sendTransaction({ data: "0x600a600c600039600a6000f3602a60005260206000a000", nonce: 0 })).wait();
    await (await wallet.sendTransaction({ to: deployed!.contractAddress!, data: "0x01", nonce: 1 })).wait();
    provider.destroy();
  }

  async function chainView(url: string) {
    const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true });
    const head = (await provider.send("eth_getBlockByNumber", ["latest", true])) as { hash: string; stateRoot: string; transactions: { hash: string }[] };
    const logs = (await provider.send("eth_getLogs", [{ fromBlock: "0x0", toBlock: "latest" }])) as unknown[];
    const receipt = (await provider.send("eth_getTransactionReceipt", [head.transactions[0].hash])) as unknown;
    provider.destroy();
    return { hash: head.hash, stateRoot: head.stateRoot, logs, receipt };
  }

  it("drops the call traces and a node started from the dump serves the same blocks, logs and receipts", async function () {
    const options = { port: await freePort(), dataDir: dir, stateIntervalSeconds: 60, blockPeriodMs: 0, log: pino({ level: "silent" }) };
    const node = new EmbeddedNode(options);
    await node.start();
    let before: Awaited<ReturnType<typeof chainView>>;
    try {
      await mineTwoTransactions(node.url);
      before = await chainView(node.url);
      expect(before.logs).to.have.length(1);
    } finally {
      await node.stop();
    }
    const file = path.join(dir, "chain-state.json");
    const state = JSON.parse(fs.readFileSync(file, "utf8")) as { transactions: { info: { traces: unknown[] } }[] };
    expect(state.transactions).to.have.length(2);
    for (const tx of state.transactions) expect(tx.info.traces).to.deep.equal([]);

    const again = new EmbeddedNode(options);
    await again.start();
    try {
      expect(await chainView(again.url)).to.deep.equal(before);
    } finally {
      await again.stop();
    }
  });
});

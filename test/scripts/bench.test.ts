import { expect } from "chai";
import { Interface } from "ethers";
import { writeFunctions } from "../../scripts/bench/gas";
import { growthFindings } from "../../scripts/bench/lib/findings";
import { validateReport, type BenchReport } from "../../scripts/bench/lib/report";
import { percentile, rate, ratio, round, summariseLatencies, table } from "../../scripts/bench/lib/stats";

/** The benchmarks' pure helpers (the benchmarks themselves never run in the test suite: npm run bench). */
describe("bench helpers", function () {
  describe("#percentile", function () {
    it("uses the nearest rank", function () {
      const values = [15, 20, 35, 40, 50];
      expect(percentile(values, 5)).to.equal(15);
      expect(percentile(values, 30)).to.equal(20);
      expect(percentile(values, 40)).to.equal(20);
      expect(percentile(values, 50)).to.equal(35);
      expect(percentile(values, 100)).to.equal(50);
      expect(percentile(values, 0)).to.equal(15);
    });

    it("does not depend on input order and leaves the input alone", function () {
      const values = [9, 1, 5, 3, 7];
      expect(percentile(values, 50)).to.equal(5);
      expect(values).to.deep.equal([9, 1, 5, 3, 7]);
    });

    it("p95 of 1..100 is 95 and of 1..20 is 19", function () {
      expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).to.equal(95);
      expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 95)).to.equal(19);
    });

    it("is null without values and refuses a percentile outside 0..100", function () {
      expect(percentile([], 50)).to.equal(null);
      expect(() => percentile([1], 101)).to.throw(RangeError);
      expect(() => percentile([1], -1)).to.throw(RangeError);
      expect(() => percentile([1], Number.NaN)).to.throw(RangeError);
    });
  });

  describe("#summariseLatencies, #ratio, #rate, #round", function () {
    it("summarises latencies", function () {
      expect(summariseLatencies([4, 1, 3, 2])).to.deep.equal({ count: 4, p50ms: 2, p95ms: 4, maxms: 4 });
      expect(summariseLatencies([])).to.deep.equal({ count: 0, p50ms: null, p95ms: null, maxms: null });
    });

    it("divides with nulls for missing values and zero denominators", function () {
      expect(ratio(67_926, 56_880)).to.equal(1.194);
      expect(ratio(1, 0)).to.equal(null);
      expect(ratio(null, 2)).to.equal(null);
      expect(ratio(2, undefined)).to.equal(null);
      expect(rate(300, 2)).to.equal(150);
      expect(rate(10, 0)).to.equal(null);
      expect(round(1.25, 1)).to.equal(1.3);
      expect(round(Number.POSITIVE_INFINITY)).to.equal(null);
    });
  });

  describe("#table", function () {
    it("aligns text left and numbers right, with a rule under the headers", function () {
      const lines = table(["name", "gas"], [["transfer", 67926], ["mint", 51_548], ["none", null]]).split("\n");
      expect(lines).to.deep.equal(["name         gas", "--------  ------", "transfer  67,926", "mint      51,548", "none           –"]);
    });
  });

  describe("#writeFunctions", function () {
    it("lists every state-changing function once (overloads once), never views or pure functions", function () {
      const iface = new Interface([
        "function transfer(address to, uint256 amount) returns (bool)",
        "function safeTransferFrom(address from, address to, uint256 id)",
        "function safeTransferFrom(address from, address to, uint256 id, bytes data)",
        "function balanceOf(address) view returns (uint256)",
        "function hash(bytes) pure returns (bytes32)",
        "function deposit() payable",
      ]);
      expect(writeFunctions(iface)).to.deep.equal(["deposit", "safeTransferFrom", "transfer"]);
    });
  });

  describe("#growthFindings", function () {
    it("says when write throughput falls by more than 2×, and when the node's cost per transaction more than doubles", function () {
      const [bad, good] = growthFindings([
        { name: "default", points: [{ blocks: 0, tps: 170, nodeCpuMsPerTx: 2 }, { blocks: 20_000, tps: 50, nodeCpuMsPerTx: 15 }] },
        { name: "cancun", points: [{ blocks: 0, tps: 170, nodeCpuMsPerTx: 2 }, { blocks: 20_000, tps: 160, nodeCpuMsPerTx: 2.2 }] },
      ]);
      expect(bad).to.contain("DEGRADES by more than 2× (÷3.4)");
      expect(bad).to.contain("×7.5: the node's own cost per transaction more than doubled");
      expect(good).to.contain("170 → 160 tx/s from 0 to 20000 blocks (÷1.06)");
      expect(good).to.not.contain("DEGRADES");
      expect(good).to.not.contain("more than doubled");
    });
  });

  describe("#validateReport", function () {
    function goodReport(): BenchReport {
      const level = {
        transfers: 64,
        signers: 1,
        tps: 40,
        directTps: 80,
        ratio: 0.5,
        p50ms: 20,
        p95ms: 30,
        failures: 0,
        directP50ms: 10,
        directP95ms: 15,
        directFailures: 0,
        blocks: [10, 138] as [number, number],
      };
      return {
        machine: {
          cpu: "AMD EPYC",
          cores: 2,
          memoryGb: 23.5,
          platform: "linux",
          node: "v20.20.2",
          anvil: "anvil 1.7.1",
          loadAverageAtStart: [1, 1, 1],
          startedAt: "2026-01-01T00:00:00.000Z",
          command: "npm run bench",
          quick: true,
        },
        gas: {
          "PlainERC1155.safeTransferFrom": { gas: 56_880, baseline: null, ratio: null },
          "CarbonCreditRegistry.safeTransferFrom": { gas: 67_926, baseline: "PlainERC1155.safeTransferFrom", ratio: 1.194 },
          "CarbonCreditRegistry.retireOnBehalf": { gas: null, baseline: null, ratio: null, note: "not measured" },
        },
        gateway: { c1: level, c8: { ...level, signers: 8 }, c32: { ...level, signers: 32 } },
        catalogue: { datasets: 540, seconds: 2.8, gasPerDataset: 61_487, transactions: 6 },
        audit: {
          events: 10_000,
          eventsPerSecond: 5_000,
          reconcileSeconds: 0.5,
          historyP95ms: 1.8,
          indexerEventsPerSecond: 3_000,
          runs: [],
          history: { subjectEvents: 100_000, totalEvents: 200_000, synthetic: true, pageSize: 100, queries: 10, p50ms: 1, p95ms: 1.8, via: "historyOf" },
        },
        growth: [
          { blocks: 0, tps: 170 },
          { blocks: 5_000, tps: 60 },
        ],
        ledger: {
          points: [
            { datasets: 0, load: probe(120), latency: probe(90), importSeconds: 0 },
            { datasets: 50_000, load: probe(95), latency: probe(40), importSeconds: 120 },
          ],
          loadThroughputRatio: 0.79,
          throughputRatio: 0.44,
          restartSeconds: 4.2,
          stateDumpMb: 133,
          stopSeconds: 2.1,
          stateDumpBeforeCompactionMb: 266,
        },
      };
    }

    function probe(tps: number) {
      return { datasetsOnLedger: 0, clients: 8, registrations: 64, tps, p50ms: 80, p95ms: 120, nodeCpuMsPerBlock: 12, transactionsPerBlock: 5 };
    }

    it("accepts a record in the shape of issue 7, and skipped sections", function () {
      expect(validateReport(goodReport())).to.deep.equal([]);
      expect(validateReport({ ...goodReport(), gateway: { skipped: "carbon routes missing" }, audit: { skipped: "failed" }, ledger: { skipped: "not run" } })).to.deep.equal([]);
      // The record survives a JSON round trip unchanged in shape.
      expect(validateReport(JSON.parse(JSON.stringify(goodReport())))).to.deep.equal([]);
    });

    it("names every departure from the shape", function () {
      const r = goodReport() as unknown as Record<string, any>;
      r.gas["CarbonCreditRegistry.safeTransferFrom"].ratio = 1.5;
      r.gas["DataAssetRegistry.register"] = { gas: 104_320, baseline: "PlainERC721.mint", ratio: 2 };
      r.gas["bad key"] = { gas: 1, baseline: null, ratio: 2 };
      delete r.gateway.c32;
      r.gateway.c8.failures = 0.5;
      r.catalogue.seconds = "3";
      r.growth[1] = { blocks: 5_000.5, tps: "60" };
      r.ledger.points[1].datasets = "50000";
      r.ledger.points[1].latency.tps = undefined;
      delete r.machine.cores;
      const problems = validateReport(r);
      expect(problems).to.include.members([
        "gas.CarbonCreditRegistry.safeTransferFrom.ratio is not gas / baseline gas",
        "gas.DataAssetRegistry.register.baseline names PlainERC721.mint, which is not measured",
        'gas key "bad key" is not <contract>.<function>',
        "gas.bad key.ratio must be null without a baseline",
        "gateway.c32 missing",
        "gateway.c8.failures must be an integer",
        "catalogue.seconds must be a number",
        "growth[1].blocks must be an integer",
        "growth[1].tps must be a number or null",
        "ledger.points[1].datasets must be an integer",
        "ledger.points[1].latency.tps must be a number or null",
        "machine.cores must be a number",
      ]);
      expect(problems).to.have.length(12);
      expect(validateReport({ ...goodReport(), ledger: { points: "none" } })).to.deep.equal(["ledger.points must be an array"]);
      expect(validateReport(null)).to.deep.equal(["report is not an object"]);
    });
  });
});

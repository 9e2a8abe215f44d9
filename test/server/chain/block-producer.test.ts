import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import pino from "pino";
import { BlockProducer } from "../../../server/chain/block-producer";

/** A stand-in node: a pool whose size the test sets, and an evm_mine that takes `mineMs` and empties the pool. */
function fakeNode() {
  const node = { pending: 0, mineMs: 0, mined: [] as { startedAt: number; endedAt: number }[], url: "" };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string };
      const answer = (result: unknown) => res.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
      if (method === "txpool_status") return answer({ pending: `0x${node.pending.toString(16)}`, queued: "0x0" });
      if (method === "evm_mine") {
        const startedAt = Date.now();
        setTimeout(() => {
          node.pending = 0;
          node.mined.push({ startedAt, endedAt: Date.now() });
          answer("0x0");
        }, node.mineMs);
        return;
      }
      res.end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32601, message: "no such method" } }));
    });
  });
  return { node, server };
}

const until = async (check: () => boolean, ms = 3_000) => {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe("BlockProducer", function () {
  let fake: ReturnType<typeof fakeNode>;
  let producer: BlockProducer;
  let inFlight = 0;

  beforeEach(async function () {
    fake = fakeNode();
    await new Promise<void>((r) => fake.server.listen(0, "127.0.0.1", r));
    fake.node.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    inFlight = 0;
    producer = new BlockProducer({ url: fake.node.url, periodMs: 20, pollMs: 2, log: pino({ level: "silent" }), inFlight: () => inFlight });
    producer.start();
  });
  afterEach(async function () {
    await producer.stop();
    await new Promise((r) => fake.server.close(r));
  });

  /** Mines one block that takes `ms`, so the producer's next wait is measured against it. */
  async function slowBlock(ms: number) {
    const before = producer.stats.blocks;
    fake.node.mineMs = ms;
    fake.node.pending = 1;
    await until(() => producer.stats.blocks === before + 1);
    fake.node.mineMs = 0;
  }

  describe("#lingerMs", function () {
    it("is twice what the last block took (or lingerFactor times), capped by maxLingerMs", async function () {
      expect(producer.lingerMs).to.equal(0);
      await slowBlock(150);
      expect(producer.lingerMs).to.be.within(300, 400);
      await producer.stop();
      producer = new BlockProducer({ url: fake.node.url, periodMs: 20, pollMs: 2, log: pino({ level: "silent" }), lingerFactor: 1 });
      producer.start();
      await slowBlock(150);
      expect(producer.lingerMs).to.be.within(150, 200);
      await producer.stop();
      producer = new BlockProducer({ url: fake.node.url, periodMs: 20, pollMs: 2, log: pino({ level: "silent" }), maxLingerMs: 40 });
      producer.start();
      await slowBlock(150);
      expect(producer.lingerMs).to.equal(40);
    });
  });

  describe("#stop", function () {
    it("mines what is pending in one last block, and mines nothing when nothing is", async function () {
      await producer.stop();
      producer = new BlockProducer({ url: fake.node.url, periodMs: 20, pollMs: 60_000, log: pino({ level: "silent" }) });
      producer.start();
      await new Promise((r) => setTimeout(r, 50)); // its first look found nothing: it now waits a minute
      fake.node.pending = 2;
      await producer.stop();
      expect(fake.node.mined).to.have.length(1);
      expect(fake.node.pending).to.equal(0);
      expect(producer.stats).to.include({ blocks: 1, transactions: 2 });

      producer = new BlockProducer({ url: fake.node.url, periodMs: 20, pollMs: 60_000, log: pino({ level: "silent" }) });
      producer.start();
      await new Promise((r) => setTimeout(r, 50));
      await producer.stop();
      expect(fake.node.mined).to.have.length(1);
    });
  });

  describe("#run", function () {
    it("mines a pending transaction at once when no write is in flight, however slow the last block was", async function () {
      await slowBlock(150);
      const sentAt = Date.now();
      fake.node.pending = 1;
      await until(() => fake.node.mined.length === 2);
      expect(fake.node.mined[1].startedAt - sentAt).to.be.below(60);
      expect(producer.stats.lingeredMs).to.equal(0);
    });

    it("while writes are in flight, waits for them up to twice as long as the last block took, then mines", async function () {
      await slowBlock(150);
      const lastEnd = fake.node.mined[0].endedAt;
      inFlight = 1;
      fake.node.pending = 1;
      await until(() => fake.node.mined.length === 2);
      const waited = fake.node.mined[1].startedAt - lastEnd;
      // Not before twice the last block's time has passed since it ended, and not much after.
      expect(waited).to.be.within(300, 400);
      expect(producer.stats.lingeredMs).to.be.greaterThan(100);
    });

    it("mines as soon as the writes in flight have reached the pool", async function () {
      await slowBlock(400);
      inFlight = 3;
      fake.node.pending = 1;
      await new Promise((r) => setTimeout(r, 60));
      expect(fake.node.mined).to.have.length(1); // waiting for the three
      fake.node.pending = 4;
      inFlight = 0;
      const arrivedAt = Date.now();
      await until(() => fake.node.mined.length === 2);
      expect(fake.node.mined[1].startedAt - arrivedAt).to.be.below(60);
    });
  });
});

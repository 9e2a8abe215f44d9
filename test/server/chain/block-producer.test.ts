import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import pino from "pino";
import { BlockProducer } from "../../../server/chain/block-producer";

/** A stand-in node: a pool whose size the test sets, and an evm_mine that takes `mineMs` and empties the pool. */
function fakeNode() {
  const node = { pending: 0, mineMs: 0, mined: [] as { startedAt: number; endedAt: number; polledBefore: number }[], url: "", calls: { txpool_status: 0 } };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string };
      const answer = (result: unknown) => res.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
      if (method === "txpool_status") {
        node.calls.txpool_status++;
        return answer({ pending: `0x${node.pending.toString(16)}`, queued: "0x0" });
      }
      if (method === "evm_mine") {
        const startedAt = Date.now();
        const polledBefore = node.calls.txpool_status;
        setTimeout(() => {
          node.pending = 0;
          node.mined.push({ startedAt, endedAt: Date.now(), polledBefore });
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

  /** A producer with these options in place of the default one (started; stopped by afterEach). */
  async function replaceProducer(options: { pollMs?: number; maxLingerMs?: number }) {
    await producer.stop();
    producer = new BlockProducer({ url: fake.node.url, periodMs: 20, pollMs: 2, log: pino({ level: "silent" }), inFlight: () => inFlight, ...options });
    producer.start();
  }

  describe("#lingerMs", function () {
    it("is maxLingerMs, 500 ms unless set", async function () {
      expect(producer.lingerMs).to.equal(500);
      await replaceProducer({ maxLingerMs: 40 });
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

    it("while writes are in flight, waits for them up to maxLingerMs from when the transaction was seen, then mines", async function () {
      await replaceProducer({ maxLingerMs: 200 });
      await slowBlock(150); // however fast or slow the last block was
      inFlight = 1;
      fake.node.pending = 1;
      const seenBy = Date.now() + 2; // polled every 2 ms
      await until(() => producer.stats.blocks === 2);
      expect(fake.node.mined[1].startedAt - seenBy).to.be.within(195, 350);
      expect(producer.stats.lingeredMs).to.be.within(195, 350);
      expect(producer.stats).to.include({ blocks: 2, transactions: 2 });
    });

    it("mines as soon as the gateway says its writes in flight have reached the pool", async function () {
      // Polling every 300 ms: a block within a few ms of the call can only come from writesChanged.
      await replaceProducer({ pollMs: 300, maxLingerMs: 5_000 });
      await new Promise((r) => setTimeout(r, 20)); // its first look found nothing: the next is 300 ms later
      inFlight = 3;
      fake.node.pending = 1;
      await new Promise((r) => setTimeout(r, 400)); // it has seen the transaction and waits for the three
      expect(fake.node.mined).to.have.length(0);
      producer.writesChanged(); // one of three sent: still waiting
      await new Promise((r) => setTimeout(r, 30));
      expect(fake.node.mined).to.have.length(0);
      fake.node.pending = 4;
      inFlight = 0;
      const arrivedAt = Date.now();
      producer.writesChanged();
      await until(() => producer.stats.blocks === 1);
      expect(fake.node.mined[0].startedAt - arrivedAt).to.be.below(100);
      expect(producer.stats).to.include({ blocks: 1, transactions: 4 });
    });

    it("asks the node nothing while it waits, and the pool once more before the block", async function () {
      await replaceProducer({ maxLingerMs: 300 });
      await new Promise((r) => setTimeout(r, 20));
      inFlight = 2;
      fake.node.pending = 1;
      const before = fake.node.calls.txpool_status;
      await until(() => fake.node.mined.length === 1);
      // The look that found the transaction, then one before the block: not one every 2 ms while waiting 300.
      expect(fake.node.mined[0].polledBefore - before).to.equal(2);
    });
  });
});

import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import pino from "pino";
import { BlockProducer, MAX_REST_MS } from "../../../server/chain/block-producer";

/** A node whose pool always has a transaction and whose `evm_mine` takes `mineMs`: it records when each mine ran. */
async function fakeNode(mineMs: number) {
  const mines: { start: number; end: number }[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const call = JSON.parse(Buffer.concat(chunks).toString()) as { id: number; method: string };
    let result: unknown = null;
    if (call.method === "txpool_status") result = { pending: "0x1", queued: "0x0" };
    if (call.method === "evm_mine") {
      const start = Date.now();
      await new Promise((r) => setTimeout(r, mineMs));
      mines.push({ start, end: Date.now() });
      result = "0x0";
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ jsonrpc: "2.0", id: call.id, result }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, mines, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function produce(mineMs: number, periodMs: number, runMs: number) {
  const node = await fakeNode(mineMs);
  const producer = new BlockProducer({ url: node.url, periodMs, log: pino({ level: "silent" }) });
  producer.start();
  await new Promise((r) => setTimeout(r, runMs));
  await producer.stop();
  await node.close();
  return node.mines;
}

describe("BlockProducer", function () {
  this.timeout(20_000);

  describe("#run", function () {
    it("starts a block at most once per period while mining is quick", async function () {
      const mines = await produce(5, 100, 1_050);
      expect(mines.length).to.be.within(8, 11);
      for (let i = 1; i < mines.length; i++) expect(mines[i].start - mines[i - 1].start, `block ${i}`).to.be.at.least(85);
    });

    it("after a block that took longer than the period, rests as long as it took (fewer, fuller blocks)", async function () {
      const mines = await produce(300, 50, 2_000);
      expect(mines.length).to.be.within(3, 4);
      for (let i = 1; i < mines.length; i++) {
        const took = mines[i - 1].end - mines[i - 1].start;
        expect(mines[i].start - mines[i - 1].end, `rest before block ${i}`).to.be.at.least(took - 15);
      }
    });

    it("rests at most MAX_REST_MS after a very slow block", async function () {
      const mines = await produce(MAX_REST_MS + 500, 50, 2 * (MAX_REST_MS + 500) + MAX_REST_MS + 400);
      expect(mines.length).to.be.at.least(2);
      const rest = mines[1].start - mines[0].end;
      expect(rest).to.be.at.least(MAX_REST_MS - 15).and.at.most(MAX_REST_MS + 300);
    });
  });
});

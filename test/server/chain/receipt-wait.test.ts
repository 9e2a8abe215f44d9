import fs from "node:fs";
import http from "node:http";
import type net from "node:net";
import { expect } from "chai";
import { Wallet } from "ethers";
import pino from "pino";
import { EmbeddedNode } from "../../../server/chain/anvil";
import { connectProvider } from "../../../server/chain/provider";
import { freePort, tempDataDir } from "../../e2e/helpers/processes";

interface RpcCall {
  id: number;
  method: string;
  params: unknown[];
}

/**
 * A JSON-RPC proxy to the node whose head never moves (`eth_blockNumber` frozen) and that answers "no receipt" to the
 * first `hiddenReceipts` receipt queries: the state in which a transaction was mined between `tx.wait()`'s receipt
 * check and ethers' first block poll, on a node that mines nothing more (the block producer with an idle pool).
 */
async function frozenHeadProxy(target: string, head: number, hiddenReceipts: number): Promise<{ url: string; close: () => Promise<void> }> {
  let receiptQueries = 0;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const call = JSON.parse(Buffer.concat(chunks).toString()) as RpcCall;
    let body: unknown;
    if (call.method === "eth_blockNumber") {
      body = { jsonrpc: "2.0", id: call.id, result: `0x${head.toString(16)}` };
    } else if (call.method === "eth_getTransactionReceipt" && receiptQueries++ < hiddenReceipts) {
      body = { jsonrpc: "2.0", id: call.id, result: null };
    } else {
      body = await (await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(call) })).json();
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("GatewayProvider: tx.wait()", function () {
  this.timeout(60_000);
  let node: EmbeddedNode;
  let dataDir: string;

  before(async function () {
    dataDir = tempDataDir("cal-receipt-wait-");
    node = new EmbeddedNode({ port: await freePort(), dataDir, stateIntervalSeconds: 60, blockPeriodMs: 0, log: pino({ level: "silent" }) });
    await node.start();
  });
  after(async function () {
    await node.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("resolves when the transaction was mined unseen and no block follows (the receipt is polled, not the head)", async function () {
    const direct = await connectProvider(node.url, { gasPrice: 0n, pollingIntervalMs: 20, timeoutMs: 5_000, connectDeadlineMs: 10_000 });
    const wallet = new Wallet(Wallet.createRandom().privateKey, direct);
    const tx = await wallet.sendTransaction({ to: wallet.address, value: 0n, gasLimit: 21_000n, gasPrice: 0n, type: 0 });
    // anvil's automine answers the send before the block is sealed: the receipt may be a few milliseconds late.
    let mined = await direct.getTransactionReceipt(tx.hash);
    for (let tries = 0; mined === null && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      mined = await direct.getTransactionReceipt(tx.hash);
    }
    expect(mined, "automined").to.not.equal(null);
    direct.destroy();

    // ethers' own subscriber would wait for a block after `head` that never comes (the wait times out); the first two
    // receipt queries (wait()'s own check and the subscriber's first look) answer that it is not mined yet.
    const proxy = await frozenHeadProxy(node.url, mined!.blockNumber, 2);
    const provider = await connectProvider(proxy.url, { gasPrice: 0n, pollingIntervalMs: 20, timeoutMs: 5_000, connectDeadlineMs: 10_000 });
    try {
      const response = (await provider.getTransaction(tx.hash))!;
      const receipt = await response.wait(1, 5_000);
      expect(receipt!.hash).to.equal(tx.hash);
      expect(receipt!.blockNumber).to.equal(mined!.blockNumber);
    } finally {
      provider.destroy();
      await proxy.close();
    }
  });
});

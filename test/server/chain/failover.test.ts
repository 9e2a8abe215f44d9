import fs from "node:fs";
import net from "node:net";
import { expect } from "chai";
import { Wallet } from "ethers";
import pino from "pino";
import { EmbeddedNode } from "../../../server/chain/anvil";
import { connectProvider, type GatewayProvider } from "../../../server/chain/provider";
import { loadConfig } from "../../../server/config";
import { freePort, tempDataDir } from "../../e2e/helpers/processes";

/** A TCP proxy to `port` that the test can kill, as a node (or its network) dies. */
async function tcpProxy(port: number): Promise<{ url: string; kill: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: own } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${own}`,
    kill: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("RPC_URLS failover (GatewayProvider)", function () {
  this.timeout(120_000);
  let node: EmbeddedNode;
  let dataDir: string;

  before(async function () {
    dataDir = tempDataDir("cal-failover-");
    node = new EmbeddedNode({ port: await freePort(), dataDir, stateIntervalSeconds: 60, blockPeriodMs: 0, log: pino({ level: "silent" }) });
    await node.start();
  });
  after(async function () {
    await node.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("reads and sends go on through the second endpoint when the first dies; re-sent bytes are taken once", async function () {
    const proxy = await tcpProxy(Number(new URL(node.url).port));
    const provider: GatewayProvider = await connectProvider([proxy.url, node.url], { gasPrice: 0n, pollingIntervalMs: 20, timeoutMs: 5_000, connectDeadlineMs: 10_000 });
    try {
      const wallet = new Wallet(Wallet.createRandom().privateKey);
      const { chainId } = await provider.getNetwork();
      const signed = await Promise.all(
        Array.from({ length: 10 }, (_, nonce) => wallet.signTransaction({ to: wallet.address, value: 0n, nonce, gasLimit: 21_000n, gasPrice: 0n, type: 0, chainId })),
      );
      const hashes: string[] = [];
      for (const raw of signed.slice(0, 5)) hashes.push((await provider.broadcastTransaction(raw)).hash);
      expect(provider.currentUrl).to.equal(proxy.url);

      await proxy.kill();
      expect(await provider.getBlockNumber()).to.be.greaterThan(0);
      expect(provider.currentUrl).to.equal(node.url);
      for (const raw of signed.slice(5)) hashes.push((await provider.broadcastTransaction(raw)).hash);

      // The outbox re-sends a transaction whose answer it never saw: same bytes, same nonce, taken at most once.
      await provider.broadcastTransaction(signed[4]).catch((err: Error) => expect(err.message).to.match(/nonce|known/i));
      const receipts = await Promise.all(hashes.map((h) => provider.waitForTransaction(h, 1, 30_000)));
      expect(receipts.every((r) => r?.status === 1)).to.equal(true);
      expect(await provider.getTransactionCount(wallet.address)).to.equal(10);
    } finally {
      provider.destroy();
    }
  });

  it("does not fail over on a JSON-RPC error (the node answered), and fails when no endpoint answers", async function () {
    const proxy = await tcpProxy(Number(new URL(node.url).port));
    const provider = await connectProvider([proxy.url, node.url], { gasPrice: 0n, pollingIntervalMs: 20, timeoutMs: 2_000, connectDeadlineMs: 5_000 });
    try {
      await expect(provider.send("no_such_method", [])).to.be.rejected;
      expect(provider.currentUrl).to.equal(proxy.url);
    } finally {
      provider.destroy();
      await proxy.kill();
    }
    const dead = `http://127.0.0.1:${await freePort()}`;
    await expect(connectProvider([dead], { gasPrice: 0n, pollingIntervalMs: 20, timeoutMs: 500, connectDeadlineMs: 300 })).to.be.rejectedWith(/No JSON-RPC node answered/);
  });

  describe("RPC_URLS configuration", function () {
    it("takes 1 to 16 comma-separated http(s) URLs and needs KEYSTORE_PASSWORD like RPC_URL", function () {
      const config = loadConfig({ RPC_URLS: "http://a:8545, https://b:8545", KEYSTORE_PASSWORD: "twelve-chars-pw" });
      expect(config.RPC_URLS).to.deep.equal(["http://a:8545", "https://b:8545"]);
      expect(() => loadConfig({ RPC_URLS: "http://a:8545,ftp://b", KEYSTORE_PASSWORD: "twelve-chars-pw" })).to.throw(/not an http\(s\) URL: ftp:\/\/b/);
      expect(() => loadConfig({ RPC_URLS: Array.from({ length: 17 }, (_, i) => `http://n${i}:8545`).join(","), KEYSTORE_PASSWORD: "twelve-chars-pw" })).to.throw(/1 to 16/);
      expect(() => loadConfig({ RPC_URLS: "http://a:8545" })).to.throw(/KEYSTORE_PASSWORD/);
    });
  });
});

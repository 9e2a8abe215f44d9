import fs from "node:fs";
import { expect } from "chai";
import { Wallet } from "ethers";
import pino from "pino";
import { EmbeddedNode } from "../../../server/chain/anvil";
import { connectProvider, type GatewayProvider } from "../../../server/chain/provider";
import { freePort, tempDataDir } from "../../e2e/helpers/processes";

/** The embedded node's block producer announces what it mines; the gateway's provider reads receipts in one batch. */
describe("embedded node: block announcements and batched receipts", function () {
  this.timeout(120_000);
  let node: EmbeddedNode;
  let dataDir: string;
  let provider: GatewayProvider;
  const mined: number[] = [];

  before(async function () {
    dataDir = tempDataDir("cal-announce-");
    node = new EmbeddedNode({ port: await freePort(), dataDir, stateIntervalSeconds: 60, blockPeriodMs: 50, log: pino({ level: "silent" }) });
    node.onBlockMined(() => mined.push(Date.now()));
    await node.start();
    provider = await connectProvider(node.url, { gasPrice: 0n, pollingIntervalMs: 50, timeoutMs: 10_000, connectDeadlineMs: 10_000 });
  });
  after(async function () {
    provider.destroy();
    await node.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function sendSelfTransfers(count: number): Promise<string[]> {
    const wallet = Wallet.createRandom();
    const { chainId } = await provider.getNetwork();
    const hashes: string[] = [];
    for (let nonce = 0; nonce < count; nonce++) {
      const raw = await wallet.signTransaction({ to: wallet.address, value: 0n, nonce, gasLimit: 21_000n, gasPrice: 0n, type: 0, chainId });
      hashes.push(await provider.send("eth_sendRawTransaction", [raw]));
    }
    return hashes;
  }

  async function minedReceipt(hash: string) {
    for (let i = 0; i < 500; i++) {
      const receipt = await provider.getTransactionReceipt(hash);
      if (receipt) return receipt;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${hash} not mined within 10 s`);
  }

  describe("#onBlockMined", function () {
    it("is called once per block the producer mines, and never while nothing is pending", async function () {
      expect(node.announcesBlocks).to.equal(true);
      const before = mined.length;
      const head = await provider.getBlockNumber();
      await new Promise((r) => setTimeout(r, 300));
      expect(mined.length).to.equal(before); // idle: no empty blocks, no announcements
      const [hash] = await sendSelfTransfers(1);
      const receipt = await minedReceipt(hash);
      expect(receipt?.blockNumber).to.equal(head + 1);
      // The announcement follows evm_mine's answer, which may come a moment after the receipt is readable.
      for (let i = 0; i < 50 && mined.length === before; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      expect(mined.length).to.equal(before + 1);
    });
  });

  describe("#getTransactionReceipts", function () {
    it("answers the receipts of several transactions in the order asked, null for one not mined", async function () {
      const hashes = await sendSelfTransfers(3);
      await minedReceipt(hashes[2]);
      const unknown = `0x${"ab".repeat(32)}`;
      const receipts = await provider.getTransactionReceipts([hashes[2], unknown, hashes[0], hashes[1]]);
      expect(receipts.map((r) => r?.hash ?? null)).to.deep.equal([hashes[2], null, hashes[0], hashes[1]]);
      for (const r of receipts) if (r) expect(r.status).to.equal(1);
      expect(await provider.getTransactionReceipts([])).to.deep.equal([]);
    });
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { Wallet, type Provider } from "ethers";
import { loadConfig } from "../../../server/config";
import { createTxStack, type TxStack } from "../../../server/core";
import { openDatabase, type Db } from "../../../server/db/connection";
import { createLogger } from "../../../server/logger";
import { ChainRejectedError } from "../../../server/errors";
import { flaky } from "../helpers/flaky-provider";
import { TEST_ENV } from "../helpers/gateway";

/** A bare write path (no contracts needed): repositories, pipeline and tracker on a temporary database. */
function stackOn(db: Db, provider: Provider = ethers.provider, env: Record<string, string> = {}): TxStack {
  const config = loadConfig({ ...TEST_ENV, ...env });
  return createTxStack({ db, provider, log: createLogger("silent"), config });
}

describe("transaction pipeline", function () {
  let dir: string;
  let db: Db;
  const stacks: TxStack[] = [];
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cal-pipeline-"));
    db = openDatabase(path.join(dir, "gateway.db"));
  });
  afterEach(async function () {
    for (const s of stacks.splice(0)) await s.tracker.stop();
    db.close();
  });
  const track = (s: TxStack) => {
    stacks.push(s);
    s.tracker.start();
    return s;
  };

  it("a transaction the node refuses is answered 502, changes nothing, and gives its nonce back", async function () {
    const wallet = new Wallet(Wallet.createRandom().privateKey);
    // An unfunded key with a non-zero gas price: the node refuses the transaction outright.
    const priced = track(stackOn(db, ethers.provider, { GAS_PRICE: "1" }));
    const call = { to: wallet.address, data: "0x" };
    let error: unknown;
    try {
      await priced.pipeline.submit({ orgCode: "X", wallet, operation: "test.call", params: {}, calls: [call] });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ChainRejectedError);
    expect((error as ChainRejectedError).status).to.equal(502);
    const rows = db.prepare("SELECT status, nonce FROM outbox").all() as { status: string; nonce: number }[];
    expect(rows).to.deep.equal([{ status: "rejected", nonce: 0 }]);
    expect((db.prepare("SELECT status FROM submissions").get() as { status: string }).status).to.equal("rejected");

    await priced.tracker.stop();
    const free = track(stackOn(db));
    const { submissionId } = await free.pipeline.submit({ orgCode: "X", wallet, operation: "test.call", params: {}, calls: [call] });
    const done = await free.pipeline.waitFor(submissionId, 10_000);
    expect(done!.status).to.equal("mined");
    expect(free.pipeline.outboxRows(submissionId)[0].nonce).to.equal(0);
    expect(await ethers.provider.getTransactionCount(wallet.address)).to.equal(1);
  });

  it("what was written to the outbox but never sent is sent after a restart, with the same bytes", async function () {
    const wallet = new Wallet(Wallet.createRandom().privateKey);
    const chain = flaky(ethers.provider);
    chain.sendFails = true;
    const before = stackOn(db, chain.provider);
    const calls = [{ to: wallet.address, data: "0x" }, { to: wallet.address, data: "0x01" }];
    const { submissionId, deferred } = await before.pipeline.submit({ orgCode: "X", wallet, operation: "test.call", params: {}, calls });
    expect(deferred).to.equal(true);
    const written = before.pipeline.outboxRows(submissionId);
    expect(written.map((r) => [r.status, r.nonce])).to.deep.equal([["signed", 0], ["signed", 1]]);
    // The process "dies" here. A new one on the same database must use nonce 2 next, and send nonces 0 and 1.
    const after = stackOn(db);
    const next = await after.pipeline.queues.run(wallet.address, async (counter) => counter.next);
    expect(next).to.equal(2);
    const recovered = await after.tracker.recover();
    expect(recovered.resent).to.equal(2);
    track(after);
    const done = await after.pipeline.waitFor(submissionId, 10_000);
    expect(done!.status).to.equal("mined");
    for (const row of written) {
      const tx = await ethers.provider.getTransaction(row.txHash);
      expect(tx!.nonce).to.equal(row.nonce);
    }
    expect(await ethers.provider.getTransactionCount(wallet.address)).to.equal(2);
  });

  it("a signer's counter never goes behind the chain (a key also used outside the gateway)", async function () {
    const [funded] = await ethers.getSigners();
    const wallet = new Wallet(Wallet.createRandom().privateKey);
    await (await funded.sendTransaction({ to: wallet.address, value: ethers.parseEther("1") })).wait();
    await (await wallet.connect(ethers.provider).sendTransaction({ to: funded.address, value: 1n, gasPrice: 0 })).wait();
    const stack = track(stackOn(db));
    const { submissionId } = await stack.pipeline.submit({ orgCode: "X", wallet, operation: "test.call", params: {}, calls: [{ to: wallet.address, data: "0x" }] });
    expect((await stack.pipeline.waitFor(submissionId, 10_000))!.status).to.equal("mined");
    expect(stack.pipeline.outboxRows(submissionId)[0].nonce).to.equal(1);
  });
});

import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { Wallet, type Provider } from "ethers";
import { loadConfig } from "../../../server/config";
import { createTxStack, type TxStack } from "../../../server/core";
import { openDatabase, type Db } from "../../../server/db/connection";
import { createLogger } from "../../../server/logger";
import { ChainRejectedError } from "../../../server/errors";
import { ContractRevertError } from "../../../server/chain/revert";
import { flaky } from "../helpers/flaky-provider";
import { TEST_ENV } from "../helpers/gateway";
import { tempDir } from "../helpers/temp-dir";

/** Settles every promise and answers each outcome, so a test can look at refusals beside successes. */
async function outcomes<T>(promises: Promise<T>[]) {
  return Promise.all(promises.map((p) => p.then((value) => ({ value, error: undefined as unknown }), (error: unknown) => ({ value: undefined, error }))));
}

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
    dir = tempDir("cal-pipeline-");
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

  describe("#submit: writes of one signer that wait together (SignerBatches)", function () {
    const call = (wallet: Wallet, n: number) => ({ to: wallet.address, data: `0x${n.toString(16).padStart(2, "0")}` });
    const submit = (stack: TxStack, wallet: Wallet, n: number, record?: (id: string) => void) =>
      stack.pipeline.submit({ orgCode: "X", wallet, operation: "test.call", params: { n }, calls: [call(wallet, n)], gasLimits: [50_000n], record });
    const nonceOf = (stack: TxStack, id: string) => stack.pipeline.outboxRows(id)[0].nonce;

    it("writes of one signer that wait together share one pass and one commit, with nonces in arrival order", async function () {
      const wallet = new Wallet(Wallet.createRandom().privateKey);
      const stack = track(stackOn(db));
      await submit(stack, wallet, 0); // sets up the counter and the chain id
      const commitsBefore = stack.pipeline.commits.stats.groups;
      const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => submit(stack, wallet, n)));
      expect(stack.pipeline.batches.stats.largest).to.equal(5);
      expect(stack.pipeline.commits.stats.groups - commitsBefore).to.equal(1);
      expect(answers.map((a) => nonceOf(stack, a.submissionId))).to.deep.equal([1, 2, 3, 4, 5]);
      for (const a of answers) expect((await stack.pipeline.waitFor(a.submissionId, 10_000))!.status).to.equal("mined");
      expect(await ethers.provider.getTransactionCount(wallet.address)).to.equal(6);
    });

    it("says when its writes in flight change: each write once it reached the node or was refused (the block producer waits for them)", async function () {
      const wallet = new Wallet(Wallet.createRandom().privateKey);
      const stack = track(stackOn(db));
      await submit(stack, wallet, 0);
      const seen: number[] = [];
      stack.pipeline.events.on("writesInFlight", (n: number) => seen.push(n));
      const writes = [1, 2, 3].map((n) => submit(stack, wallet, n));
      expect(stack.pipeline.writesInFlight).to.equal(3);
      await Promise.all(writes);
      expect(seen).to.deep.equal([2, 1, 0]);
      // A write the contract refuses in simulation leaves the count too.
      const refused = stack.pipeline.submit({ orgCode: "X", wallet, operation: "test.call", params: {}, calls: [{ to: null, data: "0xfe" }] });
      expect(stack.pipeline.writesInFlight).to.equal(1);
      await refused.then(() => expect.fail("the call should have been refused"), () => undefined);
      expect(seen).to.deep.equal([2, 1, 0, 0]);
      expect(stack.pipeline.writesInFlight).to.equal(0);
    });

    it("a refused send refuses the writes behind it in the pass, gives back their nonces and logs them as never sent", async function () {
      const wallet = new Wallet(Wallet.createRandom().privateKey);
      const chain = flaky(ethers.provider);
      const stack = track(stackOn(db, chain.provider));
      await submit(stack, wallet, 0);
      const sendsBefore = chain.sends;
      // The second send of the pass (nonce 2) is refused outright.
      chain.refuseSend = (nth) => nth === sendsBefore + 2;
      const results = await outcomes([1, 2, 3, 4].map((n) => submit(stack, wallet, n)));
      chain.refuseSend = undefined;

      expect(results[0].error).to.equal(undefined);
      for (const r of results.slice(1)) expect(r.error).to.be.instanceOf(ChainRejectedError);
      expect((results[1].error as ChainRejectedError).details).to.deep.equal({ reason: "replacement transaction underpriced" });
      for (const r of results.slice(2)) expect((r.error as ChainRejectedError).details).to.include({ refusedNonce: 2 });
      // Nonces 3 and 4 were never sent: only the refused one reached the node after nonce 1.
      expect(chain.sends - sendsBefore).to.equal(2);
      const rows = db.prepare("SELECT nonce, status FROM outbox ORDER BY id").all() as { nonce: number; status: string }[];
      expect(rows.slice(1).map((r) => [r.nonce, r.status === "rejected"])).to.deep.equal([[1, false], [2, true], [3, true], [4, true]]);
      const submissions = db.prepare("SELECT status FROM submissions WHERE status = 'rejected'").all();
      expect(submissions).to.have.length(3);
      const neverSent = db.prepare("SELECT COUNT(*) AS n FROM action_log WHERE status = 502").get() as { n: number };
      expect(neverSent.n).to.equal(3);

      // The nonces came back: the next write uses nonce 2 and everything accepted is mined without a gap.
      const next = await submit(stack, wallet, 5);
      expect(nonceOf(stack, next.submissionId)).to.equal(2);
      expect((await stack.pipeline.waitFor(next.submissionId, 10_000))!.status).to.equal("mined");
      expect((await stack.pipeline.waitFor(results[0].value!.submissionId, 10_000))!.status).to.equal("mined");
      expect(await ethers.provider.getTransactionCount(wallet.address)).to.equal(3);
    });

    it("a write whose database part fails is refused alone; the writes after it are signed again without a nonce gap", async function () {
      const wallet = new Wallet(Wallet.createRandom().privateKey);
      const stack = track(stackOn(db));
      await submit(stack, wallet, 0);
      const broken = new Error("the caller's record could not be written");
      const results = await outcomes(
        [1, 2, 3, 4].map((n) =>
          submit(stack, wallet, n, n === 2 ? () => {
            throw broken;
          } : undefined),
        ),
      );
      expect(results.map((r) => r.error)).to.deep.equal([undefined, broken, undefined, undefined]);
      const ids = [results[0], results[2], results[3]].map((r) => r.value!.submissionId);
      expect(ids.map((id) => nonceOf(stack, id))).to.deep.equal([1, 2, 3]);
      // Nothing of the failed write remains.
      expect((db.prepare("SELECT COUNT(*) AS n FROM submissions").get() as { n: number }).n).to.equal(4);
      for (const id of ids) expect((await stack.pipeline.waitFor(id, 10_000))!.status).to.equal("mined");
      expect(await ethers.provider.getTransactionCount(wallet.address)).to.equal(4);
    });

    it("a send answered 'nonce too low' for bytes the node already has (sent again by the tracker first) counts as sent", async function () {
      const wallet = new Wallet(Wallet.createRandom().privateKey);
      const chain = flaky(ethers.provider);
      const stack = track(stackOn(db, chain.provider));
      await submit(stack, wallet, 0);
      const sendsBefore = chain.sends;
      chain.alreadySent = (nth) => nth === sendsBefore + 2;
      const answers = await Promise.all([1, 2, 3].map((n) => submit(stack, wallet, n)));
      chain.alreadySent = undefined;
      expect(answers.map((a) => nonceOf(stack, a.submissionId))).to.deep.equal([1, 2, 3]);
      for (const a of answers) expect((await stack.pipeline.waitFor(a.submissionId, 10_000))!.status).to.equal("mined");
      expect((db.prepare("SELECT COUNT(*) AS n FROM action_log WHERE status = 502").get() as { n: number }).n).to.equal(0);
      // The counter was not taken back: the next write follows on.
      const next = await submit(stack, wallet, 4);
      expect(nonceOf(stack, next.submissionId)).to.equal(4);
      expect((await stack.pipeline.waitFor(next.submissionId, 10_000))!.status).to.equal("mined");
      expect(await ethers.provider.getTransactionCount(wallet.address)).to.equal(5);
    });

    it("when the node goes away mid-pass, the rest of the pass is accepted and sent by the tracker later", async function () {
      const wallet = new Wallet(Wallet.createRandom().privateKey);
      const chain = flaky(ethers.provider);
      const stack = stackOn(db, chain.provider);
      await submit(stack, wallet, 0);
      const sendsBefore = chain.sends;
      chain.refuseSend = (nth) => {
        // After the first send of the pass the node stops answering sends.
        if (nth === sendsBefore + 1) chain.sendFails = true;
        return false;
      };
      const answers = await Promise.all([1, 2, 3].map((n) => submit(stack, wallet, n)));
      expect(answers.map((a) => a.deferred)).to.deep.equal([false, true, true]);
      // Nonce 1 sent, one attempt at nonce 2; nonce 3 was not tried against a node that had just failed.
      expect(chain.sends - sendsBefore).to.equal(2);
      chain.sendFails = false;
      chain.refuseSend = undefined;
      track(stack);
      await stack.tracker.recover();
      for (const a of answers) expect((await stack.pipeline.waitFor(a.submissionId, 10_000))!.status).to.equal("mined");
      expect(await ethers.provider.getTransactionCount(wallet.address)).to.equal(4);
    });
  });
  describe("#simulate: one eth_call at TX_GAS_LIMIT, or an estimate", function () {
    /** Counts the provider's estimateGas and call invocations. */
    function counted(inner: Provider) {
      const counts = { estimateGas: 0, call: 0 };
      const provider = new Proxy(inner, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            if (prop === "estimateGas" || prop === "call") counts[prop]++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      return { provider, counts };
    }

    /** A token holder and a transfer it may make, and the least gas the transfer succeeds with. */
    async function transferCall() {
      const [holder] = await ethers.getSigners();
      const token = await (await ethers.getContractFactory("PlainERC20")).deploy();
      await (await token.mint(holder.address, 1_000n)).wait();
      const call = { to: await token.getAddress(), data: token.interface.encodeFunctionData("transfer", [Wallet.createRandom().address, 10n]) };
      const least = await ethers.provider.estimateGas({ from: holder.address, ...call });
      return { holder, token, call, least };
    }

    it("at gas price 0, a call that succeeds within the limit is run once and given that limit (boundary: exactly the gas it needs)", async function () {
      const { holder, call, least } = await transferCall();
      const { provider, counts } = counted(ethers.provider);
      const stack = stackOn(db, provider, { TX_GAS_LIMIT: String(least) });
      expect(await stack.pipeline.simulate(holder.address, [call])).to.deep.equal([least]);
      expect(counts).to.deep.equal({ estimateGas: 0, call: 1 });
    });

    it("a call that needs more than the limit (one gas more) is estimated, with the headroom", async function () {
      const { holder, call, least } = await transferCall();
      const { provider, counts } = counted(ethers.provider);
      const stack = stackOn(db, provider, { TX_GAS_LIMIT: String(least - 1n) });
      const [limit] = await stack.pipeline.simulate(holder.address, [call]);
      expect(counts).to.deep.equal({ estimateGas: 1, call: 1 });
      const estimate = await ethers.provider.estimateGas({ from: holder.address, ...call });
      expect(limit).to.equal((estimate * 125n) / 100n);
    });

    it("a contract's refusal at the fixed limit is the same 4xx, from the one call, and nothing is signed", async function () {
      const { holder, token, call } = await transferCall();
      const { provider, counts } = counted(ethers.provider);
      const stack = stackOn(db, provider);
      const tooMuch = { to: call.to, data: token.interface.encodeFunctionData("transfer", [Wallet.createRandom().address, 1_001n]) };
      const wallet = new Wallet(Wallet.createRandom().privateKey);
      let error: unknown;
      try {
        await stack.pipeline.simulate(holder.address, [call, tooMuch]);
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(ContractRevertError);
      expect((error as ContractRevertError).status).to.equal(422);
      expect((error as ContractRevertError).revert!.name).to.equal("ERC20InsufficientBalance");
      expect((error as ContractRevertError).details).to.include({ callIndex: 1 });
      expect(counts).to.deep.equal({ estimateGas: 0, call: 2 });
      // Through submit: refused before a nonce is taken or a row written.
      const refused = await outcomes([stack.pipeline.submit({ orgCode: "X", wallet, operation: "test.call", params: {}, calls: [{ to: call.to, data: tooMuch.data }] })]);
      expect(refused[0].error).to.be.instanceOf(ContractRevertError);
      expect(db.prepare("SELECT COUNT(*) AS n FROM outbox").get()).to.deep.equal({ n: 0 });
    });

    it("with TX_GAS_LIMIT 0, or at a gas price above 0, every call is estimated", async function () {
      const { holder, call, least } = await transferCall();
      for (const env of [{ TX_GAS_LIMIT: "0" }, { GAS_PRICE: "1" }] as Record<string, string>[]) {
        const { provider, counts } = counted(ethers.provider);
        const stack = stackOn(db, provider, env);
        expect(await stack.pipeline.simulate(holder.address, [call]), JSON.stringify(env)).to.deep.equal([(least * 125n) / 100n]);
        expect(counts, JSON.stringify(env)).to.deep.equal({ estimateGas: 1, call: 0 });
      }
    });
  });
});

import { expect } from "chai";
import { SignerBatches } from "../../../server/chain/tx/signer-batches";
import { SignerQueues } from "../../../server/chain/tx/signer-queue";

/** Settles every promise and answers each outcome, so a test can look at refusals beside successes. */
async function outcomes<T>(promises: Promise<T>[]) {
  return Promise.all(promises.map((p) => p.then((value) => ({ value, error: undefined as unknown }), (error: unknown) => ({ value: undefined, error }))));
}

describe("signer batches", function () {
  describe("#enqueue", function () {
    it("hands a signer's waiting jobs over together, in arrival order, at most maxBatch at a time", async function () {
      const seen: number[][] = [];
      const queues = new SignerQueues(async () => 0);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const done: Promise<void>[] = [];
      const batches = new SignerBatches<{ n: number; resolve: () => void; reject: (e: unknown) => void }>(
        queues,
        async (jobs) => {
          seen.push(jobs.map((j) => j.n));
          if (seen.length === 1) await gate;
          for (const j of jobs) j.resolve();
        },
        2,
      );
      for (let n = 0; n < 6; n++) done.push(new Promise<void>((resolve, reject) => batches.enqueue("0xa", { n, resolve, reject })));
      await new Promise((r) => setImmediate(r));
      // The first pass took two while the other four waited behind it.
      expect(seen).to.deep.equal([[0, 1]]);
      release();
      await Promise.all(done);
      expect(seen).to.deep.equal([[0, 1], [2, 3], [4, 5]]);
      expect(batches.stats).to.deep.equal({ batches: 3, jobs: 6, largest: 2 });
    });

    it("puts the jobs a pass answers for retry at the front of the line", async function () {
      const seen: number[][] = [];
      let retried = false;
      const done: Promise<void>[] = [];
      const batches = new SignerBatches<{ n: number; resolve: () => void; reject: (e: unknown) => void }>(new SignerQueues(async () => 0), async (jobs) => {
        seen.push(jobs.map((j) => j.n));
        if (!retried) {
          retried = true;
          jobs[0].resolve();
          // A job arriving while the pass runs waits behind the ones handed back.
          done.push(new Promise<void>((resolve, reject) => batches.enqueue("0xa", { n: 9, resolve, reject })));
          return jobs.slice(1);
        }
        for (const j of jobs) j.resolve();
      });
      for (let n = 0; n < 3; n++) done.push(new Promise<void>((resolve, reject) => batches.enqueue("0xa", { n, resolve, reject })));
      await Promise.all(done);
      await Promise.all(done);
      expect(seen).to.deep.equal([[0, 1, 2], [1, 2, 9]]);
    });

    it("refuses the whole line when the signer's counter cannot be set up", async function () {
      const down = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      const batches = new SignerBatches<{ resolve: () => void; reject: (e: unknown) => void }>(
        new SignerQueues(async () => {
          throw down;
        }),
        async () => expect.fail("no pass may run without a counter"),
      );
      const jobs = [0, 1, 2].map(() => new Promise<void>((resolve, reject) => batches.enqueue("0xa", { resolve, reject })));
      expect((await outcomes(jobs)).map((o) => o.error)).to.deep.equal([down, down, down]);
    });
  });
});

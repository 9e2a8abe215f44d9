import crypto from "node:crypto";
import { expect } from "chai";
import { ethers, network } from "hardhat";
import request from "supertest";
import { startTestGateway, uniqueCode, type TestGateway } from "./helpers/gateway";
import { grantScheduledRoles } from "./helpers/governance";
import { expectError } from "./helpers/http";
import { flaky, type Flaky } from "./helpers/flaky-provider";

const sha = () => crypto.randomBytes(32).toString("hex");
const datasetBody = (holder: string) => ({
  contentHash: sha(),
  metadataHash: `0x${sha()}`,
  holder,
  classification: "Open",
  title: "Bus stops",
  uri: "https://opendata.danang.gov.vn/bus-stops.csv",
});

/** Polls GET /v1/transactions/{id} until it is no longer pending (bounded). */
async function settled(gw: TestGateway, id: string, org = "CITY-ADMIN", timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(gw.app).get(`/v1/transactions/${id}`).set(gw.auth(org)).expect(200);
    if (res.body.status !== "pending") return res.body;
    if (Date.now() > deadline) throw new Error(`transaction ${id} still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("transactions: pipeline, async writes, idempotency", function () {
  let gw: TestGateway;
  before(async function () {
    gw = await startTestGateway();
  });
  after(async () => gw?.stop());

  const admin = () => gw.auth("CITY-ADMIN");
  const register = (code: string, headers: Record<string, string> = {}) =>
    request(gw.app).post("/v1/participants").set({ ...admin(), ...headers }).send({ code, name: `Org ${code}`, kind: "Business" });

  describe("GET /v1/transactions/{id}", function () {
    it("shows the organisation its own transaction; others get 404, auditors see all", async function () {
      const res = await register(uniqueCode()).expect(201);
      const id = res.body.transaction.id;
      const own = await request(gw.app).get(`/v1/transactions/${id}`).set(admin()).expect(200);
      expect(own.body).to.include({ id, status: "mined", operation: "participants.register", organization: "CITY-ADMIN" });
      expect(own.body.result).to.deep.equal(res.body.result);
      await expectError(request(gw.app).get(`/v1/transactions/${id}`).set(gw.auth("BIZ-SOLAR")), 404, "TRANSACTION_NOT_FOUND");
      await request(gw.app).get(`/v1/transactions/${id}`).set(gw.auth("AUDITOR")).expect(200);
      await expectError(request(gw.app).get(`/v1/transactions/tx_${crypto.randomUUID()}`).set(admin()), 404, "TRANSACTION_NOT_FOUND");
      await expectError(request(gw.app).get("/v1/transactions/42").set(admin()), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get(`/v1/transactions/${id}`), 401, "UNAUTHENTICATED");
    });
  });

  describe("Prefer: respond-async", function () {
    it("answers 202 at once with a Location to follow until mined", async function () {
      const code = uniqueCode();
      const res = await register(code, { Prefer: "respond-async" }).expect(202);
      expect(res.headers["preference-applied"]).to.equal("respond-async");
      expect(res.headers.location).to.equal(`/v1/transactions/${res.body.transaction.id}`);
      expect(res.body.transaction.status).to.equal("pending");
      const done = await settled(gw, res.body.transaction.id);
      expect(done.status).to.equal("mined");
      expect(done.result.code).to.equal(code);
      expect(done.blockNumber).to.be.a("number");
    });
  });

  describe("a write not mined in time", function () {
    it("answers 202 with the transaction link after TX_WAIT_TIMEOUT_MS, and completes later", async function () {
      const slow = await startTestGateway({ env: { TX_WAIT_TIMEOUT_MS: "200" } });
      await network.provider.send("evm_setAutomine", [false]);
      try {
        const res = await request(slow.app).post("/v1/participants").set(slow.auth("CITY-ADMIN")).send({ code: uniqueCode(), name: "x", kind: "Business" }).expect(202);
        expect(res.headers.location).to.equal(`/v1/transactions/${res.body.transaction.id}`);
        expect(res.headers).to.not.have.property("preference-applied");
        await network.provider.send("evm_mine", []);
        expect((await settled(slow, res.body.transaction.id)).status).to.equal("mined");
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
        await slow.stop();
      }
    });
  });

  describe("Idempotency-Key", function () {
    it("replays the first answer for the same key and body; one transaction on chain", async function () {
      const code = uniqueCode();
      const key = `create-${code}`;
      const nonce = await ethers.provider.getTransactionCount(gw.services.operators.governor.wallet.address);
      const first = await register(code, { "Idempotency-Key": key }).expect(201);
      const second = await register(code, { "Idempotency-Key": key }).expect(201);
      expect(second.body).to.deep.equal(first.body);
      expect(second.headers["idempotent-replayed"]).to.equal("true");
      expect(await ethers.provider.getTransactionCount(gw.services.operators.governor.wallet.address)).to.equal(nonce + 1);
    });

    it("422 for the same key with another body; keys are per organisation", async function () {
      const key = `k-${uniqueCode()}`;
      await register(uniqueCode(), { "Idempotency-Key": key }).expect(201);
      const res = await expectError(register(uniqueCode(), { "Idempotency-Key": key }), 422, "IDEMPOTENCY_KEY_REUSED");
      expect(res.body.error.details).to.include({ key, method: "POST", path: "/v1/participants" });
      // Another organisation may use the same key for its own request.
      await request(gw.app)
        .post("/v1/datasets")
        .set({ ...gw.auth("DATA-OFFICE"), "Idempotency-Key": key })
        .send(datasetBody("AGENCY-TRANSPORT"))
        .expect(201);
    });

    it("400 for a malformed key", async function () {
      await expectError(register(uniqueCode(), { "Idempotency-Key": "has space" }), 400, "INVALID_IDEMPOTENCY_KEY");
    });

    it("a request refused before reaching the outbox releases its key", async function () {
      const key = `k-${uniqueCode()}`;
      await expectError(register("DATA-OFFICE", { "Idempotency-Key": key }), 409, "PARTICIPANT_EXISTS");
      await register(uniqueCode(), { "Idempotency-Key": key }).expect(201);
    });

    it("concurrent duplicates: one transaction; the other waits for it or is told to retry (409)", async function () {
      const code = uniqueCode();
      const key = `dup-${code}`;
      const nonce = await ethers.provider.getTransactionCount(gw.services.operators.governor.wallet.address);
      const answers = await Promise.all([1, 2, 3].map(() => register(code, { "Idempotency-Key": key })));
      const ok = answers.filter((a) => a.status === 201);
      expect(ok.length).to.be.greaterThan(0);
      for (const a of answers) {
        if (a.status === 201) expect(a.body).to.deep.equal(ok[0].body);
        else expect(a.body.error.code).to.equal("IDEMPOTENCY_REQUEST_IN_PROGRESS");
      }
      expect(await ethers.provider.getTransactionCount(gw.services.operators.governor.wallet.address)).to.equal(nonce + 1);
      const retry = await register(code, { "Idempotency-Key": key }).expect(201);
      expect(retry.body).to.deep.equal(ok[0].body);
    });

    it("never stores an API key: a replayed creation answers the same record without the key", async function () {
      const headers = { ...admin(), "Idempotency-Key": `key-${uniqueCode()}` };
      const first = await request(gw.app).post("/v1/api-keys").set(headers).send({ organization: "AUDITOR" }).expect(201);
      expect(first.body.key).to.be.a("string");
      const replay = await request(gw.app).post("/v1/api-keys").set(headers).send({ organization: "AUDITOR" }).expect(201);
      expect(replay.body).to.deep.equal({ ...first.body, key: null });
      expect(JSON.stringify(gw.db.prepare("SELECT response_body FROM idempotency").all())).to.not.contain(first.body.key);
    });
  });

  describe("50 concurrent writes from 5 organisations", function () {
    it("all succeed, and each signer's nonces are contiguous", async function () {
      this.timeout(120_000);
      const registrars = await Promise.all(
        [1, 2, 3, 4, 5].map(async () => {
          const code = uniqueCode("REG");
          const reg = await request(gw.app).post("/v1/participants").set(admin()).send({ code, name: code, kind: "CityAgency", roles: ["REGISTRAR"] }).expect(201);
          await grantScheduledRoles(gw, reg.body);
          const key = await request(gw.app).post("/v1/api-keys").set(admin()).send({ organization: code }).expect(201);
          return { code, auth: { Authorization: `Bearer ${key.body.key}` } };
        }),
      );
      const writes = registrars.flatMap((r) =>
        Array.from({ length: 10 }, () => request(gw.app).post("/v1/datasets").set(r.auth).send(datasetBody(r.code)).then((res) => ({ r, res }))),
      );
      const answers = await Promise.all(writes);
      for (const { res } of answers) expect(res.status, JSON.stringify(res.body)).to.equal(201);

      for (const r of registrars) {
        const signer = gw.services.participants.find(r.code)!.address;
        const nonces = answers
          .filter((a) => a.r === r)
          .map((a) => a.res.body.transaction.chainTransactions[0])
          .map((t: { nonce: number; signer: string }) => {
            expect(t.signer).to.equal(signer);
            return t.nonce;
          })
          .sort((a, b) => a - b);
        expect(nonces).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(await ethers.provider.getTransactionCount(signer)).to.equal(10);
        for (const a of answers.filter((x) => x.r === r)) {
          const tx = await ethers.provider.getTransaction(a.res.body.transaction.hash);
          expect(tx!.nonce).to.equal(a.res.body.transaction.chainTransactions[0].nonce);
          expect(await gw.services.contracts.dataAssets.isRegistered(a.res.body.result.contentHash)).to.equal(true);
        }
      }
    });
  });

  describe("a transaction that reverts once mined", function () {
    it("answers 409 with the decoded reason and the transaction; the signer's next write is not stuck", async function () {
      const code = uniqueCode();
      await register(code).expect(201);
      await network.provider.send("evm_setAutomine", [false]);
      let first, second;
      try {
        // Sent together, both pass simulation against the same state; the second is refused by the contract once mined.
        [first, second] = await Promise.all(
          ["one", "two"].map((reason) =>
            request(gw.app).post(`/v1/participants/${code}/suspend`).set({ ...admin(), Prefer: "respond-async" }).send({ reason }).expect(202),
          ),
        );
        await network.provider.send("evm_mine", []);
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      const [a, b] = (await Promise.all([settled(gw, first.body.transaction.id), settled(gw, second.body.transaction.id)])).sort((x, y) =>
        x.chainTransactions[0].nonce - y.chainTransactions[0].nonce,
      );
      expect(a.status).to.equal("mined");
      expect(b.status).to.equal("failed");
      expect(b.error).to.deep.include({ status: 409, code: "CHAIN_STATE_CONFLICT" });
      expect(b.error.details).to.deep.include({ error: "ParticipantRegistryInvalidStatusTransition" });
      expect(b.error.details.args).to.include({ current: "Suspended", requested: "Suspended" });
      expect(b.chainTransactions[0].status).to.equal("failed");
      await register(uniqueCode()).expect(201);
    });
  });

  describe("replay after a restart", function () {
    it("a new gateway on the same database answers the first answer again", async function () {
      const code = uniqueCode();
      const key = `restart-${code}`;
      const first = await register(code, { "Idempotency-Key": key }).expect(201);
      await gw.stop();
      gw = await startTestGateway({ dataDir: gw.dataDir });
      const replay = await register(code, { "Idempotency-Key": key }).expect(201);
      expect(replay.body).to.deep.equal(first.body);
      await expectError(register(uniqueCode(), { "Idempotency-Key": key }), 422, "IDEMPOTENCY_KEY_REUSED");
    });

    it("a replay of a write first answered 202 answers 202 with Location while pending, then the final result once mined", async function () {
      const code = uniqueCode();
      const key = `async-${code}`;
      await network.provider.send("evm_setAutomine", [false]);
      let accepted;
      try {
        accepted = await register(code, { "Idempotency-Key": key, Prefer: "respond-async" }).expect(202);
        expect(accepted.headers.location).to.equal(`/v1/transactions/${accepted.body.transaction.id}`);
        const pending = await register(code, { "Idempotency-Key": key, Prefer: "respond-async" }).expect(202);
        expect(pending.headers.location).to.equal(accepted.headers.location);
        expect(pending.headers["idempotent-replayed"]).to.equal("true");
        await network.provider.send("evm_mine", []);
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      let final;
      for (let i = 0; i < 100; i++) {
        final = await register(code, { "Idempotency-Key": key });
        if (final.status !== 202) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(final!.status, JSON.stringify(final!.body)).to.equal(201);
      expect(final!.body.result.code).to.equal(code);
      expect(final!.body.transaction.id).to.equal(accepted.body.transaction.id);
      // The final answer is kept: a later replay gives it again, without asking the chain.
      expect((await register(code, { "Idempotency-Key": key }).expect(201)).body).to.deep.equal(final!.body);
    });

    it("a request accepted but not answered before the restart is answered from its transaction", async function () {
      const code = uniqueCode();
      const key = `accepted-${code}`;
      await network.provider.send("evm_setAutomine", [false]);
      try {
        const accepted = await register(code, { "Idempotency-Key": key, Prefer: "respond-async" }).expect(202);
        // Simulate a crash after acceptance: the stored answer is dropped, only the claim and its submission remain.
        gw.db.prepare("UPDATE idempotency SET state = 'in_flight', response_status = NULL, response_body = NULL WHERE key = ?").run(key);
        await gw.stop();
        gw = await startTestGateway({ dataDir: gw.dataDir });
        await network.provider.send("evm_mine", []);
        const answer = await register(code, { "Idempotency-Key": key }).expect(201);
        expect(answer.body.transaction.id).to.equal(accepted.body.transaction.id);
        expect(answer.body.result.code).to.equal(code);
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
    });
  });
});

describe("transactions: the chain unreachable, or losing blocks", function () {
  let gw: TestGateway;
  let chain: Flaky;
  before(async function () {
    chain = flaky(ethers.provider);
    gw = await startTestGateway({ provider: chain.provider, env: { TX_REBROADCAST_MS: "300", TX_WAIT_TIMEOUT_MS: "2000" } });
  });
  after(async () => {
    chain.down = false;
    chain.sendFails = false;
    await gw?.stop();
  });
  const admin = () => gw.auth("CITY-ADMIN");

  it("503 in the error shape for chain reads, writes and readiness (index reads still answer); nothing is accepted; the key is released", async function () {
    const code = uniqueCode();
    const key = `down-${code}`;
    const outboxBefore = (gw.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n;
    chain.down = true;
    try {
      await expectError(request(gw.app).get("/v1/participants/DATA-OFFICE").set(admin()), 503, "CHAIN_UNAVAILABLE");
      // Lists come from the gateway's index, which keeps answering (up to the last indexed block) while the node is away.
      await request(gw.app).get("/v1/datasets").set(admin()).expect(200);
      await expectError(
        request(gw.app).post("/v1/participants").set({ ...admin(), "Idempotency-Key": key }).send({ code, name: "x", kind: "Business" }),
        503,
        "CHAIN_UNAVAILABLE",
      );
      const ready = await expectError(request(gw.app).get("/ready"), 503, "NOT_READY");
      expect(ready.body.error.details.checks.chain.ok).to.equal(false);
      await request(gw.app).get("/health").expect(200);
    } finally {
      chain.down = false;
    }
    expect((gw.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n).to.equal(outboxBefore);
    await request(gw.app).get("/ready").expect(200);
    await request(gw.app).post("/v1/participants").set({ ...admin(), "Idempotency-Key": key }).send({ code, name: "x", kind: "Business" }).expect(201);
  });

  it("accepted while the node cannot take it: 202, then sent again from the outbox once it can", async function () {
    const code = uniqueCode();
    chain.sendFails = true;
    let res;
    try {
      res = await request(gw.app).post("/v1/participants").set(admin()).send({ code, name: "x", kind: "Business" }).expect(202);
      expect(res.headers.location).to.equal(`/v1/transactions/${res.body.transaction.id}`);
      expect(res.body.transaction.chainTransactions[0].status).to.equal("signed");
    } finally {
      chain.sendFails = false;
    }
    const done = await settled(gw, res.body.transaction.id);
    expect(done.status).to.equal("mined");
    expect((await gw.services.contracts.participants.organization(ethers.encodeBytes32String(code))).status).to.equal(1n);
  });

  describe("after the node restarts from an older state", function () {
    /** An organisation created (201), then lost by the chain (as a node restarted from its last dump loses it). */
    async function lostOrganisation(): Promise<string> {
      const snapshot = await network.provider.send("evm_snapshot", []);
      const code = uniqueCode();
      await request(gw.app).post("/v1/participants").set(admin()).send({ code, name: "x", kind: "Business" }).expect(201);
      await network.provider.send("evm_revert", [snapshot]);
      return code;
    }

    it("a write waits until what the chain lost is sent again, so its checks see the earlier writes (no 404)", async function () {
      const code = await lostOrganisation();
      // The re-sent registration cannot reach the node for a while; the suspension must wait for it, not 404.
      chain.sendFails = true;
      gw.services.stack.tracker.nodeRestarted();
      expect(gw.services.stack.tracker.recovering).to.equal(true);
      const release = setTimeout(() => (chain.sendFails = false), 400);
      try {
        const res = await request(gw.app).post(`/v1/participants/${code}/suspend`).set(admin()).send({ reason: "test" });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
      } finally {
        clearTimeout(release);
        chain.sendFails = false;
      }
      expect(gw.services.stack.tracker.recovering).to.equal(false);
      expect((await gw.services.contracts.participants.organization(ethers.encodeBytes32String(code))).status).to.equal(2n);
    });

    it("past the wait (TX_WAIT_TIMEOUT_MS, at most 10 s) the write is refused 503 CHAIN_UNAVAILABLE and nothing is accepted", async function () {
      const code = await lostOrganisation();
      chain.sendFails = true;
      const outboxBefore = (gw.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n;
      try {
        gw.services.stack.tracker.nodeRestarted();
        const res = await expectError(request(gw.app).post(`/v1/participants/${code}/suspend`).set(admin()).send({ reason: "test" }), 503, "CHAIN_UNAVAILABLE");
        expect(res.body.error.details.reason).to.equal("recovering");
        expect((gw.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n).to.equal(outboxBefore);
      } finally {
        chain.sendFails = false;
      }
      expect(await gw.services.stack.tracker.whenRecovered(10_000)).to.equal(true);
      expect((await gw.services.contracts.participants.organization(ethers.encodeBytes32String(code))).status).to.equal(1n);
    });
  });

  it("when the chain loses blocks it had mined, the outbox sends the same transactions again", async function () {
    const snapshot = await network.provider.send("evm_snapshot", []);
    const code = uniqueCode();
    const res = await request(gw.app).post("/v1/participants").set(admin()).send({ code, name: "x", kind: "Business" }).expect(201);
    const orgId = ethers.encodeBytes32String(code);
    await network.provider.send("evm_revert", [snapshot]);
    expect((await gw.services.contracts.participants.organization(orgId)).status).to.equal(0n);
    expect(await ethers.provider.getTransaction(res.body.transaction.hash)).to.equal(null);

    const deadline = Date.now() + 15_000;
    while ((await gw.services.contracts.participants.organization(orgId)).status !== 1n) {
      if (Date.now() > deadline) throw new Error("the lost transaction was not sent again");
      await new Promise((r) => setTimeout(r, 50));
    }
    // Same signed bytes: the same hash, mined again.
    const receipt = await ethers.provider.getTransactionReceipt(res.body.transaction.hash);
    expect(receipt!.status).to.equal(1);
    const shown = await settled(gw, res.body.transaction.id);
    expect(shown.status).to.equal("mined");
    expect(shown.blockNumber).to.equal(receipt!.blockNumber);
  });
});

import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { auditChain } from "../../scripts/audit/audit-chain";
import { LOG_CHECKS } from "../../scripts/audit/log-completeness";
import { chainHash, type ActionLogEntry } from "../../scripts/lib/action-log";
import { transactionsOf } from "../../scripts/audit/log-export";
import { GATEWAY_ACTOR } from "../../server/chain/tx/pipeline";
import { ANCHOR_ACTION } from "../../server/services/action-log";
import { startTestGateway, uniqueCode, type TestGateway } from "./helpers/gateway";
import { expectError } from "./helpers/http";

describe("action log API", function () {
  let gw: TestGateway;
  before(async function () {
    gw = await startTestGateway();
    await gw.services.anchorer.ensureRole();
  });
  after(async () => gw?.stop());

  const admin = () => gw.auth("CITY-ADMIN");
  const exportLog = async (after = 0) => (await request(gw.app).get(`/v1/audit/log?after=${after}&limit=1000`).set(admin()).expect(200)).body;

  async function anchorNow(): Promise<void> {
    const submission = await gw.services.anchorer.tick();
    expect(submission, "an anchor was sent").to.be.a("string");
    const done = await gw.services.stack.pipeline.waitFor(submission!, 10_000);
    expect(done?.status).to.equal("mined");
    await gw.services.anchorer.syncFromChain();
  }

  it("appends every authenticated write, accepted (with its outbox rows) or refused (once answered), hash-chained, with who, what and the transactions", async function () {
    const before = (await exportLog()).entries.length;
    const code = uniqueCode("BIZ");
    const created = await request(gw.app).post("/v1/participants").set(admin()).send({ code, name: "Log test", kind: "Business" }).expect(201);
    await request(gw.app).post(`/v1/participants/${code}/suspend`).set(gw.auth("BIZ-SOLAR")).send({ reason: "not allowed" }).expect(403);
    await request(gw.app).post("/v1/participants").set({ Authorization: "Bearer nope" }).send({}).expect(401);

    const { entries } = await exportLog();
    const added: ActionLogEntry[] = entries.slice(before);
    expect(added.map((e) => [e.org, e.action, e.status])).to.deep.equal([
      ["CITY-ADMIN", "POST /v1/participants", 202],
      ["BIZ-SOLAR", "POST /v1/participants/:org/suspend", 403],
    ]);
    expect(added[0].txHash).to.equal(created.body.transaction.hash);
    expect(added[0].submissionId).to.equal(created.body.transaction.id);
    expect(added[0].txHashes).to.deep.equal(created.body.transaction.chainTransactions.map((t: { hash: string }) => t.hash));
    expect(added[1].txHash).to.equal(null);
    expect(added[0].apiKeyId).to.match(/^key_/);
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i].id).to.equal(entries[i - 1].id + 1);
      expect(entries[i].prevHash).to.equal(entries[i - 1].hash);
      expect(entries[i].hash).to.equal(chainHash(entries[i].prevHash, entries[i]));
    }
    expect(JSON.stringify(entries)).to.not.include(gw.keys["CITY-ADMIN"]);
  });

  it("anchors new entries on chain and proves each one against its anchor", async function () {
    await request(gw.app).post("/v1/participants").set(admin()).send({ code: uniqueCode("BIZ"), name: "Anchored", kind: "Business" }).expect(201);
    await anchorNow();
    const { entries, anchors } = await exportLog();
    const last = anchors[anchors.length - 1];
    // The anchor's own transaction is logged too, after the range it anchors.
    expect(entries.at(-1)).to.include({ action: ANCHOR_ACTION, apiKeyId: GATEWAY_ACTOR, txHash: last.txHash, status: 202 });
    expect(last.lastEntryId).to.equal(entries.at(-2).id);
    expect(last.txHash).to.match(/^0x[0-9a-f]{64}$/);

    const proof = (await request(gw.app).get(`/v1/audit/log/${entries[0].id}/proof`).set(admin()).expect(200)).body;
    expect(proof.anchored).to.equal(true);
    expect(await gw.services.contracts.auditAnchor.verifyEntry(proof.anchor.anchorId, proof.leaf, proof.proof)).to.equal(true);

    // A new entry is not anchored until the next pass.
    await request(gw.app).post("/v1/participants").set(admin()).send({ code: uniqueCode("BIZ"), name: "Later", kind: "Business" }).expect(201);
    const newest = (await exportLog()).entries.at(-1)!;
    const pending = (await request(gw.app).get(`/v1/audit/log/${newest.id}/proof`).set(admin()).expect(200)).body;
    expect(pending).to.include({ anchored: false, anchor: null, proof: null });
    await anchorNow();
    const later = (await request(gw.app).get(`/v1/audit/log/${newest.id}/proof`).set(admin()).expect(200)).body;
    expect(later.anchored).to.equal(true);
    expect(await gw.services.contracts.auditAnchor.verifyEntry(later.anchor.anchorId, later.leaf, later.proof)).to.equal(true);
  });

  it("does nothing when there is nothing new to anchor (the last anchor's own entry waits for the next entry)", async function () {
    await request(gw.app).post("/v1/participants").set(admin()).send({ code: uniqueCode("BIZ"), name: "Once", kind: "Business" }).expect(201);
    await anchorNow();
    expect(await gw.services.anchorer.tick()).to.equal(undefined);
    await request(gw.app).post("/v1/participants").set(admin()).send({ code: uniqueCode("BIZ"), name: "Twice", kind: "Business" }).expect(201);
    await anchorNow();
    const { entries, anchors } = await exportLog();
    const anchorEntries = entries.filter((e: ActionLogEntry) => e.action === ANCHOR_ACTION);
    // Every anchor but the newest is itself covered by a later anchor.
    for (const e of anchorEntries.slice(0, -1)) expect(anchors.at(-1).lastEntryId).to.be.at.least(e.id);
  });

  it("writes the entry with the outbox rows, before sending: a transaction the node never got still has its entry", async function () {
    const code = uniqueCode("BIZ");
    const res = await request(gw.app).post("/v1/participants").set({ ...admin(), Prefer: "respond-async" }).send({ code, name: "Logged first", kind: "Business" }).expect(202);
    const [entry] = gw.services.stack.repos.actionLog.bySubmission(res.body.transaction.id);
    expect(entry).to.include({ org: "CITY-ADMIN", action: "POST /v1/participants", status: 202, submissionId: res.body.transaction.id });
    const rows = gw.services.stack.pipeline.outboxRows(res.body.transaction.id);
    expect(entry.txHashes).to.deep.equal(rows.map((r) => r.txHash));
    // Written in the same database transaction: the entry's id is older than any answer, and one entry per submission.
    expect(gw.services.stack.repos.actionLog.bySubmission(res.body.transaction.id)).to.have.length(1);
  });

  it("names every transaction the gateway sent, also for clients that disconnect mid-request under load, and the audit proves the log complete", async function () {
    this.timeout(240_000);
    const registrations = () => (gw.db.prepare("SELECT COUNT(*) AS n FROM submissions WHERE operation = 'participants.register'").get() as { n: number }).n;
    const before = registrations();
    const started = new Date().toISOString();
    const aborted = Array.from({ length: 24 }, (_, i) =>
      request(gw.app)
        .post("/v1/participants")
        .set(admin())
        .timeout(20 + i * 25)
        .send({ code: uniqueCode("ABT"), name: "Aborted", kind: "Business" })
        .then(
          () => "answered",
          () => "aborted",
        ),
    );
    const outcomes = await Promise.all(aborted);
    expect(outcomes, "some clients went away before the answer").to.include("aborted");
    // Let every request the clients left reach its end: submissions stop appearing and none is pending.
    const pending = () => (gw.db.prepare("SELECT COUNT(*) AS n FROM submissions WHERE status = 'pending'").get() as { n: number }).n;
    const deadline = Date.now() + 90_000;
    for (let seen = before; Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 2_000));
      const now = registrations();
      if (now > before && now === seen && pending() === 0) break;
      seen = now;
    }
    // The gateway went on with requests whose clients had left (some left before their body arrived).
    expect(registrations() - before).to.be.greaterThan(0);
    const named = new Set((await exportLog()).entries.flatMap((e: ActionLogEntry) => e.txHashes ?? (e.txHash ? [e.txHash] : [])));
    const fromAborted = gw.db
      .prepare("SELECT o.tx_hash AS hash FROM outbox o JOIN submissions s ON s.id = o.submission_id WHERE s.operation = 'participants.register' AND s.created_at >= ?")
      .all(started) as { hash: string }[];
    expect(fromAborted.filter((t) => !named.has(t.hash)), "transactions of requests whose clients left").to.deep.equal([]);
    // And every transaction the gateway ever sent, its own (deployment, bootstrap, anchors) included.
    const sent = gw.db.prepare("SELECT tx_hash AS hash FROM outbox WHERE status <> 'rejected'").all() as { hash: string }[];
    expect(sent.filter((t) => !named.has(t.hash))).to.deep.equal([]);

    // The auditor's proof, from the chain rather than the gateway's database: anchor twice (the audit's cut-off is the
    // last-but-one anchor), then run the audit's log checks with every account whose key the gateway holds declared.
    await anchorNow();
    await request(gw.app).post("/v1/participants").set(admin()).send({ code: uniqueCode("BIZ"), name: "After the load", kind: "Business" }).expect(201);
    await anchorNow();
    const entries: ActionLogEntry[] = [];
    for (let after = 0, page = await exportLog(0); ; page = await exportLog(after)) {
      entries.push(...page.entries);
      if (page.next === null) break;
      after = page.next;
    }
    const accounts = gw.services.keystore.aliases().map((alias) => gw.services.keystore.address(alias));
    const deployment = JSON.parse(JSON.stringify(gw.deployment));
    const logChecks = [...Object.values(LOG_CHECKS), "gateway action log matches its anchors"] as string[];
    const audited = await auditChain({ provider: ethers.provider, deployment, actionLog: entries, gatewayAccounts: accounts });
    expect(audited.checks.map((c) => c.description)).to.include(`${LOG_CHECKS.complete} (${accounts.length} declared: ${accounts.join(", ")})`);
    expect(audited.discrepancies.filter((d) => logChecks.includes(d.check))).to.deep.equal([]);

    // The same audit finds a transaction of an aborted request once its entry is left out of the export: the check
    // above could fail. (Leaving an entry out also breaks the anchored Merkle root, reported by entry.)
    const victim = entries.find((e) => e.action === "POST /v1/participants" && e.at >= started && transactionsOf(e).length > 0)!;
    const missing = await auditChain({ provider: ethers.provider, deployment, actionLog: entries.filter((e) => e !== victim), gatewayAccounts: accounts });
    const reported = missing.discrepancies.filter((d) => d.check === LOG_CHECKS.complete).map((d) => JSON.stringify(d));
    expect(reported.some((d) => d.includes(transactionsOf(victim)[0])), `entry ${victim.id}'s transaction reported as unnamed`).to.equal(true);
  });

  it("lets the audit tool verify an export against the anchors, and report tampering by entry", async function () {
    await anchorNow().catch(() => undefined);
    const { entries } = await exportLog();
    const deployment = JSON.parse(JSON.stringify(gw.deployment));
    const clean = await auditChain({ provider: ethers.provider, deployment, actionLog: entries });
    expect(clean.discrepancies.filter((d) => d.check.includes("action log"))).to.deep.equal([]);

    const tampered = entries.map((e: ActionLogEntry) => (e.id === 2 ? { ...e, org: "SOMEONE-ELSE" } : e));
    const report = await auditChain({ provider: ethers.provider, deployment, actionLog: tampered });
    const found = report.discrepancies.filter((d) => d.check.includes("action log"));
    expect(found.map((d) => d.details)).to.deep.include({ entryId: 2, anchorId: 1, problem: "tampered" });

    const removed = await auditChain({ provider: ethers.provider, deployment, actionLog: entries.filter((e: ActionLogEntry) => e.id !== 3) });
    expect(removed.discrepancies.map((d) => d.details)).to.deep.include({ entryId: 3, anchorId: 1, problem: "missing" });
  });

  it("answers 404 for an unknown entry, 400 for a bad id, and 403 without the audit scope", async function () {
    await expectError(request(gw.app).get("/v1/audit/log/999999/proof").set(admin()), 404, "LOG_ENTRY_NOT_FOUND");
    await expectError(request(gw.app).get("/v1/audit/log/zero/proof").set(admin()), 400, "VALIDATION_FAILED");
    await expectError(request(gw.app).get("/v1/audit/log").set(gw.auth("BIZ-SOLAR")), 403, "MISSING_SCOPE");
    await request(gw.app).get("/v1/audit/log").set(gw.auth("AUDITOR")).expect(200);
  });
});

import crypto from "node:crypto";
import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { CarbonCalls } from "./helpers/carbon";
import { startTestGateway, type TestGateway } from "./helpers/gateway";
import { expectError } from "./helpers/http";

let seq = 0;
function datasetBody() {
  const sha = crypto.createHash("sha256").update(`audit-${Date.now()}-${seq++}-${Math.random()}`).digest("hex");
  return {
    contentHash: sha,
    metadataHash: ethers.sha256(ethers.toUtf8Bytes(`metadata ${sha}`)),
    holder: "AGENCY-TRANSPORT",
    classification: "Open",
    title: `Traffic counts ${sha.slice(0, 6)}`,
    uri: `https://opendata.danang.gov.vn/dataset/${sha.slice(0, 8)}.csv`,
  };
}

describe("audit API and the index behind reads", function () {
  let gw: TestGateway;
  let api: CarbonCalls;
  before(async function () {
    gw = await startTestGateway();
    api = new CarbonCalls(gw);
  });
  after(async () => gw?.stop());

  const get = (path: string, org = "AUDITOR") => request(gw.app).get(path).set(gw.auth(org));
  const register = async () => {
    const body = datasetBody();
    const res = await request(gw.app).post("/v1/datasets").set(gw.auth("DATA-OFFICE")).send(body);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return { id: res.body.result.id as string, tx: res.body.transaction.hash as string, block: res.body.transaction.blockNumber as number };
  };

  describe("read-your-writes", function () {
    it("answers a mined write only once the index holds its block, so the next GET sees it", async function () {
      for (let i = 0; i < 3; i++) {
        const { id, block } = await register();
        expect(gw.services.index.status().indexedBlock).to.be.at.least(block);
        const got = await get(`/v1/datasets/${id}`, "DATA-OFFICE").expect(200);
        expect(got.body).to.include({ id, status: "Active" });
        const transferred = await request(gw.app).post(`/v1/datasets/${id}/transfer`).set(gw.auth("AGENCY-TRANSPORT")).send({ to: "DONRE" });
        expect(transferred.status, JSON.stringify(transferred.body)).to.equal(200);
        expect((await get(`/v1/datasets/${id}`, "DATA-OFFICE").expect(200)).body.holder.organization).to.equal("DONRE");
      }
    });

    it("answers anyway after the bounded wait when the index is stopped", async function () {
      await gw.services.index.stop();
      try {
        const started = Date.now();
        await register();
        expect(Date.now() - started).to.be.at.least(gw.config.INDEXER_WRITE_WAIT_MS - 50);
      } finally {
        gw.services.index.start();
      }
      await gw.services.index.reach(await ethers.provider.getBlockNumber(), 5_000);
    });

    it("answers GET /v1/transactions/{id} as mined only once the index holds its block (a client that asked for 202)", async function () {
      await gw.services.index.stop();
      let id: string;
      try {
        const accepted = await request(gw.app).post("/v1/datasets").set(gw.auth("DATA-OFFICE")).set("Prefer", "respond-async").send(datasetBody());
        expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);
        id = accepted.body.transaction.id;
        for (let i = 0; gw.services.transactions.byId(id)?.status === "pending" && i < 300; i++) await new Promise((r) => setTimeout(r, 100));
        expect(gw.services.transactions.byId(id)?.status).to.equal("mined");
      } finally {
        // The index starts again while the GET below waits for it: the answer must come after it caught up.
        setTimeout(() => gw.services.index.start(), 300);
      }
      const followed = await get(`/v1/transactions/${id}`, "DATA-OFFICE").expect(200);
      expect(followed.body.status).to.equal("mined");
      expect(gw.services.index.status().indexedBlock).to.be.at.least(followed.body.blockNumber);
      const dataset = followed.body.result.id as string;
      await get(`/v1/datasets/${dataset}`, "DATA-OFFICE").expect(200);
    });
  });

  describe("GET /v1/audit/events", function () {
    it("gives a dataset's history in chain order with the acting organisation and decoded fields, paged by a stable cursor", async function () {
      const { id, tx, block } = await register();
      await request(gw.app).post(`/v1/datasets/${id}/status`).set(gw.auth("DATA-OFFICE")).send({ status: "Deprecated", reason: "superseded" }).expect(200);

      const all = (await get(`/v1/audit/events?dataset=${id}`).expect(200)).body;
      expect(all.subject).to.deep.equal({ dataset: id });
      const names = all.items.map((e: { event: string }) => e.event);
      expect(names).to.include.members(["Transfer", "DatasetRegistered", "DatasetStatusChanged"]);
      const registered = all.items.find((e: { event: string }) => e.event === "DatasetRegistered");
      expect(registered).to.include({ transactionHash: tx, blockNumber: block, contract: "DataAssetRegistry" });
      expect(registered.organization).to.deep.equal({ orgId: ethers.encodeBytes32String("DATA-OFFICE"), code: "DATA-OFFICE" });
      expect(registered.actor).to.equal(gw.services.participants.find("DATA-OFFICE")!.address.toLowerCase());
      // For people: dataset ids as the API writes them, enum values by name.
      expect(registered.args).to.include({ id, classification: "Open" });
      const status = all.items.find((e: { event: string }) => e.event === "DatasetStatusChanged");
      expect(status.args).to.include({ id, previousStatus: "Active" });
      expect(status.args.newStatus).to.be.oneOf(["Deprecated", "Revoked"]);
      expect(registered.timestamp).to.match(/^\d{4}-\d\d-\d\dT/);
      expect(all.nextCursor).to.equal(null);
      const order = all.items.map((e: { blockNumber: number; logIndex: number }) => [e.blockNumber, e.logIndex]);
      expect(order).to.deep.equal([...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]));

      const paged = [];
      let cursor: string | null = null;
      do {
        const page: { items: unknown[]; nextCursor: string | null } = (await get(`/v1/audit/events?dataset=${id}&limit=1${cursor ? `&cursor=${cursor}` : ""}`).expect(200)).body;
        expect(page.items).to.have.length(1);
        paged.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      expect(paged).to.deep.equal(all.items);
    });

    it("gives the history of a batch, a listing, an organisation and an account; amounts as strings", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "500");
      const listed = await api.post("/v1/market/listings", { batchId, amount: "20", unitPrice: "1000", minFill: "1" }, "BIZ-SOLAR");
      expect(listed.status, JSON.stringify(listed.body)).to.equal(201);
      const listingId = listed.body.result.listingId as string;

      const batch = (await get(`/v1/audit/events?batch=${batchId}`).expect(200)).body;
      const issued = batch.items.find((e: { event: string }) => e.event === "BatchIssued");
      expect(issued.args.amount).to.equal("500");
      expect(issued.organization.code).to.equal("DONRE");

      const verifier = (await get("/v1/audit/events?org=VVB-1&limit=500").expect(200)).body;
      const attested = verifier.items.filter((e: { event: string }) => e.event === "Attested").pop();
      expect(attested.args).to.include({ periodStart: "2024-01-01T00:00:00.000Z", periodEnd: "2024-12-31T00:00:00.000Z", amount: "500" });

      const listing = (await get(`/v1/audit/events?listing=${listingId}`).expect(200)).body;
      expect(listing.items.map((e: { event: string }) => e.event)).to.include("Listed");

      const org = (await get("/v1/audit/events?org=BIZ-SOLAR&limit=500").expect(200)).body;
      expect(org.subject).to.include({ org: "BIZ-SOLAR" });
      expect(org.items.some((e: { event: string; args: { listingId?: string } }) => e.event === "Listed" && e.args.listingId === listingId)).to.equal(true);
      const byId = (await get(`/v1/audit/events?org=${ethers.encodeBytes32String("BIZ-SOLAR")}&limit=500`).expect(200)).body;
      expect(byId.items).to.deep.equal(org.items);

      const account = gw.services.participants.find("BIZ-SOLAR")!.address;
      const acc = (await get(`/v1/audit/events?account=${account}&limit=500`).expect(200)).body;
      expect(acc.items.some((e: { event: string }) => e.event === "TransferSingle")).to.equal(true);
    });

    it("400 without exactly one subject, for a bad id or cursor; 401; 403 without audit:read; 404 for unknown subjects", async function () {
      await expectError(get("/v1/audit/events"), 400, "VALIDATION_FAILED");
      await expectError(get("/v1/audit/events?batch=1&listing=1"), 400, "VALIDATION_FAILED");
      await expectError(get("/v1/audit/events?dataset=0x1234"), 400, "VALIDATION_FAILED");
      await expectError(get("/v1/audit/events?account=0x12"), 400, "VALIDATION_FAILED");
      await expectError(get("/v1/audit/events?org=BIZ-SOLAR&limit=0"), 400, "VALIDATION_FAILED");
      await expectError(get("/v1/audit/events?org=BIZ-SOLAR&cursor=not%20a%20cursor"), 400, "VALIDATION_FAILED");
      await expectError(get("/v1/audit/events?org=BIZ-SOLAR&cursor=Zm9v"), 400, "INVALID_CURSOR");
      await expectError(get("/v1/audit/events?org=BIZ-SOLAR&colour=red"), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get("/v1/audit/events?org=BIZ-SOLAR"), 401, "UNAUTHENTICATED");
      await expectError(get("/v1/audit/events?org=BIZ-SOLAR", "BIZ-SOLAR"), 403, "MISSING_SCOPE");
      await expectError(get(`/v1/audit/events?dataset=0x${"ab".repeat(32)}`), 404, "DATASET_NOT_FOUND");
      await expectError(get("/v1/audit/events?batch=999999"), 404, "BATCH_NOT_FOUND");
      await expectError(get("/v1/audit/events?listing=999999"), 404, "LISTING_NOT_FOUND");
      await expectError(get("/v1/audit/events?org=NO-SUCH-ORG"), 404, "PARTICIPANT_NOT_FOUND");
      const nobody = (await get(`/v1/audit/events?account=${ethers.Wallet.createRandom().address}`).expect(200)).body;
      expect(nobody.items).to.deep.equal([]);
    });
  });

  describe("GET /v1/audit/events scope by subject", function () {
    it("a dataset's, batch's or listing's history needs the scope that reads it; an organisation's needs audit:read", async function () {
      const { id } = await register();
      // DATA-OFFICE has datasets:read and carbon:read but not audit:read.
      expect((await get(`/v1/audit/events?dataset=${id}`, "DATA-OFFICE").expect(200)).body.items.length).to.be.greaterThan(0);
      await expectError(get("/v1/audit/events?org=DATA-OFFICE", "DATA-OFFICE"), 403, "MISSING_SCOPE");
      const narrow = await request(gw.app).post("/v1/api-keys").set(gw.auth("CITY-ADMIN")).send({ organization: "DATA-OFFICE", scopes: ["datasets:read"] }).expect(201);
      const as = (path: string) => request(gw.app).get(path).set({ Authorization: `Bearer ${narrow.body.key}` });
      expect((await as(`/v1/audit/events?dataset=${id}`).expect(200)).body.items.length).to.be.greaterThan(0);
      const refused = await expectError(as("/v1/audit/events?batch=1"), 403, "MISSING_SCOPE");
      expect(refused.body.error.details).to.deep.equal({ requiredScope: "carbon:read" });
      await expectError(as("/v1/audit/events?listing=1"), 403, "MISSING_SCOPE");
      await expectError(request(gw.app).get(`/v1/audit/events?dataset=${id}`), 401, "UNAUTHENTICATED");
    });
  });

  describe("GET /v1/audit/reconcile", function () {
    it("reconciles the index with the chain and finds nothing wrong; 401; 403 without audit:read", async function () {
      const report = (await get("/v1/audit/reconcile").expect(200)).body;
      expect(report.passed, JSON.stringify(report.discrepancies)).to.equal(true);
      expect(report.discrepancies).to.deep.equal([]);
      expect(report.events).to.be.greaterThan(0);
      expect(report.toBlock).to.be.at.most(await ethers.provider.getBlockNumber());
      await expectError(request(gw.app).get("/v1/audit/reconcile"), 401, "UNAUTHENTICATED");
      await expectError(get("/v1/audit/reconcile", "DATA-OFFICE"), 403, "MISSING_SCOPE");
    });
  });

  describe("GET /ready", function () {
    it("reports the indexer's lag and is not ready while it exceeds INDEXER_MAX_LAG", async function () {
      const ready = (await request(gw.app).get("/ready").expect(200)).body;
      expect(ready.checks.indexer.ok).to.equal(true);
      expect(ready.checks.indexer.details).to.include({ maxLag: gw.config.INDEXER_MAX_LAG, running: true });
      expect(ready.checks.indexer.details.lag).to.be.at.most(gw.config.INDEXER_MAX_LAG);

      await gw.services.index.stop();
      try {
        for (let i = 0; i <= gw.config.INDEXER_MAX_LAG; i++) await ethers.provider.send("evm_mine", []);
        const behind = await expectError(request(gw.app).get("/ready"), 503, "NOT_READY");
        expect(behind.body.error.details.checks.indexer.ok).to.equal(false);
        expect(behind.body.error.details.checks.indexer.details.lag).to.be.greaterThan(gw.config.INDEXER_MAX_LAG);
      } finally {
        gw.services.index.start();
      }
      await gw.services.index.reach(await ethers.provider.getBlockNumber(), 10_000);
      expect((await request(gw.app).get("/ready").expect(200)).body.checks.indexer.details.lag).to.equal(0);
    });
  });
});

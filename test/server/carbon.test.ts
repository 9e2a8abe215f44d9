import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { CarbonCalls, claim, randomHash } from "./helpers/carbon";
import { startTestGateway, uniqueCode, type TestGateway } from "./helpers/gateway";
import { executeWhenReady } from "./helpers/governance";
import { expectError } from "./helpers/http";

describe("carbon API", function () {
  let gw: TestGateway;
  let api: CarbonCalls;
  before(async function () {
    gw = await startTestGateway();
    api = new CarbonCalls(gw);
  });
  after(async () => gw?.stop());

  const accountOf = (org: string) => gw.services.participants.find(org)!.address;

  /** The chain's own answer for a batch, to check the API against. */
  const onChain = (batchId: string) => gw.services.contracts.carbon.batch(batchId);

  describe("POST /v1/carbon/projects", function () {
    it("registers a project signed by the issuer; GET shows it with its attestations and batches", async function () {
      const id = uniqueCode("VN-DN");
      const metadataHash = randomHash();
      const res = await api
        .post("/v1/carbon/projects", { id, developer: "BIZ-SOLAR", standard: "VCS", methodology: "AMS-I.D", location: "Da Nang", metadataHash }, "DONRE")
        .expect(201);
      const key = ethers.keccak256(ethers.toUtf8Bytes(id));
      expect(res.body.result).to.include({ id, projectKey: key, developer: "BIZ-SOLAR", href: `/v1/carbon/projects/${id}` });
      const tx = await ethers.provider.getTransaction(res.body.transaction.hash);
      expect(tx!.from).to.equal(accountOf("DONRE"));

      const attestationId = await api.attest(id, "500");
      const issued = await api.post("/v1/carbon/batches", { attestationId, to: "BIZ-SOLAR", amount: "500" }, "DONRE").expect(201);
      const shown = await api.get(`/v1/carbon/projects/${id}`, "BIZ-LOGISTICS").expect(200);
      expect(shown.body).to.deep.include({
        id,
        key,
        developer: { organization: "BIZ-SOLAR", orgId: ethers.encodeBytes32String("BIZ-SOLAR") },
        standard: "VCS",
        methodology: "AMS-I.D",
        location: "Da Nang",
        metadataHash,
        attestations: [attestationId],
        batches: [{ id: issued.body.result.batchId, href: `/v1/carbon/batches/${issued.body.result.batchId}` }],
      });
      expect(shown.body.registered.transactionHash).to.equal(res.body.transaction.hash);
      expect(Date.parse(shown.body.registered.timestamp)).to.be.greaterThan(0);
    });

    it("409 for a project id already registered; 422 for an inactive developer; 404 for an unknown project", async function () {
      const id = await api.project();
      const body = { id, developer: "BIZ-SOLAR", standard: "VCS", methodology: "m", location: "l", metadataHash: randomHash() };
      const again = await expectError(api.post("/v1/carbon/projects", body, "DONRE"), 409, "CHAIN_STATE_CONFLICT");
      expect(again.body.error.details).to.deep.include({ error: "CarbonCreditRegistryProjectExists", args: { projectKey: ethers.keccak256(ethers.toUtf8Bytes(id)) } });
      const unknownDev = await expectError(api.post("/v1/carbon/projects", { ...body, id: uniqueCode("P"), developer: "NOBODY-9" }, "DONRE"), 422, "CONTRACT_RULE");
      expect(unknownDev.body.error.details).to.deep.include({ error: "CarbonCreditRegistryInactiveDeveloper", args: { orgId: ethers.encodeBytes32String("NOBODY-9") } });
      await expectError(api.get("/v1/carbon/projects/VN-NONE-1"), 404, "PROJECT_NOT_FOUND");
    });

    it("403 without the scope (a business) and 403 from the chain when the issuer's role was revoked", async function () {
      const body = { id: uniqueCode("P"), developer: "BIZ-SOLAR", standard: "VCS", methodology: "m", location: "l", metadataHash: randomHash() };
      await expectError(api.post("/v1/carbon/projects", body, "BIZ-SOLAR"), 403, "MISSING_SCOPE");
      await expectError(api.post("/v1/carbon/projects", body, "VVB-1"), 403, "MISSING_SCOPE");

      const issuer = await api.newOrg("CityAgency", ["ISSUER"]);
      // The revocation is the administrator's: scheduled, then executed once its delay has passed.
      const revoke = await api.post("/v1/governance/operations", { action: "revokeRole", role: "ISSUER", account: issuer.address }, "CITY-ADMIN").expect(201);
      await executeWhenReady(gw, [revoke.body.result.operationId]);
      const res = await expectError(request(gw.app).post("/v1/carbon/projects").set(issuer.auth).send(body), 403, "CHAIN_UNAUTHORIZED");
      expect(res.body.error.details).to.deep.include({ error: "AccessManagedUnauthorized", args: { caller: issuer.address } });
    });

    it("400 for a bad id, hash or unknown field; 401 without a key", async function () {
      const body = { id: uniqueCode("P"), developer: "BIZ-SOLAR", standard: "VCS", methodology: "m", location: "l", metadataHash: randomHash() };
      await expectError(api.post("/v1/carbon/projects", { ...body, id: "has space" }, "DONRE"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/carbon/projects", { ...body, metadataHash: "0x12" }, "DONRE"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/carbon/projects", { ...body, vintage: 2024 }, "DONRE"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/carbon/projects", { ...body, developer: "lower" }, "DONRE"), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).post("/v1/carbon/projects").send(body), 401, "UNAUTHENTICATED");
      await expectError(api.get("/v1/carbon/projects/bad%20id"), 400, "VALIDATION_FAILED");
    });
  });

  describe("POST /v1/carbon/attestations", function () {
    it("attests with the verifier's key; the id is the registry's; GET shows it", async function () {
      const project = await api.project();
      const reportHash = randomHash();
      const res = await api
        .post("/v1/carbon/attestations", { project, monitoringPeriod: { start: "2024-01-01", end: "2024-07-01T00:00:00+07:00" }, amount: "1200", reportHash }, "VVB-1")
        .expect(201);
      const key = ethers.keccak256(ethers.toUtf8Bytes(project));
      const start = Date.parse("2024-01-01T00:00:00Z") / 1000;
      const end = Date.parse("2024-07-01T00:00:00+07:00") / 1000;
      expect(res.body.result.attestationId).to.equal(await gw.services.contracts.carbon.attestationIdOf(key, start, end, reportHash));
      expect(res.body.result).to.include({ project, amount: "1200", periodStart: "2024-01-01T00:00:00.000Z", periodEnd: "2024-06-30T17:00:00.000Z", verifier: "VVB-1" });
      const shown = await api.get(res.body.result.href).expect(200);
      expect(shown.body).to.deep.include({ id: res.body.result.attestationId, project: { id: project, key }, amount: "1200", reportHash, batchId: null });
      expect(shown.body.verifier.organization).to.equal("VVB-1");
      await expectError(api.get(`/v1/carbon/attestations/${randomHash()}`), 404, "ATTESTATION_NOT_FOUND");
    });

    it("422 for a period overlapping one attested, whatever the report (at the last attested second refused, one after accepted); 404 unknown project; 422 for a period not over yet or an amount beyond a batch", async function () {
      const project = await api.project();
      expect((await api.get(`/v1/carbon/projects/${project}`).expect(200)).body.attestedUntil).to.equal(null);
      const body = { project, monitoringPeriod: { start: "2024-01-01", end: "2024-12-31" }, amount: "10", reportHash: randomHash() };
      await api.post("/v1/carbon/attestations", body, "VVB-1").expect(201);
      // The project page tells the verifier where the next period may start.
      expect((await api.get(`/v1/carbon/projects/${project}`).expect(200)).body.attestedUntil).to.equal("2024-12-31T00:00:00.000Z");
      const end = String(Date.parse("2024-12-31T00:00:00Z") / 1000);
      const key = ethers.keccak256(ethers.toUtf8Bytes(project));
      for (const again of [body, { ...body, reportHash: randomHash() }, { ...body, reportHash: randomHash(), monitoringPeriod: { start: "2024-12-31", end: "2025-06-30" } }]) {
        const refused = await expectError(api.post("/v1/carbon/attestations", again, "VVB-1"), 422, "CONTRACT_RULE");
        expect(refused.body.error.details).to.deep.include({
          error: "CarbonCreditRegistryPeriodOverlaps",
          args: { projectKey: key, periodStart: String(Date.parse(`${again.monitoringPeriod.start}T00:00:00Z`) / 1000), attestedUntil: end },
        });
      }
      await api
        .post("/v1/carbon/attestations", { ...body, reportHash: randomHash(), monitoringPeriod: { start: "2024-12-31T00:00:01Z", end: "2025-06-30" } }, "VVB-1")
        .expect(201);
      expect((await api.get(`/v1/carbon/projects/${project}`).expect(200)).body.attestedUntil).to.equal("2025-06-30T00:00:00.000Z");
      const unknown = await expectError(api.post("/v1/carbon/attestations", { ...body, project: "VN-NOPE-1" }, "VVB-1"), 404, "NOT_FOUND_ON_CHAIN");
      expect(unknown.body.error.details.error).to.equal("CarbonCreditRegistryUnknownProject");
      const future = await expectError(
        api.post("/v1/carbon/attestations", { ...body, reportHash: randomHash(), monitoringPeriod: { start: "2024-01-01", end: "2099-01-01" } }, "VVB-1"),
        422,
        "CONTRACT_RULE",
      );
      expect(future.body.error.details).to.deep.include({
        error: "CarbonCreditRegistryInvalidPeriod",
        args: { periodStart: String(Date.parse("2024-01-01T00:00:00Z") / 1000), periodEnd: String(Date.parse("2099-01-01T00:00:00Z") / 1000) },
      });
      const max = (1n << 56n).toString();
      const fresh = { ...body, project: await api.project(), reportHash: randomHash() };
      const tooMuch = await expectError(api.post("/v1/carbon/attestations", { ...fresh, amount: max }, "VVB-1"), 422, "CONTRACT_RULE");
      expect(tooMuch.body.error.details).to.deep.include({ error: "CarbonCreditRegistryAmountTooLarge", args: { amount: max, max: ((1n << 56n) - 1n).toString() } });
      // A zero amount is refused by the gateway before anything is signed (the contract refuses it too).
      const zero = await expectError(api.post("/v1/carbon/attestations", { ...fresh, amount: "0" }, "VVB-1"), 400, "VALIDATION_FAILED");
      expect(zero.body.error.details.issues[0]).to.include({ path: "amount", message: "must be more than 0" });
    });

    it("403 for a non-verifier key, and for a suspended verifier's key (ORGANIZATION_SUSPENDED); 400 for bad input", async function () {
      const project = await api.project();
      const body = { project, monitoringPeriod: { start: "2024-01-01", end: "2024-12-31" }, amount: "10", reportHash: randomHash() };
      await expectError(api.post("/v1/carbon/attestations", body, "DONRE"), 403, "MISSING_SCOPE");
      const vvb = await api.newOrg("Verifier", ["VERIFIER"]);
      await api.suspend(vvb.code);
      // The gateway refuses the suspended organisation's key before anything reaches the chain (issue 11).
      const res = await expectError(request(gw.app).post("/v1/carbon/attestations").set(vvb.auth).send(body), 403, "ORGANIZATION_SUSPENDED");
      expect(res.body.error.details).to.deep.equal({ organization: vvb.code, status: "Suspended" });

      await expectError(api.post("/v1/carbon/attestations", { ...body, amount: (1n << 256n).toString() }, "VVB-1"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/carbon/attestations", { ...body, amount: 10 }, "VVB-1"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/carbon/attestations", { ...body, monitoringPeriod: { start: "2024-13-01", end: "2024-12-31" } }, "VVB-1"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/carbon/attestations", { ...body, monitoringPeriod: { start: "yesterday", end: "2024-12-31" } }, "VVB-1"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/carbon/attestations", { ...body, monitoringPeriod: { start: "1960-01-01", end: "2024-12-31" } }, "VVB-1"), 400, "VALIDATION_FAILED");
    });
  });

  describe("POST /v1/carbon/batches and GET /v1/carbon/batches/{id}", function () {
    it("issues a batch with its serial block; GET shows the serials, supply split, freeze and adjustment", async function () {
      const project = await api.project();
      const attestationId = await api.attest(project, "1000");
      const res = await api.post("/v1/carbon/batches", { attestationId, to: "BIZ-SOLAR", amount: "800" }, "DONRE").expect(201);
      const { batchId, serialFirst, serialLast } = res.body.result;
      expect(BigInt(serialLast) - BigInt(serialFirst) + 1n).to.equal(800n);
      expect(res.body.result).to.include({ attestationId, to: "BIZ-SOLAR", amount: "800", href: `/v1/carbon/batches/${batchId}` });
      const batch = await api.get(`/v1/carbon/batches/${batchId}`).expect(200);
      expect(batch.body).to.deep.include({
        id: batchId,
        project: { id: project, key: ethers.keccak256(ethers.toUtf8Bytes(project)) },
        attestationId,
        monitoringPeriod: { start: "2024-01-01T00:00:00.000Z", end: "2024-12-31T00:00:00.000Z" },
        serials: { first: serialFirst, last: serialLast, next: serialFirst },
        supply: { issued: "800", circulating: "800", retired: "0", cancelled: "0" },
        frozen: false,
        correspondingAdjustment: "Unspecified",
      });
      expect(batch.body.issuedTo).to.deep.equal({ address: accountOf("BIZ-SOLAR"), organization: "BIZ-SOLAR" });
      expect(batch.body.issuance.transactionHash).to.equal(res.body.transaction.hash);
      expect(await gw.services.contracts.carbon.balanceOf(accountOf("BIZ-SOLAR"), batchId)).to.equal(800n);
      const attestation = await api.get(`/v1/carbon/attestations/${attestationId}`).expect(200);
      expect(attestation.body.batchId).to.equal(batchId);
    });

    it("409 for a second issuance; 422 beyond the attested amount; 404 for an unknown attestation or holder; 403 for others", async function () {
      const attestationId = await api.attest(await api.project(), "100");
      const over = await expectError(api.post("/v1/carbon/batches", { attestationId, to: "BIZ-SOLAR", amount: "101" }, "DONRE"), 422, "CONTRACT_RULE");
      expect(over.body.error.details).to.deep.include({ error: "CarbonCreditRegistryExceedsAttested", args: { attestationId, amount: "101", attested: "100" } });
      const first = await api.post("/v1/carbon/batches", { attestationId, to: "BIZ-SOLAR", amount: "100" }, "DONRE").expect(201);
      const again = await expectError(api.post("/v1/carbon/batches", { attestationId, to: "BIZ-SOLAR", amount: "1" }, "DONRE"), 409, "CHAIN_STATE_CONFLICT");
      expect(again.body.error.details).to.deep.include({ error: "CarbonCreditRegistryAlreadyIssued", args: { attestationId, batchId: first.body.result.batchId } });
      const unknown = await expectError(api.post("/v1/carbon/batches", { attestationId: randomHash(), to: "BIZ-SOLAR", amount: "1" }, "DONRE"), 404, "NOT_FOUND_ON_CHAIN");
      expect(unknown.body.error.details.error).to.equal("CarbonCreditRegistryUnknownAttestation");
      await expectError(api.post("/v1/carbon/batches", { attestationId, to: "NO-SUCH-ORG", amount: "1" }, "DONRE"), 404, "PARTICIPANT_NOT_FOUND");
      await expectError(api.post("/v1/carbon/batches", { attestationId, to: "BIZ-SOLAR", amount: "1" }, "VVB-1"), 403, "MISSING_SCOPE");
      await expectError(api.post("/v1/carbon/batches", { attestationId, to: "BIZ-SOLAR", amount: "-1" }, "DONRE"), 400, "VALIDATION_FAILED");
    });

    it("404 for an unknown batch, 400 for a malformed id", async function () {
      await expectError(api.get("/v1/carbon/batches/999999"), 404, "BATCH_NOT_FOUND");
      await expectError(api.get("/v1/carbon/batches/0"), 404, "BATCH_NOT_FOUND");
      await expectError(api.get("/v1/carbon/batches/abc"), 400, "VALIDATION_FAILED");
      await expectError(api.get(`/v1/carbon/batches/${1n << 256n}`), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get("/v1/carbon/batches/1"), 401, "UNAUTHENTICATED");
    });
  });

  describe("POST /v1/carbon/transfers", function () {
    it("moves the caller's own credits; balances show them", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "300");
      const res = await api.post("/v1/carbon/transfers", { batchId, to: "BIZ-LOGISTICS", amount: "120" }, "BIZ-SOLAR").expect(200);
      expect(res.body.result).to.deep.equal({ batchId, from: "BIZ-SOLAR", to: "BIZ-LOGISTICS", amount: "120" });
      expect((await ethers.provider.getTransaction(res.body.transaction.hash))!.from).to.equal(accountOf("BIZ-SOLAR"));
      expect(await api.held("BIZ-SOLAR", batchId)).to.deep.equal({ held: "180", listed: "0", retired: "0" });
      expect(await api.held("BIZ-LOGISTICS", batchId)).to.deep.equal({ held: "120", listed: "0", retired: "0" });
    });

    it("422 for more than the balance (with the balance), or a suspended receiver; 404 for an unknown batch; 403 without the scope", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "50");
      const over = await expectError(api.post("/v1/carbon/transfers", { batchId, to: "BIZ-LOGISTICS", amount: "51" }, "BIZ-SOLAR"), 422, "CONTRACT_RULE");
      expect(over.body.error.details).to.deep.include({
        error: "ERC1155InsufficientBalance",
        args: { sender: accountOf("BIZ-SOLAR"), balance: "50", needed: "51", tokenId: batchId },
      });
      const other = await api.newOrg("Business");
      await api.suspend(other.code);
      const inactive = await expectError(api.post("/v1/carbon/transfers", { batchId, to: other.code, amount: "1" }, "BIZ-SOLAR"), 422, "CONTRACT_RULE");
      expect(inactive.body.error.details).to.deep.include({ error: "CarbonCreditRegistryInactiveParticipant", args: { account: other.address } });
      const unknown = await expectError(api.post("/v1/carbon/transfers", { batchId: "999999", to: "BIZ-LOGISTICS", amount: "1" }, "BIZ-SOLAR"), 404, "NOT_FOUND_ON_CHAIN");
      expect(unknown.body.error.details.error).to.equal("CarbonCreditRegistryUnknownBatch");
      await expectError(api.post("/v1/carbon/transfers", { batchId, to: "BIZ-LOGISTICS", amount: "1" }, "VVB-1"), 403, "MISSING_SCOPE");
      await expectError(api.post("/v1/carbon/transfers", { batchId, to: "BIZ-LOGISTICS", amount: "1" }, "AUDITOR"), 403, "MISSING_SCOPE");
      await expectError(api.post("/v1/carbon/transfers", { batchId: 1, to: "BIZ-LOGISTICS", amount: "1" }, "BIZ-SOLAR"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/carbon/transfers", { batchId, to: "BIZ-LOGISTICS", amount: "1.5" }, "BIZ-SOLAR"), 400, "VALIDATION_FAILED");
    });
  });

  describe("POST /v1/carbon/retirements and GET /v1/carbon/retirements/{id}", function () {
    it("retires with a certificate: beneficiary, reason, period, exact serial range, holder, transaction, block, time", async function () {
      const batchId = await api.batch("BIZ-LOGISTICS", "400");
      const batch = (await api.get(`/v1/carbon/batches/${batchId}`).expect(200)).body;
      const res = await api.post("/v1/carbon/retirements", { batchId, amount: "150", ...claim() }, "BIZ-LOGISTICS").expect(201);
      const first = BigInt(batch.serials.first);
      expect(res.body.result).to.include({ retirementId: first.toString(), serialFirst: first.toString(), serialLast: (first + 149n).toString() });
      expect(res.body.result.href).to.equal(`/v1/carbon/retirements/${first}`);

      const cert = await api.get(res.body.result.href, "BIZ-SOLAR").expect(200);
      const block = await ethers.provider.getBlock(res.body.transaction.blockNumber);
      expect(cert.body).to.deep.equal({
        id: first.toString(),
        batchId,
        project: batch.project,
        monitoringPeriod: batch.monitoringPeriod,
        holder: { address: accountOf("BIZ-LOGISTICS"), organization: "BIZ-LOGISTICS" },
        amount: "150",
        serials: { first: first.toString(), last: (first + 149n).toString() },
        beneficiary: { name: "Mekong Logistics JSC", organization: "BIZ-LOGISTICS" },
        reason: "Offsetting 2025 fleet emissions",
        consumptionPeriod: { start: "2025-01-01T00:00:00.000Z", end: "2025-12-31T00:00:00.000Z" },
        transaction: { transactionHash: res.body.transaction.hash, blockNumber: res.body.transaction.blockNumber, timestamp: new Date(block!.timestamp * 1000).toISOString() },
        links: { self: `/v1/carbon/retirements/${first}`, batch: `/v1/carbon/batches/${batchId}`, project: `/v1/carbon/projects/${batch.project.id}` },
      });

      // The next retirement takes the next serials; supplies add up on chain and in the API.
      const second = await api.post("/v1/carbon/retirements", { batchId, amount: "50", ...claim({ beneficiary: { name: "Can Tho city" } }) }, "BIZ-LOGISTICS").expect(201);
      expect(second.body.result.serialFirst).to.equal((first + 150n).toString());
      const after = (await api.get(`/v1/carbon/batches/${batchId}`).expect(200)).body;
      expect(after.supply).to.deep.equal({ issued: "400", circulating: "200", retired: "200", cancelled: "0" });
      expect(after.serials.next).to.equal((first + 200n).toString());
      const info = await onChain(batchId);
      expect(info.issued).to.equal(info.circulating + info.retired + info.cancelled);
      expect(await api.held("BIZ-LOGISTICS", batchId)).to.deep.equal({ held: "200", listed: "0", retired: "200" });
      const anonymous = await api.get(second.body.result.href).expect(200);
      expect(anonymous.body.beneficiary).to.deep.equal({ name: "Can Tho city", organization: null });
    });

    it("422 for more than the balance, an empty or reversed period; 400 for a missing beneficiary; 404 unknown certificate", async function () {
      const batchId = await api.batch("BIZ-LOGISTICS", "10");
      const over = await expectError(api.post("/v1/carbon/retirements", { batchId, amount: "11", ...claim() }, "BIZ-LOGISTICS"), 422, "CONTRACT_RULE");
      expect(over.body.error.details.error).to.equal("ERC1155InsufficientBalance");
      const reversed = await expectError(
        api.post("/v1/carbon/retirements", { batchId, amount: "1", ...claim({ consumptionPeriod: { start: "2025-12-31", end: "2025-01-01" } }) }, "BIZ-LOGISTICS"),
        422,
        "CONTRACT_RULE",
      );
      expect(reversed.body.error.details.error).to.equal("CarbonCreditRegistryInvalidPeriod");
      await expectError(api.post("/v1/carbon/retirements", { batchId, amount: "1", ...claim({ beneficiary: { name: "" } }) }, "BIZ-LOGISTICS"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/carbon/retirements", { batchId, amount: "1", ...claim({ reason: " " }) }, "BIZ-LOGISTICS"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/carbon/retirements", { batchId, amount: "1", ...claim() }, "TREASURY"), 403, "MISSING_SCOPE");
      await expectError(api.get("/v1/carbon/retirements/123456789"), 404, "RETIREMENT_NOT_FOUND");
      await expectError(api.get("/v1/carbon/retirements/x1"), 400, "VALIDATION_FAILED");
    });
  });

  describe("freeze, unfreeze, cancel, corresponding adjustment", function () {
    it("a frozen batch cannot move or be retired (409 with the batch); unfreezing restores it; repeats are 409", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "100");
      const frozen = await api.post(`/v1/carbon/batches/${batchId}/freeze`, { reason: "verification under review" }, "DONRE").expect(200);
      expect(frozen.body.result).to.deep.equal({ batchId, frozen: true, reason: "verification under review" });
      expect((await api.get(`/v1/carbon/batches/${batchId}`).expect(200)).body.frozen).to.equal(true);
      const moved = await expectError(api.post("/v1/carbon/transfers", { batchId, to: "BIZ-LOGISTICS", amount: "1" }, "BIZ-SOLAR"), 409, "CHAIN_STATE_CONFLICT");
      expect(moved.body.error.details).to.deep.include({ error: "CarbonCreditRegistryBatchFrozen", args: { batchId } });
      const retired = await expectError(api.post("/v1/carbon/retirements", { batchId, amount: "1", ...claim() }, "BIZ-SOLAR"), 409, "CHAIN_STATE_CONFLICT");
      expect(retired.body.error.details.error).to.equal("CarbonCreditRegistryBatchFrozen");
      await expectError(api.post(`/v1/carbon/batches/${batchId}/freeze`, { reason: "again" }, "DONRE"), 409, "CHAIN_STATE_CONFLICT");
      await expectError(api.post(`/v1/carbon/batches/${batchId}/freeze`, { reason: "x" }, "BIZ-SOLAR"), 403, "MISSING_SCOPE");

      await api.post(`/v1/carbon/batches/${batchId}/unfreeze`, { reason: "cleared" }, "DONRE").expect(200);
      await api.post("/v1/carbon/transfers", { batchId, to: "BIZ-LOGISTICS", amount: "1" }, "BIZ-SOLAR").expect(200);
      const notFrozen = await expectError(api.post(`/v1/carbon/batches/${batchId}/unfreeze`, { reason: "again" }, "DONRE"), 409, "CHAIN_STATE_CONFLICT");
      expect(notFrozen.body.error.details.error).to.equal("CarbonCreditRegistryBatchNotFrozen");
      await expectError(api.post("/v1/carbon/batches/999999/freeze", { reason: "x" }, "DONRE"), 404, "NOT_FOUND_ON_CHAIN");
      await expectError(api.post(`/v1/carbon/batches/${batchId}/freeze`, {}, "DONRE"), 400, "VALIDATION_FAILED");
    });

    it("cancels a holder's credits with their serial range (supply: cancelled); 422 beyond the balance; works on a frozen batch", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "100");
      const batch = (await api.get(`/v1/carbon/batches/${batchId}`).expect(200)).body;
      await api.post(`/v1/carbon/batches/${batchId}/freeze`, { reason: "double counting" }, "DONRE").expect(200);
      const res = await api.post(`/v1/carbon/batches/${batchId}/cancel`, { holder: "BIZ-SOLAR", amount: "30", reason: "double counting" }, "DONRE").expect(200);
      expect(res.body.result).to.deep.include({ batchId, holder: "BIZ-SOLAR", amount: "30", serialFirst: batch.serials.first, serialLast: (BigInt(batch.serials.first) + 29n).toString() });
      const after = (await api.get(`/v1/carbon/batches/${batchId}`).expect(200)).body;
      expect(after.supply).to.deep.equal({ issued: "100", circulating: "70", retired: "0", cancelled: "30" });
      const over = await expectError(api.post(`/v1/carbon/batches/${batchId}/cancel`, { holder: "BIZ-SOLAR", amount: "71", reason: "x" }, "DONRE"), 422, "CONTRACT_RULE");
      expect(over.body.error.details).to.deep.include({ error: "ERC1155InsufficientBalance" });
      const escrow = await expectError(api.post(`/v1/carbon/batches/${batchId}/cancel`, { holder: "CITY-MARKET", amount: "1", reason: "x" }, "DONRE"), 422, "CONTRACT_RULE");
      expect(escrow.body.error.details.error).to.equal("CarbonCreditRegistryEscrowNotCancellable");
      await expectError(api.post(`/v1/carbon/batches/${batchId}/cancel`, { holder: "BIZ-SOLAR", amount: "1", reason: "x" }, "BIZ-SOLAR"), 403, "MISSING_SCOPE");
      await expectError(api.post(`/v1/carbon/batches/${batchId}/cancel`, { holder: "BIZ-SOLAR", amount: "1" }, "DONRE"), 400, "VALIDATION_FAILED");
    });

    it("sets the corresponding-adjustment status; the same status again is 409 with its label", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "10");
      const evidenceHash = randomHash();
      const res = await api.post(`/v1/carbon/batches/${batchId}/adjustment`, { status: "Pending", evidenceHash }, "DONRE").expect(200);
      expect(res.body.result).to.deep.equal({ batchId, status: "Pending", evidenceHash, previous: "Unspecified" });
      expect((await api.get(`/v1/carbon/batches/${batchId}`).expect(200)).body.correspondingAdjustment).to.equal("Pending");
      const same = await expectError(api.post(`/v1/carbon/batches/${batchId}/adjustment`, { status: "Pending", evidenceHash }, "DONRE"), 409, "CHAIN_STATE_CONFLICT");
      expect(same.body.error.details).to.deep.include({ error: "CarbonCreditRegistryAdjustmentUnchanged", args: { batchId, status: "Pending" } });
      await api.post(`/v1/carbon/batches/${batchId}/adjustment`, { status: "Applied", evidenceHash }, "DONRE").expect(200);
      await expectError(api.post(`/v1/carbon/batches/${batchId}/adjustment`, { status: "Done", evidenceHash }, "DONRE"), 400, "VALIDATION_FAILED");
      await expectError(api.post(`/v1/carbon/batches/${batchId}/adjustment`, { status: "Applied", evidenceHash }, "VVB-1"), 403, "MISSING_SCOPE");
    });

    it("freezes an organisation's accounts: it can neither send nor retire (409), still receive; unfreeze; 404 unknown org", async function () {
      const org = await api.newOrg("Business");
      const batchId = await api.batch("BIZ-SOLAR", "20");
      await api.post("/v1/carbon/transfers", { batchId, to: org.code, amount: "5" }, "BIZ-SOLAR").expect(200);
      const res = await api.post(`/v1/accounts/${org.code}/freeze`, { reason: "court order" }, "DONRE").expect(200);
      expect(res.body.result).to.deep.equal({ organization: org.code, accounts: [org.address], frozen: true, reason: "court order" });
      expect(await gw.services.contracts.carbon.isAccountFrozen(org.address)).to.equal(true);
      expect((await api.balances(org.code)).accounts[0].creditsFrozen).to.equal(true);
      const send = await expectError(request(gw.app).post("/v1/carbon/transfers").set(org.auth).send({ batchId, to: "BIZ-SOLAR", amount: "1" }), 409, "CHAIN_STATE_CONFLICT");
      expect(send.body.error.details).to.deep.include({ error: "CarbonCreditRegistryAccountFrozen", args: { account: org.address } });
      await expectError(request(gw.app).post("/v1/carbon/retirements").set(org.auth).send({ batchId, amount: "1", ...claim() }), 409, "CHAIN_STATE_CONFLICT");
      await api.post("/v1/carbon/transfers", { batchId, to: org.code, amount: "1" }, "BIZ-SOLAR").expect(200);
      await expectError(api.post(`/v1/accounts/${org.code}/freeze`, { reason: "again" }, "DONRE"), 409, "CHAIN_STATE_CONFLICT");

      await api.post(`/v1/accounts/${org.code}/unfreeze`, { reason: "lifted" }, "DONRE").expect(200);
      await request(gw.app).post("/v1/carbon/transfers").set(org.auth).send({ batchId, to: "BIZ-SOLAR", amount: "6" }).expect(200);
      const notFrozen = await expectError(api.post(`/v1/accounts/${org.code}/unfreeze`, { reason: "again" }, "DONRE"), 409, "CHAIN_STATE_CONFLICT");
      expect(notFrozen.body.error.details.error).to.equal("CarbonCreditRegistryAccountNotFrozen");
      await expectError(api.post("/v1/accounts/NO-SUCH-ORG/freeze", { reason: "x" }, "DONRE"), 404, "PARTICIPANT_NOT_FOUND");
      await expectError(api.post(`/v1/accounts/${org.code}/freeze`, { reason: "x" }, "BIZ-SOLAR"), 403, "MISSING_SCOPE");
    });
  });

  describe("GET /v1/accounts/{org}/balances", function () {
    it("datasets held, credits by batch, retired by batch and VND of an organisation", async function () {
      const org = await api.newOrg("CityAgency");
      const file = `${org.code} data`;
      const sha = ethers.sha256(ethers.toUtf8Bytes(file));
      await request(gw.app)
        .post("/v1/datasets")
        .set(gw.auth("DATA-OFFICE"))
        .send({ contentHash: sha, metadataHash: randomHash(), holder: org.code, classification: "Open", title: "Bus stops", uri: "https://example.org/bus.csv" })
        .expect(201);
      const batchId = await api.batch("BIZ-SOLAR", "30");
      await api.post("/v1/carbon/transfers", { batchId, to: org.code, amount: "12" }, "BIZ-SOLAR").expect(200);
      await request(gw.app).post("/v1/carbon/retirements").set(org.auth).send({ batchId, amount: "2", ...claim() }).expect(201);
      await api.mint(org.code, "1000000");

      const res = await api.get(`/v1/accounts/${org.code}/balances`, "BIZ-LOGISTICS").expect(200);
      const project = (await api.get(`/v1/carbon/batches/${batchId}`)).body.project.id;
      expect(res.body).to.deep.equal({
        organization: org.code,
        accounts: [{ address: org.address, creditsFrozen: false, marketApproved: { credits: false, vnd: false } }],
        datasets: { count: 1, ids: [sha] },
        credits: [{ batchId, project, held: "10", listed: "0", href: `/v1/carbon/batches/${batchId}` }],
        retired: [{ batchId, project, amount: "2", href: `/v1/carbon/batches/${batchId}` }],
        // Nothing sold or bought on the data exchange by this organisation.
        vnd: { balance: "1000000", earnedFromData: "0" },
        licencesBought: [],
      });
      await expectError(api.get("/v1/accounts/NO-SUCH-ORG/balances"), 404, "PARTICIPANT_NOT_FOUND");
      await expectError(api.get("/v1/accounts/lower/balances"), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get(`/v1/accounts/${org.code}/balances`), 401, "UNAUTHENTICATED");
    });
  });

  describe("idempotency and async writes", function () {
    it("a retried retirement with the same Idempotency-Key answers the first certificate and retires once", async function () {
      const batchId = await api.batch("BIZ-LOGISTICS", "10");
      const body = { batchId, amount: "3", ...claim() };
      const first = await api.post("/v1/carbon/retirements", body, "BIZ-LOGISTICS", { "Idempotency-Key": `ret-${batchId}` }).expect(201);
      const again = await api.post("/v1/carbon/retirements", body, "BIZ-LOGISTICS", { "Idempotency-Key": `ret-${batchId}` }).expect(201);
      expect(again.headers["idempotent-replayed"]).to.equal("true");
      expect(again.body.result.retirementId).to.equal(first.body.result.retirementId);
      expect(await api.held("BIZ-LOGISTICS", batchId)).to.deep.include({ held: "7", retired: "3" });
      await expectError(api.post("/v1/carbon/retirements", { ...body, amount: "4" }, "BIZ-LOGISTICS", { "Idempotency-Key": `ret-${batchId}` }), 422, "IDEMPOTENCY_KEY_REUSED");
    });

    it("Prefer: respond-async answers 202 with the transaction, whose result is the batch", async function () {
      const attestationId = await api.attest(await api.project(), "5");
      const res = await api.post("/v1/carbon/batches", { attestationId, to: "BIZ-SOLAR", amount: "5" }, "DONRE", { Prefer: "respond-async" }).expect(202);
      const location = res.headers.location as string;
      let tx = res.body.transaction;
      for (let i = 0; i < 100 && tx.status === "pending"; i++) {
        await new Promise((r) => setTimeout(r, 50));
        tx = (await request(gw.app).get(location).set(gw.auth("DONRE")).expect(200)).body;
      }
      expect(tx.status).to.equal("mined");
      expect(tx.result.batchId).to.match(/^\d+$/);
      expect(tx.result.serialLast).to.match(/^\d+$/);
    });
  });
});

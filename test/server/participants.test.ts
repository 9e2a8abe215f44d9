import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { ROLES } from "../../scripts/lib/roles";
import { startTestGateway, uniqueCode, type TestGateway } from "./helpers/gateway";
import { grantScheduledRoles } from "./helpers/governance";
import { expectError } from "./helpers/http";

describe("participants API", function () {
  let gw: TestGateway;
  before(async function () {
    gw = await startTestGateway();
  });
  after(async () => gw?.stop());

  const admin = () => gw.auth("CITY-ADMIN");
  const register = (body: unknown, headers: Record<string, string> = admin()) =>
    request(gw.app).post("/v1/participants").set(headers).send(body as object);

  describe("POST /v1/participants", function () {
    it("creates the key, registers the organisation with its account at once, and its roles once the administrator's scheduled grants run", async function () {
      const code = uniqueCode("AGENCY");
      const res = await register({ code, name: "Department of Health", kind: "CityAgency", roles: ["REGISTRAR"], validUntil: "2040-01-01T00:00:00Z" });
      expect(res.status).to.equal(201);
      const { result, transaction } = res.body;
      expect(result).to.include({ code, orgId: ethers.encodeBytes32String(code), kind: "CityAgency" });
      expect(result.roles).to.deep.equal(["REGISTRAR"]);
      expect(result.scheduledGrants.map((g: { role: string }) => g.role)).to.deep.equal(["REGISTRAR"]);
      expect(transaction).to.include({ status: "mined", operation: "participants.register", organization: "CITY-ADMIN" });
      // The operator's GOVERNOR key admits; the administrator's key only scheduled the grant.
      expect((await ethers.provider.getTransaction(transaction.hash))!.from).to.equal(gw.services.operators.governor.wallet.address);
      expect(transaction.hash).to.match(/^0x[0-9a-f]{64}$/);
      expect(transaction.blockNumber).to.be.a("number");
      expect(transaction.chainTransactions).to.have.length(1);

      const { participants, accessManager } = gw.services.contracts;
      const org = await participants.organization(result.orgId);
      expect(org.status).to.equal(1n);
      expect(org.kind).to.equal(1n);
      expect(org.validUntil).to.equal(BigInt(Date.parse("2040-01-01T00:00:00Z") / 1000));
      expect(await participants.accountsOf(result.orgId)).to.deep.equal([result.account]);
      expect((await accessManager.hasRole(ROLES.REGISTRAR, result.account))[0]).to.equal(false);
      await grantScheduledRoles(gw, res.body);
      expect((await accessManager.hasRole(ROLES.REGISTRAR, result.account))[0]).to.equal(true);
      expect(gw.services.keystore.address(code)).to.equal(result.account);
      // Organisation keys hold no ether: the chain is free of gas charges.
      expect(await ethers.provider.getBalance(result.account)).to.equal(0n);
    });

    it("shows the new participant", async function () {
      const code = uniqueCode("BIZ");
      await register({ code, name: "Shrimp exporter", kind: "Business" }).expect(201);
      const res = await request(gw.app).get(`/v1/participants/${code}`).set(gw.auth("BIZ-SOLAR")).expect(200);
      expect(res.body).to.include({ code, name: "Shrimp exporter", kind: "Business", status: "Active", validUntil: null });
      expect(res.body.accounts).to.have.length(1);
    });

    it("400 for malformed JSON, wrong types, unknown fields, a bad code, bad hex, a bad date, repeated roles", async function () {
      await expectError(request(gw.app).post("/v1/participants").set(admin()).set("content-type", "application/json").send('{"code": "X",'), 400, "MALFORMED_JSON");
      const wrongType = await expectError(register({ code: 7, name: "x", kind: "Business" }), 400, "VALIDATION_FAILED");
      expect(wrongType.body.error.details.issues[0]).to.include({ path: "code", code: "invalid_type" });
      const unknown = await expectError(register({ code: "OK-CODE", name: "x", kind: "Business", colour: "red" }), 400, "VALIDATION_FAILED");
      expect(unknown.body.error.details.issues[0].message).to.contain("colour");
      await expectError(register({ code: "lower-case", name: "x", kind: "Business" }), 400, "VALIDATION_FAILED");
      await expectError(register({ code: "A".repeat(32), name: "x", kind: "Business" }), 400, "VALIDATION_FAILED");
      await expectError(register({ code: "OK-CODE", name: "x", kind: "Business", metadataHash: "0x1234" }), 400, "VALIDATION_FAILED");
      await expectError(register({ code: "OK-CODE", name: "x", kind: "Business", metadataHash: `0x${"zz".repeat(32)}` }), 400, "VALIDATION_FAILED");
      await expectError(register({ code: "OK-CODE", name: "x", kind: "Business", validUntil: "tomorrow" }), 400, "VALIDATION_FAILED");
      await expectError(register({ code: "OK-CODE", name: "x", kind: "CityAgency", roles: ["REGISTRAR", "REGISTRAR"] }), 400, "VALIDATION_FAILED");
      await expectError(register({ code: "OK-CODE", name: "x", kind: "Alien" }), 400, "VALIDATION_FAILED");
      await expectError(register([]), 400, "VALIDATION_FAILED");
      expect(gw.services.participants.find("OK-CODE")).to.equal(undefined);
    });

    it("413 for an oversized body, in the error shape", async function () {
      const res = await register({ code: "BIG-ONE", name: "x".repeat(3 * 1024 * 1024), kind: "Business" });
      expect(res.status).to.equal(413);
      expect(res.body.error.code).to.equal("PAYLOAD_TOO_LARGE");
    });

    it("401 without a key or with an unknown key; 403 without the scope", async function () {
      const body = { code: uniqueCode("NOPE"), name: "x", kind: "Business" };
      await expectError(request(gw.app).post("/v1/participants").send(body), 401, "UNAUTHENTICATED");
      await expectError(register(body, { Authorization: "Bearer cal_not-a-real-key" }), 401, "UNAUTHENTICATED");
      await expectError(register(body, { Authorization: "Basic abc" }), 401, "UNAUTHENTICATED");
      const forbidden = await expectError(register(body, gw.auth("DATA-OFFICE")), 403, "MISSING_SCOPE");
      expect(forbidden.body.error.details.requiredScope).to.equal("participants:write");
      expect(gw.services.participants.find(body.code)).to.equal(undefined);
    });

    it("409 when the organisation is already registered; nothing is sent", async function () {
      const nonceBefore = await ethers.provider.getTransactionCount(gw.services.operators.governor.wallet.address);
      const res = await expectError(register({ code: "DATA-OFFICE", name: "again", kind: "CityAgency" }), 409, "PARTICIPANT_EXISTS");
      expect(res.body.error.details.orgId).to.equal(ethers.encodeBytes32String("DATA-OFFICE"));
      expect(await ethers.provider.getTransactionCount(gw.services.operators.governor.wallet.address)).to.equal(nonceBefore);
    });

    it("422 when a role does not suit the kind of organisation", async function () {
      const res = await expectError(register({ code: uniqueCode("BIZ"), name: "x", kind: "Business", roles: ["ISSUER"] }), 422, "ROLE_NOT_ALLOWED_FOR_KIND");
      expect(res.body.error.details).to.deep.include({ role: "ISSUER", kind: "Business" });
    });
  });

  describe("GET /v1/participants", function () {
    it("lists by code with a cursor and filters by kind", async function () {
      const first = await request(gw.app).get("/v1/participants?limit=3").set(gw.auth("AUDITOR")).expect(200);
      expect(first.body.items).to.have.length(3);
      const codes = first.body.items.map((p: { code: string }) => p.code);
      expect(codes).to.deep.equal([...codes].sort());
      const second = await request(gw.app).get(`/v1/participants?limit=3&cursor=${first.body.nextCursor}`).set(gw.auth("AUDITOR")).expect(200);
      expect(second.body.items[0].code > codes[2]).to.equal(true);
      const businesses = await request(gw.app).get("/v1/participants?kind=Business&limit=200").set(gw.auth("AUDITOR")).expect(200);
      expect(businesses.body.items.length).to.be.greaterThan(1);
      expect(businesses.body.items.every((p: { kind: string }) => p.kind === "Business")).to.equal(true);
    });

    it("400 for bad or unknown query parameters; 401 without a key", async function () {
      await expectError(request(gw.app).get("/v1/participants?limit=0").set(gw.auth("AUDITOR")), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get("/v1/participants?limit=abc").set(gw.auth("AUDITOR")), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get("/v1/participants?sort=name").set(gw.auth("AUDITOR")), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get("/v1/participants?kind=Alien").set(gw.auth("AUDITOR")), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get("/v1/participants"), 401, "UNAUTHENTICATED");
    });
  });

  describe("GET /v1/participants/{org}", function () {
    it("404 for an unknown organisation, 400 for a malformed code, 401 without a key", async function () {
      await expectError(request(gw.app).get("/v1/participants/NO-SUCH-ORG").set(gw.auth("AUDITOR")), 404, "PARTICIPANT_NOT_FOUND");
      await expectError(request(gw.app).get("/v1/participants/not%20a%20code").set(gw.auth("AUDITOR")), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get("/v1/participants/DATA-OFFICE"), 401, "UNAUTHENTICATED");
    });
  });

  describe("POST /v1/participants/{org}/suspend and /reinstate", function () {
    it("suspends and reinstates on chain", async function () {
      const code = uniqueCode("BIZ");
      const { body } = await register({ code, name: "Rice mill", kind: "Business" }).expect(201);
      const suspended = await request(gw.app).post(`/v1/participants/${code}/suspend`).set(admin()).send({ reason: "licence lapsed" }).expect(200);
      expect(suspended.body.result).to.deep.equal({ code, status: "Suspended" });
      expect(await gw.services.contracts.participants.isActive(body.result.account)).to.equal(false);
      const shown = await request(gw.app).get(`/v1/participants/${code}`).set(admin()).expect(200);
      expect(shown.body.status).to.equal("Suspended");
      const reinstated = await request(gw.app).post(`/v1/participants/${code}/reinstate`).set(admin()).send({ reason: "renewed" }).expect(200);
      expect(reinstated.body.result).to.deep.equal({ code, status: "Active" });
      expect(await gw.services.contracts.participants.isActive(body.result.account)).to.equal(true);
    });

    it("409 with the contract's error name and decoded arguments when the status does not allow it; no nonce used", async function () {
      const nonceBefore = await ethers.provider.getTransactionCount(gw.services.operators.governor.wallet.address);
      const res = await expectError(
        request(gw.app).post("/v1/participants/BIZ-SOLAR/reinstate").set(admin()).send({ reason: "not suspended" }),
        409,
        "CHAIN_STATE_CONFLICT",
      );
      expect(res.body.error.details).to.deep.include({
        error: "ParticipantRegistryInvalidStatusTransition",
        args: { orgId: ethers.encodeBytes32String("BIZ-SOLAR"), current: "Active", requested: "Active" },
      });
      expect(res.body.error.details.contracts).to.include("ParticipantRegistry");
      expect(await ethers.provider.getTransactionCount(gw.services.operators.governor.wallet.address)).to.equal(nonceBefore);
    });

    it("400 for a missing or empty reason or unknown fields, 404 for an unknown organisation, 403 without the scope", async function () {
      await expectError(request(gw.app).post("/v1/participants/BIZ-SOLAR/suspend").set(admin()).send({}), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).post("/v1/participants/BIZ-SOLAR/suspend").set(admin()).send({ reason: "  " }), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).post("/v1/participants/BIZ-SOLAR/suspend").set(admin()).send({ reason: "x", extra: 1 }), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).post("/v1/participants/NO-SUCH-ORG/suspend").set(admin()).send({ reason: "x" }), 404, "PARTICIPANT_NOT_FOUND");
      await expectError(request(gw.app).post("/v1/participants/BIZ-SOLAR/suspend").set(gw.auth("AUDITOR")).send({ reason: "x" }), 403, "MISSING_SCOPE");
      await expectError(request(gw.app).post("/v1/participants/BIZ-SOLAR/suspend").send({ reason: "x" }), 401, "UNAUTHENTICATED");
      await expectError(request(gw.app).post("/v1/participants/CITY-ADMIN/suspend").set(admin()).send({ reason: "x" }), 422, "ADMIN_ORGANIZATION");
    });
  });
});

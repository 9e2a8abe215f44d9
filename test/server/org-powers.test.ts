import { expect } from "chai";
import { encodeBytes32String } from "ethers";
import request from "supertest";
import { ApiKeyService } from "../../server/services/api-keys";
import { CarbonCalls } from "./helpers/carbon";
import { startTestGateway, uniqueCode, type TestGateway } from "./helpers/gateway";
import { expectError } from "./helpers/http";

/** Issue 11: an organisation's powers end with it; a governor cannot make the administrator grant roles. */
describe("organisation powers through the gateway", function () {
  let gw: TestGateway;
  let api: CarbonCalls;
  before(async function () {
    gw = await startTestGateway();
    api = new CarbonCalls(gw);
  });
  after(async () => gw?.stop());

  const admin = () => gw.auth("CITY-ADMIN");
  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
  const newKey = async (organization: string, scopes?: string[]) =>
    (await request(gw.app).post("/v1/api-keys").set(admin()).send({ organization, ...(scopes ? { scopes } : {}) }).expect(201)).body.key as string;

  /** Sends one governor's call (the gateway's operator key) through the pipeline and waits until the index has it. */
  async function asGovernor(to: string, data: string): Promise<void> {
    const { pipeline } = gw.services.stack;
    const { submissionId } = await pipeline.submit({ orgCode: "CITY-ADMIN", wallet: gw.services.operators.governor.wallet, operation: "test.admin-call", params: {}, calls: [{ to, data }] });
    const done = await pipeline.waitFor(submissionId, 20_000);
    expect(done?.status, JSON.stringify(done?.error)).to.equal("mined");
    const [row] = pipeline.outboxRows(submissionId);
    await gw.services.index.reach(row.blockNumber!, 10_000);
  }

  describe("API keys of an inactive organisation", function () {
    it("a suspended issuer's key is refused (403 ORGANIZATION_SUSPENDED) for writes and reads, and works again once reinstated", async function () {
      const issuer = await api.newOrg("CityAgency", ["ISSUER"]);
      const project = { developer: "BIZ-SOLAR", standard: "Domestic", methodology: "AMS-I.D", location: "Can Tho", metadataHash: `0x${"11".repeat(32)}` };
      await request(gw.app).post("/v1/carbon/projects").set(issuer.auth).send({ id: uniqueCode("VN-SP"), ...project }).expect(201);
      await api.suspend(issuer.code);

      const refused = await expectError(request(gw.app).post("/v1/carbon/projects").set(issuer.auth).send({ id: uniqueCode("VN-SP"), ...project }), 403, "ORGANIZATION_SUSPENDED");
      expect(refused.body.error.details).to.deep.equal({ organization: issuer.code, status: "Suspended" });
      await expectError(request(gw.app).get(`/v1/accounts/${issuer.code}/balances`).set(issuer.auth), 403, "ORGANIZATION_SUSPENDED");
      // The attempt is logged, attributed to the organisation, with the refusal.
      const { entries } = (await request(gw.app).get("/v1/audit/log?after=0&limit=1000").set(admin()).expect(200)).body;
      expect(entries.at(-1)).to.include({ org: issuer.code, action: "POST /v1/carbon/projects", status: 403, txHash: null });

      await request(gw.app).post(`/v1/participants/${issuer.code}/reinstate`).set(admin()).send({ reason: "cleared" }).expect(200);
      await request(gw.app).post("/v1/carbon/projects").set(issuer.auth).send({ id: uniqueCode("VN-SP"), ...project }).expect(201);
    });

    it("a revoked organisation's key is refused with 403 ORGANIZATION_REVOKED", async function () {
      const org = await api.newOrg("Business");
      await request(gw.app).get(`/v1/accounts/${org.code}/balances`).set(org.auth).expect(200);
      const registry = gw.services.contracts.participants;
      await asGovernor(gw.deployment.contracts.participants.address, registry.interface.encodeFunctionData("revoke", [encodeBytes32String(org.code), "fraud"]));
      const res = await expectError(request(gw.app).get(`/v1/accounts/${org.code}/balances`).set(org.auth), 403, "ORGANIZATION_REVOKED");
      expect(res.body.error.details).to.deep.equal({ organization: org.code, status: "Revoked" });
    });

    it("expiry counts from validUntil itself: active one second before, 403 ORGANIZATION_EXPIRED at it", function () {
      const validUntil = 1_900_000_000n;
      const org = gw.services.stack.repos.organizations.get("BIZ-SOLAR")!;
      const keyAt = (now: number) => {
        const keys = new ApiKeyService(gw.services.stack.repos.apiKeys, gw.services.stack.repos.organizations, () => ({ status: 1, validUntil }), () => now);
        return keys.authenticate(gw.keys["BIZ-SOLAR"])!;
      };
      expect(keyAt(Number(validUntil) - 1).refusal).to.equal(undefined);
      const expired = keyAt(Number(validUntil)).refusal!;
      expect([expired.status, expired.code]).to.deep.equal([403, "ORGANIZATION_EXPIRED"]);
      expect(expired.details).to.deep.equal({ organization: org.code, validUntil: "2030-03-17T17:46:40.000Z" });
    });

    it("an organisation whose admission has passed on chain is refused over HTTP with 403 ORGANIZATION_EXPIRED", async function () {
      const org = await api.newOrg("Business");
      const registry = gw.services.contracts.participants;
      const record = await registry.organization(encodeBytes32String(org.code));
      await request(gw.app).get(`/v1/accounts/${org.code}/balances`).set(org.auth).expect(200);
      // One second ago by the gateway's clock (the administrator may set any validity end).
      const past = Math.floor(Date.now() / 1000) - 1;
      const data = registry.interface.encodeFunctionData("updateOrganization", [encodeBytes32String(org.code), past, record.metadataHash]);
      await asGovernor(gw.deployment.contracts.participants.address, data);
      await expectError(request(gw.app).get(`/v1/accounts/${org.code}/balances`).set(org.auth), 403, "ORGANIZATION_EXPIRED");
    });
  });

  describe("POST /v1/participants/{org}/revoke-keys", function () {
    it("revokes every live key of the organisation in one call; they no longer authenticate; again answers none", async function () {
      const org = await api.newOrg("Business");
      const second = await newKey(org.code);
      const res = await request(gw.app).post(`/v1/participants/${org.code}/revoke-keys`).set(admin()).expect(200);
      expect(res.body.organization).to.equal(org.code);
      expect(res.body.revoked).to.have.length(2);
      for (const k of res.body.revoked) expect(k.revokedAt).to.be.a("string");
      await expectError(request(gw.app).get("/v1/participants").set(org.auth), 401, "UNAUTHENTICATED");
      await expectError(request(gw.app).get("/v1/participants").set(bearer(second)), 401, "UNAUTHENTICATED");
      const again = await request(gw.app).post(`/v1/participants/${org.code}/revoke-keys`).set(admin()).expect(200);
      expect(again.body.revoked).to.deep.equal([]);
      // Other organisations' keys are untouched.
      await request(gw.app).get("/v1/participants").set(gw.auth("BIZ-SOLAR")).expect(200);
    });

    it("404 for an unknown organisation, 400 for a malformed code, 403 without api-keys:write", async function () {
      await expectError(request(gw.app).post("/v1/participants/NO-SUCH-ORG/revoke-keys").set(admin()), 404, "PARTICIPANT_NOT_FOUND");
      await expectError(request(gw.app).post("/v1/participants/not a code/revoke-keys").set(admin()), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).post("/v1/participants/BIZ-SOLAR/revoke-keys").set(gw.auth("BIZ-LOGISTICS")), 403, "MISSING_SCOPE");
      await request(gw.app).get("/v1/participants").set(gw.auth("BIZ-SOLAR")).expect(200);
    });
  });

  describe("scopes follow what the organisation may hold now", function () {
    it("a key made with carbon:issue loses it when the organisation no longer holds ISSUER, and has it while it does", async function () {
      const issuer = await api.newOrg("CityAgency", ["ISSUER"]);
      const orgs = gw.services.stack.repos.organizations;
      const row = orgs.get(issuer.code)!;
      const project = () => ({ id: uniqueCode("VN-SC"), developer: "BIZ-SOLAR", standard: "Domestic", methodology: "AMS-I.D", location: "Hue", metadataHash: `0x${"22".repeat(32)}` });
      await request(gw.app).post("/v1/carbon/projects").set(issuer.auth).send(project()).expect(201);
      orgs.update(issuer.code, { name: row.name, kind: row.kind, roles: [] });
      await expectError(request(gw.app).post("/v1/carbon/projects").set(issuer.auth).send(project()), 403, "MISSING_SCOPE");
      // Everything every organisation may read stays.
      await request(gw.app).get(`/v1/accounts/${issuer.code}/balances`).set(issuer.auth).expect(200);
      orgs.update(issuer.code, { name: row.name, kind: row.kind, roles: ["ISSUER"] });
      await request(gw.app).post("/v1/carbon/projects").set(issuer.auth).send(project()).expect(201);
    });
  });

  describe("registration by a governor", function () {
    let governor: { Authorization: string };
    before(async function () {
      const gov = await api.newOrg("Operator", ["GOVERNOR"]);
      governor = bearer(await newKey(gov.code, ["participants:write", "participants:read"]));
    });
    const register = (roles: string[], auth: { Authorization: string }) => {
      const code = uniqueCode("GOV");
      return { code, req: request(gw.app).post("/v1/participants").set(auth).send({ code, name: `Admitted ${code}`, kind: roles.length ? "Operator" : "Business", roles }) };
    };

    it("admits a plain participant", async function () {
      const { code, req } = register([], governor);
      const res = await req.expect(201);
      expect(res.body.result).to.include({ code, kind: "Business" });
      expect(res.body.result.roles).to.deep.equal([]);
    });

    for (const role of ["ISSUER", "TREASURY", "RECOVERY", "GOVERNOR", "ANCHORER"]) {
      it(`cannot make the administrator grant ${role}: 403 ROLE_GRANT_NEEDS_ADMIN, nothing sent`, async function () {
        const kind = role === "ISSUER" ? "CityAgency" : role === "TREASURY" ? "Treasury" : "Operator";
        const code = uniqueCode("GOV");
        const before = (gw.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n;
        const res = await expectError(
          request(gw.app).post("/v1/participants").set(governor).send({ code, name: `Escalation ${code}`, kind, roles: [role] }),
          403,
          "ROLE_GRANT_NEEDS_ADMIN",
        );
        expect(res.body.error.details.roles).to.deep.equal([role]);
        expect((gw.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n).to.equal(before);
        expect((await gw.services.contracts.participants.organization(encodeBytes32String(code))).status).to.equal(0n);
      });
    }

    it("the administrator still admits an organisation with roles", async function () {
      const { req } = register(["GUARDIAN"], admin());
      const res = await req.expect(201);
      expect(res.body.result.roles).to.deep.equal(["GUARDIAN"]);
    });
  });
});

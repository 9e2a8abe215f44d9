import crypto from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import { startTestGateway, type TestGateway } from "./helpers/gateway";
import { expectError } from "./helpers/http";

describe("API keys", function () {
  let gw: TestGateway;
  before(async function () {
    gw = await startTestGateway();
  });
  after(async () => gw?.stop());

  const admin = () => gw.auth("CITY-ADMIN");
  const create = (body: unknown, headers: Record<string, string> = admin()) =>
    request(gw.app).post("/v1/api-keys").set(headers).send(body as object);

  describe("POST /v1/api-keys", function () {
    it("creates a key shown once, stored only as its sha256, with every scope the organisation may hold", async function () {
      const res = await create({ organization: "DATA-OFFICE", label: "catalogue sync" }).expect(201);
      expect(res.body.key).to.match(/^cal_[A-Za-z0-9_-]{43}$/);
      expect(res.body).to.include({ organization: "DATA-OFFICE", label: "catalogue sync", revokedAt: null });
      expect(res.body.scopes).to.include.members(["datasets:write", "datasets:read", "participants:read"]);
      expect(res.body.scopes).to.not.include("participants:write");

      const stored = gw.db.prepare("SELECT * FROM api_keys WHERE id = ?").get(res.body.id) as Record<string, unknown>;
      expect(stored.key_hash).to.deep.equal(crypto.createHash("sha256").update(res.body.key).digest());
      expect(JSON.stringify(stored)).to.not.contain(res.body.key);

      // The new key works, and only as DATA-OFFICE.
      const me = await request(gw.app).get("/v1/participants/DATA-OFFICE").set({ Authorization: `Bearer ${res.body.key}` }).expect(200);
      expect(me.body.code).to.equal("DATA-OFFICE");
    });

    it("narrows a key to the scopes asked for: a missing scope is 403", async function () {
      const res = await create({ organization: "CITY-ADMIN", scopes: ["participants:read"] }).expect(201);
      expect(res.body.scopes).to.deep.equal(["participants:read"]);
      const auth = { Authorization: `Bearer ${res.body.key}` };
      await request(gw.app).get("/v1/participants").set(auth).expect(200);
      await expectError(
        request(gw.app).post("/v1/participants").set(auth).send({ code: "NARROW-1", name: "x", kind: "Business" }),
        403,
        "MISSING_SCOPE",
      );
      await expectError(create({ organization: "BIZ-SOLAR" }, auth), 403, "MISSING_SCOPE");
    });

    it("422 for scopes the organisation may not hold", async function () {
      const res = await expectError(create({ organization: "BIZ-SOLAR", scopes: ["datasets:write"] }), 422, "SCOPE_NOT_ALLOWED");
      expect(res.body.error.details.refused).to.deep.equal(["datasets:write"]);
      expect(res.body.error.details.allowed).to.include("datasets:read");
    });

    it("404 for an unknown organisation; 400 for bad input; 401/403 for the caller", async function () {
      await expectError(create({ organization: "NO-SUCH-ORG" }), 404, "PARTICIPANT_NOT_FOUND");
      await expectError(create({ organization: "BIZ-SOLAR", scopes: ["fly"] }), 400, "VALIDATION_FAILED");
      await expectError(create({ organization: "BIZ-SOLAR", scopes: [] }), 400, "VALIDATION_FAILED");
      await expectError(create({ organization: "BIZ-SOLAR", admin: true }), 400, "VALIDATION_FAILED");
      await expectError(create({ organization: 12 }), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).post("/v1/api-keys").set(admin()).set("content-type", "application/json").send("{"), 400, "MALFORMED_JSON");
      await expectError(request(gw.app).post("/v1/api-keys").send({ organization: "BIZ-SOLAR" }), 401, "UNAUTHENTICATED");
      await expectError(create({ organization: "BIZ-SOLAR" }, gw.auth("BIZ-SOLAR")), 403, "MISSING_SCOPE");
    });
  });

  describe("GET /v1/api-keys", function () {
    it("lists keys without the keys themselves", async function () {
      const res = await request(gw.app).get("/v1/api-keys?organization=DATA-OFFICE").set(admin()).expect(200);
      expect(res.body.items.length).to.be.greaterThan(0);
      for (const item of res.body.items) {
        expect(item.organization).to.equal("DATA-OFFICE");
        expect(item).to.not.have.property("key");
      }
      await expectError(request(gw.app).get("/v1/api-keys?organization=bad code").set(admin()), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get("/v1/api-keys").set(gw.auth("AUDITOR")), 403, "MISSING_SCOPE");
    });
  });

  describe("DELETE /v1/api-keys/{id}", function () {
    it("revokes at once: the key no longer authenticates; revoking again answers the same", async function () {
      const { body } = await create({ organization: "AUDITOR" }).expect(201);
      const auth = { Authorization: `Bearer ${body.key}` };
      await request(gw.app).get("/v1/participants").set(auth).expect(200);
      const revoked = await request(gw.app).delete(`/v1/api-keys/${body.id}`).set(admin()).expect(200);
      expect(revoked.body.revokedAt).to.be.a("string");
      await expectError(request(gw.app).get("/v1/participants").set(auth), 401, "UNAUTHENTICATED");
      const again = await request(gw.app).delete(`/v1/api-keys/${body.id}`).set(admin()).expect(200);
      expect(again.body.revokedAt).to.equal(revoked.body.revokedAt);
      const listed = await request(gw.app).get("/v1/api-keys?organization=AUDITOR&includeRevoked=true").set(admin()).expect(200);
      expect(listed.body.items.map((k: { id: string }) => k.id)).to.include(body.id);
    });

    it("404 for an unknown id, 400 for a malformed id, 400 for a body, 401/403 for the caller", async function () {
      await expectError(request(gw.app).delete("/v1/api-keys/key_0000000000000000").set(admin()), 404, "API_KEY_NOT_FOUND");
      await expectError(request(gw.app).delete("/v1/api-keys/nope").set(admin()), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).delete("/v1/api-keys/key_0000000000000000").set(admin()).send({ why: "x" }), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).delete("/v1/api-keys/key_0000000000000000"), 401, "UNAUTHENTICATED");
      await expectError(request(gw.app).delete("/v1/api-keys/key_0000000000000000").set(gw.auth("DATA-OFFICE")), 403, "MISSING_SCOPE");
    });
  });
});

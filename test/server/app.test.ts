import { Writable } from "node:stream";
import { expect } from "chai";
import request from "supertest";
import { createLogger } from "../../server/logger";
import { startTestGateway, type TestGateway } from "./helpers/gateway";
import { expectError } from "./helpers/http";

describe("gateway app: documentation, security, limits, logs", function () {
  let gw: TestGateway;
  before(async function () {
    gw = await startTestGateway();
  });
  after(async () => gw?.stop());

  describe("OpenAPI", function () {
    it("documents every registered Express route, and nothing that is not one", async function () {
      const doc = (await request(gw.app).get("/openapi.json").expect(200)).body;
      expect(doc.openapi).to.match(/^3\./);
      const documented = new Set<string>();
      for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
        for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
      }
      // Walk Express's own router, so a route added without the RouteBuilder is caught too.
      const stack = (gw.app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router.stack;
      const registered = new Set<string>();
      for (const layer of stack) {
        if (!layer.route) continue;
        for (const method of Object.keys(layer.route.methods)) {
          registered.add(`${method.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, "{$1}")}`);
        }
      }
      expect(registered.size).to.be.greaterThan(20);
      expect([...registered].filter((r) => !documented.has(r)), "routes missing from the document").to.deep.equal([]);
      expect([...documented].filter((r) => !registered.has(r)), "documented operations without a route").to.deep.equal([]);
      for (const call of [
        "POST /v1/participants",
        "GET /v1/participants/{org}",
        "POST /v1/api-keys",
        "DELETE /v1/api-keys/{id}",
        "POST /v1/datasets/batch",
        "GET /v1/datasets/by-hash/{sha256}",
        "DELETE /v1/datasets/{id}/licenses/{org}",
        "POST /v1/carbon/projects",
        "GET /v1/carbon/projects/{id}",
        "POST /v1/carbon/attestations",
        "POST /v1/carbon/batches",
        "GET /v1/carbon/batches/{id}",
        "POST /v1/carbon/batches/{id}/cancel",
        "POST /v1/carbon/batches/{id}/freeze",
        "POST /v1/carbon/batches/{id}/unfreeze",
        "POST /v1/carbon/transfers",
        "POST /v1/carbon/retirements",
        "GET /v1/carbon/retirements/{id}",
        "GET /v1/accounts/{org}/balances",
        "POST /v1/settlement/mint",
        "POST /v1/settlement/burn",
        "POST /v1/market/listings",
        "GET /v1/market/listings",
        "GET /v1/market/listings/{id}",
        "POST /v1/market/listings/{id}/fill",
        "DELETE /v1/market/listings/{id}",
        "GET /v1/market/trades",
        "GET /v1/transactions/{id}",
        "GET /health",
        "GET /ready",
      ]) {
        expect(documented.has(call), call).to.equal(true);
      }
    });

    it("describes auth, errors, idempotency and async writes on each operation", async function () {
      const doc = (await request(gw.app).get("/openapi.json").expect(200)).body;
      const register = doc.paths["/v1/participants"].post;
      expect(register.security).to.deep.equal([{ bearer: [] }]);
      expect(Object.keys(register.responses)).to.include.members(["201", "202", "400", "401", "403", "409", "422", "429", "503"]);
      expect(register.parameters.map((p: { name: string }) => p.name)).to.include.members(["idempotency-key", "prefer"]);
      expect(register.requestBody.content["application/json"].schema).to.deep.equal({ $ref: "#/components/schemas/RegisterParticipant" });
      expect(doc.components.schemas.RegisterParticipant.additionalProperties).to.equal(false);
      expect(doc.components.schemas.Error.properties.error.properties).to.have.keys("code", "message", "details");
      expect(doc.paths["/health"].get.security).to.deep.equal([]);
      expect(doc.paths["/v1/datasets/verify"].post.requestBody.content).to.have.keys("application/json", "application/octet-stream");
    });

    it("serves Swagger UI at /docs, allowed by the Content-Security-Policy", async function () {
      const page = await request(gw.app).get("/docs/").expect(200);
      expect(page.text).to.contain("swagger-ui");
      const csp = page.headers["content-security-policy"];
      expect(csp).to.contain("script-src 'self'");
      expect(csp).to.not.contain("upgrade-insecure-requests");
      const init = await request(gw.app).get("/docs/swagger-ui-init.js").expect(200);
      expect(init.text).to.contain("/openapi.json");
      await request(gw.app).get("/docs/swagger-ui-bundle.js").expect(200);
    });
  });

  describe("every answer", function () {
    it("carries security headers and a request id (echoed when the client sends a sane one)", async function () {
      const res = await request(gw.app).get("/health").set("X-Request-Id", "abc-123").expect(200);
      expect(res.headers["x-request-id"]).to.equal("abc-123");
      expect(res.headers["x-content-type-options"]).to.equal("nosniff");
      expect(res.headers).to.not.have.property("x-powered-by");
      const generated = await request(gw.app).get("/health").set("X-Request-Id", "bad id with spaces").expect(200);
      expect(generated.headers["x-request-id"]).to.match(/^[0-9a-f-]{36}$/);
    });

    it("404 in the error shape for an unknown path", async function () {
      await expectError(request(gw.app).get("/v1/nothing-here").set(gw.auth("AUDITOR")), 404, "ROUTE_NOT_FOUND");
    });

    it("/health needs no key; /ready reports the chain", async function () {
      expect((await request(gw.app).get("/health").expect(200)).body.status).to.equal("ok");
      const ready = await request(gw.app).get("/ready").expect(200);
      expect(ready.body.checks.chain.ok).to.equal(true);
      expect(ready.body.checks.chain.details.blockNumber).to.be.a("number");
    });
  });

  describe("rate limit", function () {
    it("429 in the error shape past the limit, per client", async function () {
      const limited = await startTestGateway({ env: { RATE_LIMIT_MAX: "3" } });
      try {
        for (let i = 0; i < 3; i++) await request(limited.app).get("/v1/participants").set(limited.auth("AUDITOR")).expect(200);
        const res = await expectError(request(limited.app).get("/v1/participants").set(limited.auth("AUDITOR")), 429, "RATE_LIMITED");
        expect(Number(res.headers["retry-after"])).to.be.greaterThan(0);
        // Another client (API key) has its own budget; probes are never limited.
        await request(limited.app).get("/v1/participants").set(limited.auth("BIZ-SOLAR")).expect(200);
        await request(limited.app).get("/health").expect(200);
      } finally {
        await limited.stop();
      }
    });
  });

  describe("logs", function () {
    const capture = () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk, _enc, done) {
          lines.push(...chunk.toString().split("\n").filter(Boolean));
          done();
        },
      });
      return { lines, sink };
    };

    it("are JSON lines; each line written while serving a request carries its id, across layers", async function () {
      const { lines, sink } = capture();
      const logged = await startTestGateway({ env: { LOG_LEVEL: "debug" }, logTo: sink });
      try {
        lines.length = 0;
        await request(logged.app)
          .post("/v1/participants")
          .set({ ...logged.auth("CITY-ADMIN"), "X-Request-Id": "trace-me-1" })
          .send({ code: "LOGGED-1", name: "x", kind: "Business" })
          .expect(201);
        const entries = lines.map((l) => JSON.parse(l) as { reqId?: string; component?: string; msg: string });
        const mine = entries.filter((e) => e.reqId === "trace-me-1");
        expect(mine.map((e) => e.component)).to.include.members(["http", "tx-pipeline"]);
        expect(lines.join("\n")).to.not.contain(logged.keys["CITY-ADMIN"]);
      } finally {
        await logged.stop();
      }
    });

    it("never contain keys, passwords or private keys, wherever they appear in a logged object", async function () {
      const { lines, sink } = capture();
      const log = createLogger("debug", sink);
      const key = gw.keys["CITY-ADMIN"];
      const wallet = gw.services.admin.wallet!;
      log.info({ req: { headers: { authorization: `Bearer ${key}` } }, config: { KEYSTORE_PASSWORD: "hunter2-hunter2", ADMIN_API_KEY: key }, account: { privateKey: wallet.privateKey } }, "x");
      log.info({ apiKey: key, password: "pw-pw-pw-pw" }, "y");
      const text = lines.join("\n");
      expect(text).to.not.contain(key);
      expect(text).to.not.contain("hunter2");
      expect(text).to.not.contain(wallet.privateKey);
      expect(text).to.not.contain("pw-pw-pw-pw");
      expect(text).to.contain("[redacted]");
    });
  });
});

import { expect } from "chai";
import request from "supertest";
import { CarbonCalls } from "./helpers/carbon";
import { startTestGateway, type TestGateway } from "./helpers/gateway";
import { expectError } from "./helpers/http";
import { responseChecker, violations } from "./helpers/openapi-check";

/** The rules above the API table that hold for every route: the error shape, JSON only, strict dates and ids. */
describe("API contract: errors, media types, strict input", function () {
  let gw: TestGateway;
  let api: CarbonCalls;
  before(async function () {
    gw = await startTestGateway();
    api = new CarbonCalls(gw);
  });
  after(async () => gw?.stop());

  const shaped = (res: request.Response, status: number) => {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(Object.keys(res.body)).to.deep.equal(["error"]);
    expect(Object.keys(res.body.error)).to.deep.equal(["code", "message", "details"]);
    expect(res.body.error.details).to.be.an("object").and.not.an("array");
  };

  it("the suite's response check catches an undocumented field, status or type (and passes a documented answer)", async function () {
    const check = responseChecker(gw.document);
    const before = new Set(violations);
    check("get", "/health", 200, { status: "ok", uptimeSeconds: 3 });
    expect([...violations].filter((v) => !before.has(v))).to.deep.equal([]);
    check("get", "/health", 200, { status: "ok", uptimeSeconds: 3, hostname: "gw-1" });
    check("get", "/health", 418, { status: "ok", uptimeSeconds: 3 });
    check("get", "/v1/events", 200, { items: [], next: "7", head: 7, epoch: "0f" });
    const added = [...violations].filter((v) => !before.has(v));
    for (const v of added) violations.delete(v);
    expect(added).to.have.members([
      "GET /health 200.hostname: field not in the document",
      "GET /health 418: status not documented",
      "GET /v1/events 200.next: a string where the document says integer",
    ]);
  });

  it("a shared schema keeps its own description; each field that reuses it says what it is", function () {
    const doc = gw.document() as { components: { schemas: Record<string, any> } };
    expect(doc.components.schemas.Bytes32.description).to.match(/^32 bytes/);
    const project = doc.components.schemas.RegisterProject ?? Object.values(doc.components.schemas).find((s: any) => s.properties?.developer && s.properties?.metadataHash);
    expect(JSON.stringify(project.properties.metadataHash)).to.include("Hash of the project document");
    const valuation = doc.components.schemas.RecordValuation;
    expect(JSON.stringify(valuation.properties.reportHash)).to.not.include("project document");
  });

  it("every error carries details, an object even when empty: 401, 404, malformed JSON, query errors", async function () {
    shaped(await request(gw.app).get("/v1/participants"), 401);
    shaped(await request(gw.app).get("/v1/participants").set({ Authorization: "Bearer nope" }), 401);
    shaped(await request(gw.app).get("/v1/nowhere").set(gw.auth("AUDITOR")), 404);
    shaped(await request(gw.app).get("/v1/participants/NOBODY-9").set(gw.auth("AUDITOR")), 404);
    shaped(await request(gw.app).post("/v1/participants").set(gw.auth("CITY-ADMIN")).set("content-type", "application/json").send('{"code": '), 400);
    shaped(await request(gw.app).get("/v1/audit/events?dataset=1&batch=1").set(gw.auth("AUDITOR")), 400);
    shaped(await request(gw.app).get("/v1/datasets?bogus=1").set(gw.auth("AUDITOR")), 400);
  });

  it("a form-encoded or plain-text body is 415 and says to send JSON", async function () {
    for (const [type, body] of [
      ["application/x-www-form-urlencoded", "code=X&name=y"],
      ["text/plain", "hello"],
    ]) {
      const res = await request(gw.app).post("/v1/participants").set(gw.auth("CITY-ADMIN")).set("content-type", type).send(body);
      shaped(res, 415);
      expect(res.body.error.code).to.equal("UNSUPPORTED_MEDIA_TYPE");
      expect(res.body.error.message).to.match(/JSON/);
    }
  });

  it("a date that does not exist, or one before 1970, is 400, never shifted", async function () {
    const project = await api.project();
    for (const start of ["2024-02-30", "2023-02-29", "2024-04-31", "1969-12-31", "2024-02-30T00:00:00Z", "2024-13-01"]) {
      const res = await api.post("/v1/carbon/attestations", { project, monitoringPeriod: { start, end: "2024-12-31" }, amount: "10", reportHash: `0x${"aa".repeat(32)}` }, "VVB-1");
      shaped(res, 400);
    }
    const licence = (expiresAt: string) =>
      request(gw.app).post(`/v1/datasets/0x${"ab".repeat(32)}/licenses`).set(gw.auth("DATA-OFFICE")).send({ organization: "DONRE", expiresAt, termsHash: `0x${"cd".repeat(32)}` });
    for (const expiresAt of ["2030-02-30T00:00:00Z", "1969-07-20T20:17:00Z"]) shaped(await licence(expiresAt), 400);
  });

  it("ids are strict: plain decimal only for log entries (no 1e3, 0x10, %201, 01)", async function () {
    for (const bad of ["1e3", "0x10", "%201", "01", "-1", "1.0"]) {
      await expectError(request(gw.app).get(`/v1/audit/log/${bad}/proof`).set(gw.auth("AUDITOR")), 400, "VALIDATION_FAILED");
    }
    for (const bad of ["1e2", "0x10", "%2010"]) {
      await expectError(request(gw.app).get(`/v1/audit/log?limit=${bad}`).set(gw.auth("AUDITOR")), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get(`/v1/datasets?limit=${bad}`).set(gw.auth("AUDITOR")), 400, "VALIDATION_FAILED");
    }
  });

  it("a zero amount is refused before anything is signed", async function () {
    const batchId = await api.batch("BIZ-SOLAR", "10");
    for (const [path, body, org] of [
      ["/v1/carbon/transfers", { batchId, to: "BIZ-LOGISTICS", amount: "0" }, "BIZ-SOLAR"],
      ["/v1/carbon/retirements", { batchId, amount: "0", beneficiary: { name: "x" }, reason: "r", consumptionPeriod: { start: "2025-01-01", end: "2025-12-31" } }, "BIZ-SOLAR"],
      ["/v1/market/listings", { batchId, amount: "0", unitPrice: "1000" }, "BIZ-SOLAR"],
      ["/v1/settlement/burn", { from: "BIZ-SOLAR", amount: "0", reference: "r" }, "TREASURY"],
    ] as const) {
      const res = await api.post(path, body, org);
      shaped(res, 400);
      expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).to.include("amount");
    }
    expect(await api.held("BIZ-SOLAR", batchId)).to.deep.equal({ held: "10", listed: "0", retired: "0" });
  });
});

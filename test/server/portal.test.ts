import crypto from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import { pdfText } from "../portal/helpers/pdf-text";
import { CarbonCalls } from "./helpers/carbon";
import { startTestGateway, type TestGateway } from "./helpers/gateway";
import { expectError } from "./helpers/http";

const sha = (s: string) => crypto.createHash("sha256").update(s).digest("hex");
const entry = (identifier: string, content: string) => ({
  identifier,
  title: `Dữ liệu ${identifier}`,
  distribution: [{ downloadURL: `https://opendata.example/${identifier}.csv`, checksum: { algorithm: "sha256", checksumValue: sha(content) } }],
});

describe("portal API: session, public certificate (JSON, PDF), catalogue preview", function () {
  let gw: TestGateway;
  let carbon: CarbonCalls;
  before(async function () {
    gw = await startTestGateway();
    carbon = new CarbonCalls(gw);
  });
  after(async () => gw?.stop());

  describe("GET /v1/session", function () {
    it("names the key's organisation, kind and scopes; 401 without a valid key", async function () {
      const res = await request(gw.app).get("/v1/session").set(gw.auth("DATA-OFFICE")).expect(200);
      expect(res.body.organization).to.equal("DATA-OFFICE");
      expect(res.body.kind).to.equal("CityAgency");
      expect(res.body.scopes).to.include("datasets:write");
      await expectError(request(gw.app).get("/v1/session"), 401, "UNAUTHENTICATED");
      await expectError(request(gw.app).get("/v1/session").set({ Authorization: "Bearer cal_nope" }), 401, "UNAUTHENTICATED");
    });
  });

  describe("public certificate", function () {
    it("answers the certificate and where to re-check it without a key; the PDF carries every field, diacritics included", async function () {
      const batchId = await carbon.batch("BIZ-SOLAR", "500");
      const beneficiary = "Công ty Cổ phần Năng lượng Mặt trời Đà Nẵng";
      const retired = await request(gw.app)
        .post("/v1/carbon/retirements")
        .set(gw.auth("BIZ-SOLAR"))
        .send({ batchId, amount: "40", beneficiary: { name: beneficiary }, reason: "Bù trừ phát thải năm 2025", consumptionPeriod: { start: "2025-01-01T00:00:00Z", end: "2025-12-31T00:00:00Z" } });
      expect(retired.status, JSON.stringify(retired.body)).to.equal(201);
      const id = retired.body.result.retirementId as string;

      const json = await request(gw.app).get(`/v1/carbon/retirements/${id}/certificate`).expect(200);
      expect(json.body.certificate.beneficiary.name).to.equal(beneficiary);
      expect(json.body.verification.registry).to.equal(gw.services.contracts.addresses.carbon);
      expect(json.body.verification.chainId).to.equal(gw.services.contracts.record.chainId);
      expect(json.body.verification.rpcUrl).to.match(/^http:\/\//);

      const pdf = await request(gw.app).get(`/v1/carbon/retirements/${id}/certificate.pdf`).buffer(true).parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => done(null, Buffer.concat(chunks)));
      });
      expect(pdf.status).to.equal(200);
      expect(pdf.headers["content-type"]).to.equal("application/pdf");
      const text = pdfText(pdf.body as Buffer);
      const c = json.body.certificate;
      for (const expected of [
        "Giấy chứng nhận hủy bỏ tín chỉ carbon",
        beneficiary,
        "Bù trừ phát thải năm 2025",
        `${c.serials.first} – ${c.serials.last}`,
        c.transaction.transactionHash,
        String(c.transaction.blockNumber),
        `/certificates/${id}`,
      ]) {
        expect(text).to.contain(expected);
      }
      const english = await request(gw.app).get(`/v1/carbon/retirements/${id}/certificate.pdf?lang=en`).buffer(true).parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on("data", (ch: Buffer) => chunks.push(ch));
        res.on("end", () => done(null, Buffer.concat(chunks)));
      });
      expect(pdfText(english.body as Buffer)).to.contain("Carbon credit retirement certificate");
    });

    it("404 for an unknown retirement, 400 for a bad id or language", async function () {
      await expectError(request(gw.app).get("/v1/carbon/retirements/999999/certificate"), 404, "RETIREMENT_NOT_FOUND");
      await expectError(request(gw.app).get("/v1/carbon/retirements/999999/certificate.pdf"), 404, "RETIREMENT_NOT_FOUND");
      await expectError(request(gw.app).get("/v1/carbon/retirements/abc/certificate"), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get("/v1/carbon/retirements/1/certificate.pdf?lang=fr"), 400, "VALIDATION_FAILED");
    });
  });

  describe("POST /v1/datasets/batch/validate", function () {
    it("previews each entry, flags duplicates and already registered content, and changes nothing", async function () {
      const tag = `${Date.now()}`;
      const taken = `taken-${tag}`;
      await request(gw.app)
        .post("/v1/datasets")
        .set(gw.auth("DATA-OFFICE"))
        .send({ contentHash: sha(taken), metadataHash: `0x${sha("m")}`, classification: "Open", title: "Taken", uri: "https://opendata.example/taken.csv" })
        .expect(201);
      const catalogue = { "@type": "dcat:Catalog", dataset: [entry(`a-${tag}`, `a-${tag}`), entry(`b-${tag}`, `a-${tag}`), entry(`c-${tag}`, taken)] };
      const res = await request(gw.app).post("/v1/datasets/batch/validate").set(gw.auth("DATA-OFFICE")).send({ catalogue }).expect(200);
      expect(res.body.valid).to.equal(false);
      expect(res.body.count).to.equal(3);
      expect(res.body.items.map((i: { problems: string[] }) => i.problems)).to.deep.equal([[], [`DUPLICATE_IN_BATCH:a-${tag}`], ["ALREADY_REGISTERED"]]);
      expect(res.body.items[0]).to.include({ identifier: `a-${tag}`, classification: "Open", contentHash: `0x${sha(`a-${tag}`)}` });
      const nothing = await request(gw.app).get(`/v1/datasets/by-hash/${sha(`a-${tag}`)}`).set(gw.auth("DATA-OFFICE"));
      expect(nothing.status).to.equal(404);

      const ok = await request(gw.app).post("/v1/datasets/batch/validate").set(gw.auth("DATA-OFFICE")).send({ catalogue: { dataset: [entry(`d-${tag}`, `d-${tag}`)] } }).expect(200);
      expect(ok.body.valid).to.equal(true);
      const bad = await expectError(request(gw.app).post("/v1/datasets/batch/validate").set(gw.auth("DATA-OFFICE")).send({ catalogue: { dataset: [{ identifier: "x" }] } }), 400, "VALIDATION_FAILED");
      expect(bad.body.error.details.issues.length).to.be.greaterThan(0);
      await expectError(request(gw.app).post("/v1/datasets/batch/validate").set(gw.auth("AUDITOR")).send({ catalogue }), 403, "MISSING_SCOPE");
    });
  });
});

import crypto from "node:crypto";
import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { CarbonCalls } from "./helpers/carbon";
import { executeWhenReady } from "./helpers/governance";
import { startTestGateway, type TestGateway } from "./helpers/gateway";
import { expectError } from "./helpers/http";

describe("token metadata (public)", function () {
  let gw: TestGateway;
  let api: CarbonCalls;
  let datasetId: string;
  const title = "Can Tho flood sensors 2025";
  before(async function () {
    gw = await startTestGateway();
    api = new CarbonCalls(gw);
    const sha = crypto.randomBytes(32).toString("hex");
    const res = await request(gw.app)
      .post("/v1/datasets")
      .set(gw.auth("DATA-OFFICE"))
      .send({ contentHash: sha, metadataHash: ethers.id(sha), holder: "AGENCY-TRANSPORT", classification: "Important", title, uri: "https://opendata.cantho.gov.vn/flood.csv" });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    datasetId = res.body.result.id;
  });
  after(async () => gw?.stop());

  describe("GET /metadata/datasets/{id}.json", function () {
    it("answers the ERC-721 metadata without an API key, by hex or decimal id", async function () {
      const res = await request(gw.app).get(`/metadata/datasets/${datasetId}.json`).expect(200);
      expect(res.body).to.include({ name: title, external_url: "https://opendata.cantho.gov.vn/flood.csv" });
      expect(res.body.properties).to.include({ class: "dataset", contentHash: datasetId, classification: "Important", status: "Active", holder: "AGENCY-TRANSPORT" });
      expect(res.body.properties.registeredAt).to.match(/^\d{4}-\d\d-\d\dT/);
      expect(res.body.attributes).to.deep.include({ trait_type: "Classification", value: "Important" });
      expect((await request(gw.app).get(`/metadata/datasets/${BigInt(datasetId)}.json`).expect(200)).body).to.deep.equal(res.body);
    });

    it("is 404 for an unknown dataset and 400 for an id that is not one", async function () {
      await expectError(request(gw.app).get(`/metadata/datasets/0x${"ab".repeat(32)}.json`), 404, "DATASET_NOT_FOUND");
      for (const bad of ["1e3", "0x10", "%201"]) await expectError(request(gw.app).get(`/metadata/datasets/${bad}.json`), 400, "VALIDATION_FAILED");
    });
  });

  describe("GET /metadata/credits/{id}.json", function () {
    it("answers the ERC-1155 metadata of a batch: project, vintage, serials, supply; by decimal or {id} hex", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "250");
      const res = await request(gw.app).get(`/metadata/credits/${batchId}.json`).expect(200);
      expect(res.body.decimals).to.equal(0);
      expect(res.body.properties).to.include({ batchId, status: "Active", correspondingAdjustment: "Unspecified" });
      expect(res.body.properties.vintage).to.deep.equal({ start: "2024-01-01T00:00:00.000Z", end: "2024-12-31T00:00:00.000Z" });
      expect(res.body.properties.supply).to.deep.equal({ issued: "250", circulating: "250", retired: "0", cancelled: "0" });
      expect(res.body.properties.project).to.include({ standard: "Domestic", developer: "BIZ-SOLAR" });
      expect(BigInt(res.body.properties.serials.last) - BigInt(res.body.properties.serials.first)).to.equal(249n);
      const hexId = BigInt(batchId).toString(16).padStart(64, "0");
      expect((await request(gw.app).get(`/metadata/credits/${hexId}.json`).expect(200)).body).to.deep.equal(res.body);
      await expectError(request(gw.app).get("/metadata/credits/999999999.json"), 404, "BATCH_NOT_FOUND");
      await expectError(request(gw.app).get("/metadata/credits/0x01.json"), 400, "VALIDATION_FAILED");
    });
  });

  describe("tokenURI", function () {
    it("points at the gateway's route once the base URI is the gateway's", async function () {
      const base = "https://ledger.city.example";
      // The base URI is governance's (ADMIN): scheduled, and executed once the administrator's delay has passed.
      const scheduled = await request(gw.app).post("/v1/governance/operations").set(gw.auth("CITY-ADMIN")).send({ action: "setDatasetBaseURI", uri: `${base}/metadata/datasets/` }).expect(201);
      await executeWhenReady(gw, [scheduled.body.result.operationId]);
      const uri = await gw.services.contracts.dataAssets.tokenURI(BigInt(datasetId));
      expect(uri.startsWith(base)).to.equal(true);
      const res = await request(gw.app).get(uri.slice(base.length)).expect(200);
      expect(res.body.properties.contentHash).to.equal(datasetId);
    });
  });
});

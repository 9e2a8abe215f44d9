import crypto from "node:crypto";
import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { generateCatalogue } from "../../scripts/lib/catalogue";
import { canonicalJson } from "../../server/util/canonical-json";
import { startTestGateway, uniqueCode, type TestGateway } from "./helpers/gateway";
import { expectError } from "./helpers/http";

let seq = 0;
/** A fresh "file" and its registration body. */
function dataset(overrides: Record<string, unknown> = {}) {
  const file = `station,pm25\nDN-${Date.now()}-${seq++},${Math.random()}\n`;
  const sha = crypto.createHash("sha256").update(file).digest("hex");
  return {
    file,
    sha,
    body: {
      contentHash: sha,
      metadataHash: ethers.sha256(ethers.toUtf8Bytes(`metadata ${sha}`)),
      holder: "AGENCY-TRANSPORT",
      classification: "Open",
      title: `Air quality ${sha.slice(0, 6)}`,
      uri: `https://opendata.danang.gov.vn/dataset/${sha.slice(0, 8)}.csv`,
      ...overrides,
    },
  };
}

describe("datasets API", function () {
  let gw: TestGateway;
  before(async function () {
    gw = await startTestGateway({ env: { BATCH_CHUNK_SIZE: "10" } });
  });
  after(async () => gw?.stop());

  const office = () => gw.auth("DATA-OFFICE");
  const post = (path: string, body: unknown, headers: Record<string, string> = office()) =>
    request(gw.app).post(path).set(headers).send(body as object);
  const registered = async (overrides: Record<string, unknown> = {}) => {
    const d = dataset(overrides);
    const res = await post("/v1/datasets", d.body);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return { ...d, id: res.body.result.id as string };
  };

  describe("POST /v1/datasets", function () {
    it("registers with the data office's own key; the content hash is the id", async function () {
      const d = dataset({ custodian: "DONRE" });
      const res = await post("/v1/datasets", d.body).expect(201);
      expect(res.body.result).to.include({ id: `0x${d.sha}`, contentHash: `0x${d.sha}`, holder: "AGENCY-TRANSPORT", custodian: "DONRE" });
      const tx = await ethers.provider.getTransaction(res.body.transaction.hash);
      expect(tx!.from).to.equal(gw.services.participants.find("DATA-OFFICE")!.address);
      expect(tx!.gasPrice).to.equal(0n);

      const shown = await request(gw.app).get(`/v1/datasets/0x${d.sha}`).set(gw.auth("BIZ-SOLAR")).expect(200);
      expect(shown.body).to.include({ id: `0x${d.sha}`, title: d.body.title, uri: d.body.uri, classification: "Open", status: "Active", transferable: true, version: 1 });
      expect(shown.body.holder.organization).to.equal("AGENCY-TRANSPORT");
      expect(shown.body.custodian.organization).to.equal("DONRE");
      expect(shown.body.registered.transactionHash).to.equal(res.body.transaction.hash);
      expect(shown.body.tokenId).to.equal(BigInt(`0x${d.sha}`).toString());
      await request(gw.app).get(`/v1/datasets/${shown.body.tokenId}`).set(gw.auth("BIZ-SOLAR")).expect(200);
      const byHash = await request(gw.app).get(`/v1/datasets/by-hash/${d.sha.toUpperCase()}`).set(gw.auth("AUDITOR")).expect(200);
      expect(byHash.body.id).to.equal(`0x${d.sha}`);
    });

    it("400 for bad hex, wrong types, unknown fields, bad URIs; 401; 403 without the scope", async function () {
      const d = dataset();
      await expectError(post("/v1/datasets", { ...d.body, contentHash: "abc" }), 400, "VALIDATION_FAILED");
      await expectError(post("/v1/datasets", { ...d.body, contentHash: `0x${"g".repeat(64)}` }), 400, "VALIDATION_FAILED");
      await expectError(post("/v1/datasets", { ...d.body, metadataHash: d.sha }), 400, "VALIDATION_FAILED");
      await expectError(post("/v1/datasets", { ...d.body, transferable: "yes" }), 400, "VALIDATION_FAILED");
      await expectError(post("/v1/datasets", { ...d.body, classification: "Secret" }), 400, "VALIDATION_FAILED");
      await expectError(post("/v1/datasets", { ...d.body, uri: "not a uri" }), 400, "VALIDATION_FAILED");
      await expectError(post("/v1/datasets", { ...d.body, owner: "X" }), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).post("/v1/datasets").send(d.body), 401, "UNAUTHENTICATED");
      await expectError(post("/v1/datasets", d.body, gw.auth("BIZ-SOLAR")), 403, "MISSING_SCOPE");
      await expectError(post("/v1/datasets", d.body, gw.auth("AGENCY-TRANSPORT")), 403, "MISSING_SCOPE");
      await expectError(request(gw.app).get(`/v1/datasets/by-hash/${d.sha}`).set(office()), 404, "DATASET_NOT_FOUND");
    });

    it("404 for an unknown holder", async function () {
      await expectError(post("/v1/datasets", dataset({ holder: "NO-SUCH-ORG" }).body), 404, "PARTICIPANT_NOT_FOUND");
    });

    it("409 for content already registered, with the contract error and its arguments", async function () {
      const { body, sha } = await registered();
      const res = await expectError(post("/v1/datasets", { ...body, title: "again" }), 409, "CHAIN_STATE_CONFLICT");
      expect(res.body.error.details).to.deep.include({ error: "DataAssetRegistryDuplicateContent", args: { contentHash: `0x${sha}` } });
    });

    it("422 when Important data would go to a business (contract rule)", async function () {
      const business = gw.services.participants.find("BIZ-SOLAR")!.address;
      const res = await expectError(post("/v1/datasets", dataset({ holder: "BIZ-SOLAR", classification: "Important" }).body), 422, "CONTRACT_RULE");
      expect(res.body.error.details).to.deep.include({
        error: "DataAssetRegistryClassificationRestricted",
        args: { classification: "Important", account: business },
      });
    });
  });

  describe("POST /v1/datasets/batch", function () {
    it("registers a DCAT catalogue in chunks, holders mapped by publisher, metadata hash of the canonical entry", async function () {
      const { catalogue } = generateCatalogue(25, Date.now() % 100_000);
      catalogue.dataset.forEach((d) => (d.classification = "Open"));
      const res = await post("/v1/datasets/batch", {
        holder: "DATA-OFFICE",
        holderByPublisher: { DONRE: "DONRE", DOT: "AGENCY-TRANSPORT" },
        catalogue,
      }).expect(201);
      expect(res.body.result.registered).to.equal(25);
      expect(res.body.result.datasets).to.have.length(25);
      expect(res.body.transaction.chainTransactions).to.have.length(3);
      const nonces = res.body.transaction.chainTransactions.map((t: { nonce: number }) => t.nonce);
      expect(nonces).to.deep.equal([nonces[0], nonces[0] + 1, nonces[0] + 2]);

      const first = catalogue.dataset[0];
      const shown = await request(gw.app).get(`/v1/datasets/by-hash/${first.distribution[0].checksum.checksumValue}`).set(office()).expect(200);
      expect(shown.body.title).to.equal(first.title);
      expect(shown.body.uri).to.equal(first.distribution[0].downloadURL);
      expect(shown.body.metadataHash).to.equal(`0x${crypto.createHash("sha256").update(canonicalJson(first)).digest("hex")}`);
      const expectedHolder = first.publisher.code === "DONRE" ? "DONRE" : first.publisher.code === "DOT" ? "AGENCY-TRANSPORT" : "DATA-OFFICE";
      expect(shown.body.holder.organization).to.equal(expectedHolder);
    });

    it("400 for a duplicate inside the catalogue; 409 and nothing registered when one entry is already on chain", async function () {
      const { catalogue } = generateCatalogue(3, 424242 + (Date.now() % 1000));
      catalogue.dataset.forEach((d) => (d.classification = "Open"));
      const dup = structuredClone(catalogue);
      dup.dataset[2].distribution[0].checksum = dup.dataset[0].distribution[0].checksum;
      await expectError(post("/v1/datasets/batch", { catalogue: dup }), 400, "DUPLICATE_IN_BATCH");

      const existing = await registered();
      const clash = structuredClone(catalogue);
      clash.dataset[1].distribution[0].checksum.checksumValue = existing.sha;
      const res = await expectError(post("/v1/datasets/batch", { catalogue: clash }), 409, "CHAIN_STATE_CONFLICT");
      expect(res.body.error.details.error).to.equal("DataAssetRegistryDuplicateContent");
      const other = catalogue.dataset[0].distribution[0].checksum.checksumValue;
      expect(await gw.services.contracts.dataAssets.isRegistered(`0x${other}`)).to.equal(false);
    });

    it("400 for an empty or malformed catalogue, unknown fields, non-sha256 checksums; 403 without the scope", async function () {
      await expectError(post("/v1/datasets/batch", { catalogue: { dataset: [] } }), 400, "VALIDATION_FAILED");
      await expectError(post("/v1/datasets/batch", { catalogue: {} }), 400, "VALIDATION_FAILED");
      const { catalogue } = generateCatalogue(1, 7);
      const md5 = structuredClone(catalogue);
      (md5.dataset[0].distribution[0].checksum as { algorithm: string }).algorithm = "md5";
      await expectError(post("/v1/datasets/batch", { catalogue: md5 }), 400, "VALIDATION_FAILED");
      await expectError(post("/v1/datasets/batch", { catalogue, extra: true }), 400, "VALIDATION_FAILED");
      await expectError(post("/v1/datasets/batch", { catalogue }, gw.auth("BIZ-SOLAR")), 403, "MISSING_SCOPE");
    });
  });

  describe("POST /v1/datasets/batch, packed by gas", function () {
    let packed: TestGateway;
    before(async function () {
      packed = await startTestGateway();
    });
    after(async () => packed?.stop());

    it("imports the 540-dataset sample catalogue in 3 transactions: the contract's MAX_BATCH each, within the block gas limit", async function () {
      const { catalogue } = generateCatalogue(540, 57);
      const res = await request(packed.app)
        .post("/v1/datasets/batch")
        .set(packed.auth("DATA-OFFICE"))
        .send({ holder: "DATA-OFFICE", holderByPublisher: { DONRE: "DONRE", DOT: "AGENCY-TRANSPORT" }, catalogue })
        .expect(201);
      expect(res.body.result.registered).to.equal(540);
      const txs = res.body.transaction.chainTransactions as { hash: string; gasUsed: string }[];
      expect(txs).to.have.length(Math.ceil(540 / Number(await packed.services.contracts.dataAssets.MAX_BATCH())));
      const gasLimit = (await ethers.provider.getBlock("latest"))!.gasLimit;
      for (const t of txs) expect((await ethers.provider.getTransaction(t.hash))!.gasLimit <= gasLimit).to.equal(true);
      for (const d of [catalogue.dataset[0], catalogue.dataset[539]]) {
        expect(await packed.services.contracts.dataAssets.isRegistered(`0x${d.distribution[0].checksum.checksumValue}`)).to.equal(true);
      }
    });

    it("makes each transaction as large as a lower block gas limit allows", async function () {
      const before = (await ethers.provider.getBlock("latest"))!.gasLimit;
      const limit = 3_000_000n;
      // Hardhat's network, unlike anvil and a zero-base-fee Besu network, raises the base fee after a block fuller than
      // half its limit; blocks are mined by hand here, each with a zero base fee, as on those networks.
      await ethers.provider.send("evm_setBlockGasLimit", [ethers.toQuantity(limit)]);
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        await ethers.provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x0"]);
        await ethers.provider.send("evm_mine", []);
        const { catalogue } = generateCatalogue(90, 4242);
        catalogue.dataset.forEach((d) => (d.classification = "Open"));
        let done = false;
        const pending = request(packed.app)
          .post("/v1/datasets/batch")
          .set(packed.auth("DATA-OFFICE"))
          .send({ catalogue })
          .then((r) => ((done = true), r));
        while (!done) {
          await new Promise((r) => setTimeout(r, 30));
          await ethers.provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x0"]);
          await ethers.provider.send("evm_mine", []);
        }
        const res = await pending;
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.result.registered).to.equal(90);
        const txs = await Promise.all(
          (res.body.transaction.chainTransactions as { hash: string }[]).map((t) => ethers.provider.getTransaction(t.hash)),
        );
        // About 65k gas per item plus 25% headroom: some 35 items fit in 3M, so three transactions, none above the limit.
        expect(txs.length).to.be.within(2, 4);
        for (const tx of txs) expect(tx!.gasLimit <= limit, `${tx!.gasLimit}`).to.equal(true);
        // The first chunk was as large as fits: with one more item its gas limit would have passed the block's.
        const iface = packed.services.contracts.dataAssets.interface;
        const firstChunk = (iface.decodeFunctionData("registerBatch", txs[0]!.data)[0] as unknown[]).length;
        const perItem = txs[0]!.gasLimit / BigInt(firstChunk);
        expect(txs[0]!.gasLimit + perItem > limit - limit / 20n, `first chunk of ${firstChunk} uses ${txs[0]!.gasLimit}`).to.equal(true);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
        await ethers.provider.send("evm_setBlockGasLimit", [ethers.toQuantity(before)]);
        await ethers.provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x0"]);
        await ethers.provider.send("evm_mine", []);
      }
    });
  });

  describe("GET /v1/datasets", function () {
    it("filters by holder, classification, status and text, and pages with a cursor", async function () {
      const tag = uniqueCode("T").toLowerCase();
      const a = await registered({ holder: "DONRE", title: `Flood risk ${tag} A`, classification: "Other" });
      await registered({ holder: "DONRE", title: `Flood risk ${tag} B`, classification: "Other" });
      await registered({ holder: "AGENCY-TRANSPORT", title: `Flood risk ${tag} C`, classification: "Other" });
      await post(`/v1/datasets/${a.id}/status`, { status: "Deprecated", reason: "old" }).expect(200);

      const byText = await request(gw.app).get(`/v1/datasets?text=${tag}`).set(office()).expect(200);
      expect(byText.body.items).to.have.length(3);
      const byHolder = await request(gw.app).get(`/v1/datasets?text=${tag}&holder=DONRE`).set(office()).expect(200);
      expect(byHolder.body.items.map((d: { title: string }) => d.title.slice(-1))).to.deep.equal(["A", "B"]);
      const active = await request(gw.app).get(`/v1/datasets?text=${tag}&holder=DONRE&status=Active`).set(office()).expect(200);
      expect(active.body.items.map((d: { title: string }) => d.title.slice(-1))).to.deep.equal(["B"]);
      const open = await request(gw.app).get(`/v1/datasets?text=${tag}&classification=Open`).set(office()).expect(200);
      expect(open.body.items).to.have.length(0);

      const page1 = await request(gw.app).get(`/v1/datasets?text=${tag}&limit=2`).set(office()).expect(200);
      expect(page1.body.items).to.have.length(2);
      const page2 = await request(gw.app).get(`/v1/datasets?text=${tag}&limit=2&cursor=${page1.body.nextCursor}`).set(office()).expect(200);
      expect(page2.body.items.map((d: { title: string }) => d.title.slice(-1))).to.deep.equal(["C"]);
      expect(page2.body.nextCursor).to.equal(null);
    });

    it("400 for bad filters; 401", async function () {
      await expectError(request(gw.app).get("/v1/datasets?status=Gone").set(office()), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get("/v1/datasets?cursor=xyz").set(office()), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get("/v1/datasets?owner=X").set(office()), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get("/v1/datasets"), 401, "UNAUTHENTICATED");
    });
  });

  describe("GET /v1/datasets/{id}", function () {
    it("404 for an unknown id, 400 for a malformed id or one beyond uint256", async function () {
      await expectError(request(gw.app).get(`/v1/datasets/0x${"ab".repeat(32)}`).set(office()), 404, "DATASET_NOT_FOUND");
      await expectError(request(gw.app).get("/v1/datasets/0xabc").set(office()), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get(`/v1/datasets/${(1n << 256n).toString()}`).set(office()), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get(`/v1/datasets/0x${"ab".repeat(32)}`), 401, "UNAUTHENTICATED");
    });
  });

  describe("POST /v1/datasets/{id}/versions", function () {
    it("registers a new version; the parent becomes Deprecated and points to it", async function () {
      const parent = await registered();
      const child = dataset();
      const res = await post(`/v1/datasets/${parent.id}/versions`, child.body).expect(201);
      expect(res.body.result).to.include({ id: `0x${child.sha}`, parentId: parent.id, parentStatus: "Deprecated" });
      const shownParent = await request(gw.app).get(`/v1/datasets/${parent.id}`).set(office()).expect(200);
      expect(shownParent.body.status).to.equal("Deprecated");
      expect(shownParent.body.children).to.deep.equal([`0x${child.sha}`]);
      const shownChild = await request(gw.app).get(`/v1/datasets/0x${child.sha}`).set(office()).expect(200);
      expect(shownChild.body).to.include({ parentId: parent.id, version: 2 });
    });

    it("422 when the parent is no longer the current version; 404 for an unknown parent; 403 without the scope", async function () {
      const parent = await registered();
      await post(`/v1/datasets/${parent.id}/versions`, dataset().body).expect(201);
      const res = await expectError(post(`/v1/datasets/${parent.id}/versions`, dataset().body), 422, "CONTRACT_RULE");
      expect(res.body.error.details).to.deep.include({ error: "DataAssetRegistryParentNotActive", args: { parentId: BigInt(parent.id).toString(), status: "Deprecated" } });
      await expectError(post(`/v1/datasets/0x${"cd".repeat(32)}/versions`, dataset().body), 404, "DATASET_NOT_FOUND");
      await expectError(post(`/v1/datasets/${parent.id}/versions`, dataset().body, gw.auth("DONRE")), 403, "MISSING_SCOPE");
      await expectError(post(`/v1/datasets/${parent.id}/versions`, { ...dataset().body, contentHash: 5 }), 400, "VALIDATION_FAILED");
    });
  });

  describe("POST /v1/datasets/{id}/transfer", function () {
    it("the holder moves its dataset, signing with its own key", async function () {
      const d = await registered({ holder: "AGENCY-TRANSPORT" });
      const res = await post(`/v1/datasets/${d.id}/transfer`, { to: "DONRE" }, gw.auth("AGENCY-TRANSPORT")).expect(200);
      expect(res.body.result).to.deep.equal({ id: d.id, from: "AGENCY-TRANSPORT", to: "DONRE" });
      const tx = await ethers.provider.getTransaction(res.body.transaction.hash);
      expect(tx!.from).to.equal(gw.services.participants.find("AGENCY-TRANSPORT")!.address);
      const shown = await request(gw.app).get(`/v1/datasets/${d.id}`).set(office()).expect(200);
      expect(shown.body.holder.organization).to.equal("DONRE");
    });

    it("403 for a non-holder, 403 without the scope, 422 for contract rules, 404 for an unknown target, 400 for bad input", async function () {
      const d = await registered({ holder: "AGENCY-TRANSPORT", classification: "Important" });
      await expectError(post(`/v1/datasets/${d.id}/transfer`, { to: "DONRE" }, gw.auth("DONRE")), 403, "NOT_HOLDER");
      await expectError(post(`/v1/datasets/${d.id}/transfer`, { to: "DONRE" }, gw.auth("BIZ-SOLAR")), 403, "MISSING_SCOPE");
      const restricted = await expectError(post(`/v1/datasets/${d.id}/transfer`, { to: "BIZ-SOLAR" }, gw.auth("AGENCY-TRANSPORT")), 422, "CONTRACT_RULE");
      expect(restricted.body.error.details.error).to.equal("DataAssetRegistryClassificationRestricted");
      const soulbound = await registered({ holder: "AGENCY-TRANSPORT", transferable: false });
      const locked = await expectError(post(`/v1/datasets/${soulbound.id}/transfer`, { to: "DONRE" }, gw.auth("AGENCY-TRANSPORT")), 422, "CONTRACT_RULE");
      expect(locked.body.error.details.error).to.equal("DataAssetRegistryLockedAsset");
      await expectError(post(`/v1/datasets/${d.id}/transfer`, { to: "NO-SUCH-ORG" }, gw.auth("AGENCY-TRANSPORT")), 404, "PARTICIPANT_NOT_FOUND");
      await expectError(post(`/v1/datasets/${d.id}/transfer`, { to: "DONRE", note: "x" }, gw.auth("AGENCY-TRANSPORT")), 400, "VALIDATION_FAILED");
      await expectError(post(`/v1/datasets/0x${"ee".repeat(32)}/transfer`, { to: "DONRE" }, gw.auth("AGENCY-TRANSPORT")), 404, "DATASET_NOT_FOUND");
    });

    it("422 when the receiver is suspended", async function () {
      const code = uniqueCode("AG");
      await request(gw.app).post("/v1/participants").set(gw.auth("CITY-ADMIN")).send({ code, name: "Agency", kind: "CityAgency" }).expect(201);
      await request(gw.app).post(`/v1/participants/${code}/suspend`).set(gw.auth("CITY-ADMIN")).send({ reason: "audit" }).expect(200);
      const d = await registered({ holder: "AGENCY-TRANSPORT" });
      const res = await expectError(post(`/v1/datasets/${d.id}/transfer`, { to: code }, gw.auth("AGENCY-TRANSPORT")), 422, "CONTRACT_RULE");
      expect(res.body.error.details).to.deep.include({
        error: "DataAssetRegistryInactiveParticipant",
        args: { account: gw.services.participants.find(code)!.address },
      });
    });
  });

  describe("POST /v1/datasets/{id}/status", function () {
    it("deprecates, reactivates and revokes; Revoked is final (409)", async function () {
      const d = await registered();
      await post(`/v1/datasets/${d.id}/status`, { status: "Deprecated", reason: "stale" }).expect(200);
      const again = await expectError(post(`/v1/datasets/${d.id}/status`, { status: "Deprecated", reason: "stale" }), 409, "CHAIN_STATE_CONFLICT");
      expect(again.body.error.details.args).to.include({ current: "Deprecated", requested: "Deprecated" });
      const revoked = await post(`/v1/datasets/${d.id}/status`, { status: "Revoked", reason: "wrong data" }).expect(200);
      expect(revoked.body.result).to.deep.equal({ id: d.id, status: "Revoked", reason: "wrong data" });
      await expectError(post(`/v1/datasets/${d.id}/status`, { status: "Active", reason: "undo" }), 409, "CHAIN_STATE_CONFLICT");
    });

    it("400 for a bad status or missing reason; 404; 403", async function () {
      const d = await registered();
      await expectError(post(`/v1/datasets/${d.id}/status`, { status: "Gone", reason: "x" }), 400, "VALIDATION_FAILED");
      await expectError(post(`/v1/datasets/${d.id}/status`, { status: "Deprecated" }), 400, "VALIDATION_FAILED");
      await expectError(post(`/v1/datasets/0x${"ef".repeat(32)}/status`, { status: "Deprecated", reason: "x" }), 404, "DATASET_NOT_FOUND");
      await expectError(post(`/v1/datasets/${d.id}/status`, { status: "Deprecated", reason: "x" }, gw.auth("AUDITOR")), 403, "MISSING_SCOPE");
    });
  });

  describe("licences", function () {
    it("grants, shows, and revokes a usage licence", async function () {
      const d = await registered({ classification: "Other" });
      const termsHash = ethers.sha256(ethers.toUtf8Bytes("CC-BY-4.0"));
      const granted = await post(`/v1/datasets/${d.id}/licenses`, { organization: "BIZ-SOLAR", expiresAt: "2040-01-01T00:00:00Z", termsHash, terms: "CC-BY-4.0" }).expect(201);
      expect(granted.body.result).to.include({ organization: "BIZ-SOLAR", expiresAt: "2040-01-01T00:00:00.000Z" });
      const business = gw.services.participants.find("BIZ-SOLAR")!.address;
      expect(await gw.services.contracts.dataAssets.hasAccess(d.id, business)).to.equal(true);
      const shown = await request(gw.app).get(`/v1/datasets/${d.id}`).set(office()).expect(200);
      expect(shown.body.licenses).to.deep.equal([
        { organization: "BIZ-SOLAR", orgId: ethers.encodeBytes32String("BIZ-SOLAR"), expiresAt: "2040-01-01T00:00:00.000Z", termsHash, terms: "CC-BY-4.0" },
      ]);
      await request(gw.app).delete(`/v1/datasets/${d.id}/licenses/BIZ-SOLAR?reason=breach`).set(office()).expect(200);
      expect(await gw.services.contracts.dataAssets.hasAccess(d.id, business)).to.equal(false);
      const after = await request(gw.app).get(`/v1/datasets/${d.id}`).set(office()).expect(200);
      expect(after.body.licenses).to.deep.equal([]);
      const none = await expectError(request(gw.app).delete(`/v1/datasets/${d.id}/licenses/BIZ-SOLAR`).set(office()), 422, "CONTRACT_RULE");
      expect(none.body.error.details.error).to.equal("DataAssetRegistryNoLicense");
    });

    it("422 for an expiry already past or an unknown organisation; 400 for bad input; 403", async function () {
      const d = await registered({ classification: "Other" });
      const termsHash = ethers.sha256(ethers.toUtf8Bytes("terms"));
      const past = await expectError(post(`/v1/datasets/${d.id}/licenses`, { organization: "BIZ-SOLAR", expiresAt: "2001-01-01T00:00:00Z", termsHash, terms: "t" }), 422, "CONTRACT_RULE");
      expect(past.body.error.details.error).to.equal("DataAssetRegistryLicenseExpiryPassed");
      const unknown = await expectError(post(`/v1/datasets/${d.id}/licenses`, { organization: "NOBODY-1", termsHash, terms: "t" }), 422, "CONTRACT_RULE");
      expect(unknown.body.error.details).to.deep.include({ error: "DataAssetRegistryOrganizationNotActive" });
      await expectError(post(`/v1/datasets/${d.id}/licenses`, { organization: "BIZ-SOLAR", termsHash: "0x12", terms: "t" }), 400, "VALIDATION_FAILED");
      await expectError(post(`/v1/datasets/${d.id}/licenses`, { organization: "BIZ-SOLAR", termsHash, terms: "t", expiresAt: "soon" }), 400, "VALIDATION_FAILED");
      await expectError(post(`/v1/datasets/${d.id}/licenses`, { organization: "BIZ-SOLAR", termsHash, terms: "t" }, gw.auth("BIZ-SOLAR")), 403, "MISSING_SCOPE");
      await expectError(request(gw.app).delete(`/v1/datasets/${d.id}/licenses/BIZ-SOLAR?why=x`).set(office()), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).delete(`/v1/datasets/${d.id}/licenses/BIZ-SOLAR`).set(gw.auth("BIZ-SOLAR")), 403, "MISSING_SCOPE");
      await expectError(request(gw.app).delete(`/v1/datasets/0x${"aa".repeat(32)}/licenses/BIZ-SOLAR`).set(office()), 404, "DATASET_NOT_FOUND");
    });
  });

  describe("POST /v1/datasets/{id}/valuations", function () {
    it("records appraisals as a history; amounts travel as strings and may exceed 2^53", async function () {
      const d = await registered();
      const reportHash = ethers.sha256(ethers.toUtf8Bytes("report"));
      const amount = "123456789012345678901234567890";
      await post(`/v1/datasets/${d.id}/valuations`, { amountVnd: amount, valuationDate: "2025-06-30", method: "cost", appraiser: "SAV", reportHash }).expect(201);
      await post(`/v1/datasets/${d.id}/valuations`, { amountVnd: "5000000", valuationDate: "2025-07-01", method: "income", appraiser: "SAV", reportHash }).expect(201);
      const shown = await request(gw.app).get(`/v1/datasets/${d.id}`).set(office()).expect(200);
      expect(shown.body.valuations.map((v: { amountVnd: string }) => v.amountVnd)).to.deep.equal([amount, "5000000"]);
      expect(shown.body.valuations[0]).to.include({ valuationDate: "2025-06-30T00:00:00.000Z", method: "cost", appraiser: "SAV", reportHash });
    });

    it("400 for amounts that are not whole decimal strings or overflow uint256; 422 for zero or a future date", async function () {
      const d = await registered();
      const base = { valuationDate: "2025-06-30", method: "cost", appraiser: "SAV", reportHash: ethers.ZeroHash };
      for (const amountVnd of [(1n << 256n).toString(), "-1", "1.5", "1e6", "", "01", 1000]) {
        await expectError(post(`/v1/datasets/${d.id}/valuations`, { ...base, amountVnd }), 400, "VALIDATION_FAILED");
      }
      await post(`/v1/datasets/${d.id}/valuations`, { ...base, amountVnd: ((1n << 256n) - 1n).toString() }).expect(201);
      const zero = await expectError(post(`/v1/datasets/${d.id}/valuations`, { ...base, amountVnd: "0" }), 400, "VALIDATION_FAILED");
      expect(zero.body.error.details.issues[0]).to.include({ path: "amountVnd", message: "must be more than 0" });
      for (const valuationDate of ["2024-02-30", "2023-02-29", "1969-12-31"]) {
        await expectError(post(`/v1/datasets/${d.id}/valuations`, { ...base, valuationDate }), 400, "VALIDATION_FAILED");
      }
      const future = await expectError(post(`/v1/datasets/${d.id}/valuations`, { ...base, amountVnd: "1", valuationDate: "2099-01-01" }), 422, "CONTRACT_RULE");
      expect(future.body.error.details.error).to.equal("DataAssetRegistryInvalidValuationDate");
      await expectError(post(`/v1/datasets/${d.id}/valuations`, { ...base, amountVnd: "1", valuationDate: "2025-13-45" }), 400, "VALIDATION_FAILED");
      await expectError(post(`/v1/datasets/${d.id}/valuations`, { ...base, amountVnd: "1" }, gw.auth("AUDITOR")), 403, "MISSING_SCOPE");
    });
  });

  describe("POST /v1/datasets/verify", function () {
    it("checks an uploaded file: registered, by whom, when, which version", async function () {
      const d = await registered();
      const res = await request(gw.app).post("/v1/datasets/verify").set(gw.auth("AUDITOR")).set("content-type", "application/octet-stream").send(Buffer.from(d.file)).expect(200);
      expect(res.body).to.include({ sha256: d.sha, registered: true, version: 1, latestVersion: true });
      expect(res.body.registeredBy.organization).to.equal("DATA-OFFICE");
      expect(Date.parse(res.body.registeredAt)).to.be.greaterThan(0);
      expect(res.body.dataset.id).to.equal(d.id);
    });

    it("checks a hash; an unknown one is simply not registered; a tampered file is not either", async function () {
      const d = await registered();
      const res = await request(gw.app).post("/v1/datasets/verify").set(gw.auth("AUDITOR")).send({ sha256: d.sha }).expect(200);
      expect(res.body.registered).to.equal(true);
      const tampered = await request(gw.app).post("/v1/datasets/verify").set(gw.auth("AUDITOR")).set("content-type", "application/octet-stream").send(Buffer.from(d.file + " ")).expect(200);
      expect(tampered.body).to.deep.equal({ sha256: crypto.createHash("sha256").update(d.file + " ").digest("hex"), registered: false });
    });

    it("400 for an empty upload, a bad hash or unknown fields; 401", async function () {
      await expectError(request(gw.app).post("/v1/datasets/verify").set(gw.auth("AUDITOR")).set("content-type", "application/octet-stream").send(Buffer.alloc(0)), 400, "EMPTY_UPLOAD");
      await expectError(request(gw.app).post("/v1/datasets/verify").set(gw.auth("AUDITOR")).send({ sha256: "xyz" }), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).post("/v1/datasets/verify").set(gw.auth("AUDITOR")).send({ sha256: "ab".repeat(32), name: "x" }), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).post("/v1/datasets/verify").send({ sha256: "ab".repeat(32) }), 401, "UNAUTHENTICATED");
    });
  });
});

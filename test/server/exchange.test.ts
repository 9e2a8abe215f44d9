import crypto from "node:crypto";
import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { canonicalJson } from "../../server/util/canonical-json";
import { CarbonCalls } from "./helpers/carbon";
import { startTestGateway, type TestGateway } from "./helpers/gateway";
import { expectError } from "./helpers/http";

const POLICY = {
  "@context": "http://www.w3.org/ns/odrl.jsonld",
  "@type": "Offer",
  permission: [
    {
      action: "use",
      constraint: [{ leftOperand: "purpose", operator: "isAnyOf", rightOperand: ["research", "urban-planning"] }],
      duty: [{ action: "attribute", attributedParty: "Da Nang Department of Transport" }],
    },
    { action: "reproduce", constraint: [{ leftOperand: "dateTime", operator: "lteq", rightOperand: "2030-12-31" }] },
  ],
  prohibition: [{ action: "distribute" }],
} as const;
const HASH = `0x${crypto.createHash("sha256").update(canonicalJson(POLICY)).digest("hex")}`;
const PRICE = "2000000";

let seq = 0;

describe("data exchange API", function () {
  let gw: TestGateway;
  let api: CarbonCalls;
  before(async function () {
    gw = await startTestGateway();
    api = new CarbonCalls(gw);
    await api.mint("BIZ-LOGISTICS", "100000000");
  });
  after(async () => gw?.stop());

  const accountOf = (org: string) => gw.services.participants.find(org)!.address;
  const vnd = (org: string) => gw.services.contracts.settlement.balanceOf(accountOf(org));
  const allowance = (org: string) => gw.services.contracts.settlement.allowance(accountOf(org), gw.deployment.contracts.exchange.address);
  const submissions = (org: string, operation: string) =>
    (gw.db.prepare("SELECT COUNT(*) AS n FROM submissions WHERE org_code = ? AND operation = ?").get(org, operation) as { n: number }).n;

  /** A dataset registered by the data office for AGENCY-TRANSPORT; returns its id. */
  async function dataset(classification = "Other"): Promise<string> {
    const sha = crypto.createHash("sha256").update(`exchange-${Date.now()}-${seq++}`).digest("hex");
    const res = await api.post(
      "/v1/datasets",
      {
        contentHash: sha,
        metadataHash: ethers.sha256(ethers.toUtf8Bytes(sha)),
        holder: "AGENCY-TRANSPORT",
        classification,
        title: `Traffic counts ${sha.slice(0, 6)}`,
        uri: `https://opendata.danang.gov.vn/dataset/${sha.slice(0, 8)}.csv`,
      },
      "DATA-OFFICE",
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.result.id as string;
  }

  async function offer(datasetId: string, body: Record<string, unknown> = {}): Promise<string> {
    const res = await api.post(`/v1/datasets/${datasetId}/offers`, { priceVnd: PRICE, termDays: 30, policy: POLICY, ...body }, "AGENCY-TRANSPORT");
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.result.offerId as string;
  }

  describe("POST /v1/datasets/{id}/offers", function () {
    it("offers with the policy's canonical hash on chain; GET returns the policy, the list filters", async function () {
      const id = await dataset();
      const res = await api.post(`/v1/datasets/${id}/offers`, { priceVnd: PRICE, termDays: 30, policy: POLICY, maxLicences: 5 }, "AGENCY-TRANSPORT").expect(201);
      const offerId = res.body.result.offerId as string;
      expect(res.body.result).to.include({ offerer: "AGENCY-TRANSPORT", priceVnd: PRICE, termDays: 30, termsHash: HASH, maxLicences: 5, href: `/v1/offers/${offerId}` });
      expect((await gw.services.contracts.exchange.offerOf(offerId)).termsHash).to.equal(HASH);

      const got = await api.get(`/v1/offers/${offerId}`).expect(200);
      expect(got.body).to.deep.include({ id: offerId, datasetId: id, priceVnd: PRICE, termDays: 30, termsHash: HASH, sold: 0, maxLicences: 5, status: "Open", allowed: [] });
      expect(got.body.policy).to.deep.equal(POLICY);
      expect(got.body.offerer.organization).to.equal("AGENCY-TRANSPORT");

      const listed = await api.get(`/v1/offers?dataset=${id}&holder=AGENCY-TRANSPORT&open=true`).expect(200);
      expect(listed.body.items.map((o: { id: string }) => o.id)).to.deep.equal([offerId]);
      const closed = await api.get(`/v1/offers?dataset=${id}&open=false`).expect(200);
      expect(closed.body.items).to.deep.equal([]);
      const byOther = await api.get(`/v1/offers?holder=BIZ-SOLAR`).expect(200);
      expect(byOther.body.items).to.deep.equal([]);
    });

    it("400 for a policy outside the ODRL subset or ambiguous terms; 403 for a non-holder; 422 for Important data without an allow-list; 404", async function () {
      const id = await dataset();
      const post = (body: Record<string, unknown>, org = "AGENCY-TRANSPORT") =>
        api.post(`/v1/datasets/${id}/offers`, { priceVnd: PRICE, termDays: 30, policy: POLICY, ...body }, org);
      await expectError(post({ policy: { ...POLICY, permission: [{ action: "sell" }] } }), 400, "VALIDATION_FAILED");
      await expectError(post({ policy: { ...POLICY, permission: [] } }), 400, "VALIDATION_FAILED");
      await expectError(
        post({ policy: { ...POLICY, permission: [{ action: "use", constraint: [{ leftOperand: "dateTime", operator: "lt", rightOperand: "someday" }] }] } }),
        400,
        "VALIDATION_FAILED",
      );
      await expectError(post({ licenceEndsAt: "2030-01-01" }), 400, "VALIDATION_FAILED");
      await expectError(post({ termDays: 0 }), 400, "VALIDATION_FAILED");
      await expectError(post({ priceVnd: "-1" }), 400, "VALIDATION_FAILED");
      await expectError(post({ expiresAt: "2025-13-01" }), 400, "VALIDATION_FAILED");
      const zero = await expectError(post({ priceVnd: "0" }), 422, "CONTRACT_RULE");
      expect(zero.body.error.details.error).to.equal("DataExchangeZeroPrice");
      const stranger = await expectError(post({}, "BIZ-SOLAR"), 403, "CHAIN_UNAUTHORIZED");
      expect(stranger.body.error.details).to.deep.include({ error: "DataExchangeNotHolder", args: { datasetId: BigInt(id).toString(), account: accountOf("BIZ-SOLAR") } });
      const important = await dataset("Important");
      const noList = await expectError(
        api.post(`/v1/datasets/${important}/offers`, { priceVnd: PRICE, termDays: 30, policy: POLICY }, "AGENCY-TRANSPORT"),
        422,
        "CONTRACT_RULE",
      );
      expect(noList.body.error.details.error).to.equal("DataExchangeAllowListRequired");
      await expectError(
        api.post(`/v1/datasets/0x${"77".repeat(32)}/offers`, { priceVnd: PRICE, termDays: 30, policy: POLICY }, "AGENCY-TRANSPORT"),
        404,
        "NOT_FOUND_ON_CHAIN",
      );
      await expectError(api.post(`/v1/datasets/${id}/offers`, { priceVnd: PRICE, termDays: 30, policy: POLICY }, "AUDITOR"), 403, "MISSING_SCOPE");
      expect(submissions("AGENCY-TRANSPORT", "exchange.offer")).to.be.greaterThan(0);
    });
  });

  describe("POST /v1/offers/{id}/purchase", function () {
    it("pays the holder and grants the licence in one transaction, approving exactly the price with it", async function () {
      const id = await dataset();
      const offerId = await offer(id);
      const [buyerBefore, holderBefore] = await Promise.all([vnd("BIZ-LOGISTICS"), vnd("AGENCY-TRANSPORT")]);
      const res = await api.post(`/v1/offers/${offerId}/purchase`, { maxPrice: PRICE }, "BIZ-LOGISTICS").expect(200);
      expect(res.body.result).to.include({ offerId, buyer: "BIZ-LOGISTICS", price: PRICE, fee: "0", datasetId: id, holder: accountOf("AGENCY-TRANSPORT"), previousExpiresAt: null });
      expect(await vnd("BIZ-LOGISTICS")).to.equal(buyerBefore - BigInt(PRICE));
      expect(await vnd("AGENCY-TRANSPORT")).to.equal(holderBefore + BigInt(PRICE));
      expect(await allowance("BIZ-LOGISTICS")).to.equal(0n);
      expect(await gw.services.contracts.dataAssets.hasAccess(id, accountOf("BIZ-LOGISTICS"))).to.equal(true);
      const got = await api.get(`/v1/offers/${offerId}`).expect(200);
      expect(got.body.sold).to.equal(1);
      const bought = (await api.get("/v1/accounts/BIZ-LOGISTICS/balances").expect(200)).body;
      expect(bought.licencesBought.filter((l: { offerId: string }) => l.offerId === offerId)).to.deep.equal([
        { offerId, datasetId: id, priceVnd: PRICE, expiresAt: res.body.result.expiresAt, transactionHash: res.body.transaction.hash, href: `/v1/offers/${offerId}` },
      ]);
      const earned = (await api.get("/v1/accounts/AGENCY-TRANSPORT/balances").expect(200)).body;
      expect(BigInt(earned.vnd.earnedFromData)).to.be.at.least(BigInt(PRICE));

      const history = await api.get(`/v1/audit/events?dataset=${id}`).expect(200);
      const names = history.body.items.map((e: { contract: string; event: string }) => `${e.contract}.${e.event}`);
      expect(names).to.include.members(["DataExchange.OfferCreated", "DataExchange.LicensePurchased", "DataAssetRegistry.LicenseGranted"]);

      // A second purchase extends the licence instead of granting another.
      const again = await api.post(`/v1/offers/${offerId}/purchase`, { maxPrice: PRICE }, "BIZ-LOGISTICS").expect(200);
      expect(again.body.result.previousExpiresAt).to.equal(res.body.result.expiresAt);
    });

    it("concurrent purchases by one buyer with an allowance standing each send their own exact approval: all succeed", async function () {
      // An allowance already there (left by an own-key prerequisite, or seen while another purchase's approval is
      // mined and its purchase not yet) must not be taken as this purchase's: another purchase would consume it
      // first and this one revert on chain.
      const offers = await Promise.all([1, 2, 3].map(async () => offer(await dataset())));
      const { settlement } = gw.services.contracts;
      const wallet = await gw.services.participants.walletOf("BIZ-LOGISTICS");
      const approve = { to: await settlement.getAddress(), data: settlement.interface.encodeFunctionData("approve", [gw.deployment.contracts.exchange.address, BigInt(PRICE)]) };
      const standing = await gw.services.stack.pipeline.submit({ orgCode: "BIZ-LOGISTICS", wallet, operation: "exchange.approve", params: {}, calls: [approve] });
      expect(standing.deferred).to.equal(false);
      expect(await gw.services.stack.tracker.drain(10_000)).to.equal(true);
      expect(await allowance("BIZ-LOGISTICS")).to.equal(BigInt(PRICE));
      const results = await Promise.all(offers.map((offerId) => api.post(`/v1/offers/${offerId}/purchase`, { maxPrice: PRICE }, "BIZ-LOGISTICS")));
      for (const res of results) expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(await allowance("BIZ-LOGISTICS")).to.equal(0n);
      for (const offerId of offers) expect((await api.get(`/v1/offers/${offerId}`).expect(200)).body.sold).to.equal(1);
    });

    it("refuses a price above maxPrice, a buyer off the allow-list, a sold-out or expired offer, leaving no approval", async function () {
      const id = await dataset();
      const offerId = await offer(id, { maxLicences: 1, allowed: ["BIZ-LOGISTICS", "BIZ-SOLAR"] });
      const before = submissions("BIZ-LOGISTICS", "exchange.purchase");
      const over = await expectError(api.post(`/v1/offers/${offerId}/purchase`, { maxPrice: "1999999" }, "BIZ-LOGISTICS"), 422, "CONTRACT_RULE");
      expect(over.body.error.details).to.deep.include({ error: "DataExchangePriceAboveMax", args: { price: PRICE, maxPrice: "1999999" } });
      expect(await allowance("BIZ-LOGISTICS")).to.equal(0n);
      expect(submissions("BIZ-LOGISTICS", "exchange.purchase")).to.equal(before);

      await api.mint("AGENCY-TRANSPORT", "10");
      const other = await dataset();
      const restricted = await offer(other, { allowed: ["BIZ-SOLAR"] });
      const notAllowed = await expectError(api.post(`/v1/offers/${restricted}/purchase`, { maxPrice: PRICE }, "BIZ-LOGISTICS"), 422, "CONTRACT_RULE");
      expect(notAllowed.body.error.details).to.deep.include({ error: "DataExchangeNotAllowed", args: { offerId: restricted, orgId: ethers.encodeBytes32String("BIZ-LOGISTICS") } });

      const poor = await expectError(api.post(`/v1/offers/${offerId}/purchase`, { maxPrice: PRICE }, "BIZ-SOLAR"), 422, "CONTRACT_RULE");
      expect(poor.body.error.details.error).to.equal("ERC20InsufficientBalance");
      expect(await allowance("BIZ-SOLAR")).to.equal(0n);

      await api.post(`/v1/offers/${offerId}/purchase`, { maxPrice: PRICE }, "BIZ-LOGISTICS").expect(200);
      await api.mint("BIZ-SOLAR", PRICE);
      const soldOut = await expectError(api.post(`/v1/offers/${offerId}/purchase`, { maxPrice: PRICE }, "BIZ-SOLAR"), 409, "CHAIN_STATE_CONFLICT");
      expect(soldOut.body.error.details).to.deep.include({ error: "DataExchangeSoldOut", args: { offerId, maxLicences: "1" } });
      expect(await allowance("BIZ-SOLAR")).to.equal(0n);
      expect((await api.get(`/v1/offers/${offerId}`).expect(200)).body.status).to.equal("SoldOut");

      const latest = (await ethers.provider.getBlock("latest"))!.timestamp;
      const expiring = await offer(await dataset(), { expiresAt: new Date((latest + 5) * 1000).toISOString() });
      await ethers.provider.send("evm_increaseTime", [10]);
      await ethers.provider.send("evm_mine", []);
      const expired = await expectError(api.post(`/v1/offers/${expiring}/purchase`, { maxPrice: PRICE }, "BIZ-LOGISTICS"), 409, "CHAIN_STATE_CONFLICT");
      expect(expired.body.error.details.error).to.equal("DataExchangeOfferExpired");
      expect((await api.get(`/v1/offers/${expiring}`).expect(200)).body.status).to.equal("Expired");

      await expectError(api.post(`/v1/offers/999999/purchase`, { maxPrice: PRICE }, "BIZ-LOGISTICS"), 404, "NOT_FOUND_ON_CHAIN");
      await expectError(api.post(`/v1/offers/1/purchase`, { maxPrice: "x" }, "BIZ-LOGISTICS"), 400, "VALIDATION_FAILED");
      await expectError(api.post(`/v1/offers/1/purchase`, { maxPrice: PRICE }, "VVB-1"), 403, "MISSING_SCOPE");
    });
  });

  describe("DELETE /v1/offers/{id}", function () {
    it("lets only the offerer cancel; a purchase after is 409", async function () {
      const offerId = await offer(await dataset());
      const notOfferer = await expectError(api.del(`/v1/offers/${offerId}`, "BIZ-SOLAR"), 403, "CHAIN_UNAUTHORIZED");
      expect(notOfferer.body.error.details.error).to.equal("DataExchangeNotOfferer");
      const res = await api.del(`/v1/offers/${offerId}`, "AGENCY-TRANSPORT").expect(200);
      expect(res.body.result).to.include({ offerId, status: "Cancelled" });
      const closed = await expectError(api.post(`/v1/offers/${offerId}/purchase`, { maxPrice: PRICE }, "BIZ-LOGISTICS"), 409, "CHAIN_STATE_CONFLICT");
      expect(closed.body.error.details.error).to.equal("DataExchangeOfferClosed");
      expect((await api.get(`/v1/offers/${offerId}`).expect(200)).body.status).to.equal("Cancelled");
      await expectError(api.del(`/v1/offers/${offerId}`, "AGENCY-TRANSPORT"), 409, "CHAIN_STATE_CONFLICT");
    });
  });

  describe("GET /v1/offers", function () {
    it("404 for an unknown offer; 400 for bad filters", async function () {
      await expectError(api.get(`/v1/offers/424242`), 404, "OFFER_NOT_FOUND");
      await expectError(api.get(`/v1/offers/abc`), 400, "VALIDATION_FAILED");
      await expectError(api.get(`/v1/offers?open=maybe`), 400, "VALIDATION_FAILED");
      await expectError(api.get(`/v1/offers?cursor=!!`), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get(`/v1/offers`), 401, "UNAUTHENTICATED");
    });
  });

  describe("GET /v1/licenses", function () {
    it("lists the caller's licences (bought or granted) with expiry and title; another organisation's by name; inForce drops revoked ones", async function () {
      await api.mint("BIZ-SOLAR", PRICE);
      const id = await dataset();
      const offerId = await offer(id);
      const bought = await api.post(`/v1/offers/${offerId}/purchase`, { maxPrice: PRICE }, "BIZ-SOLAR").expect(200);
      const granted = await dataset();
      await api.post(`/v1/datasets/${granted}/licenses`, { organization: "BIZ-SOLAR", terms: "open data licence", termsHash: ethers.id("open data licence") }, "DATA-OFFICE").expect(201);

      const all: { datasetId: string }[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: { datasetId: string }[]; nextCursor: string | null } } = await api.get(`/v1/licenses?limit=1${cursor ? `&cursor=${cursor}` : ""}`, "BIZ-SOLAR").expect(200);
        expect(res.body.items.length).to.be.at.most(1);
        all.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      const mine = all.find((l) => l.datasetId === id);
      expect(mine).to.deep.include({ organization: "BIZ-SOLAR", expiresAt: bought.body.result.expiresAt, inForce: true, revoked: false, termsHash: HASH });
      expect((mine as unknown as { title: string }).title).to.match(/^Traffic counts /);
      expect(all.map((l) => l.datasetId)).to.include(granted);
      expect(all.map((l) => l.datasetId).indexOf(id)).to.be.lessThan(all.map((l) => l.datasetId).indexOf(granted));

      const byName = await api.get(`/v1/licenses?organization=BIZ-SOLAR&limit=200`, "AUDITOR").expect(200);
      expect(byName.body.items.map((l: { datasetId: string }) => l.datasetId)).to.include.members([id, granted]);
      expect((await api.get(`/v1/licenses?limit=200`, "AUDITOR").expect(200)).body.items.map((l: { datasetId: string }) => l.datasetId)).to.not.include(id);

      await api.del(`/v1/datasets/${granted}/licenses/BIZ-SOLAR?reason=ended`, "DATA-OFFICE").expect(200);
      const inForce = (await api.get(`/v1/licenses?inForce=true&limit=200`, "BIZ-SOLAR").expect(200)).body.items.map((l: { datasetId: string }) => l.datasetId);
      expect(inForce).to.include(id).and.not.include(granted);
      const revoked = (await api.get(`/v1/licenses?limit=200`, "BIZ-SOLAR").expect(200)).body.items.find((l: { datasetId: string }) => l.datasetId === granted);
      expect(revoked).to.include({ revoked: true, inForce: false });

      await expectError(api.get(`/v1/licenses?organization=NO-SUCH-ORG`, "BIZ-SOLAR"), 404, "PARTICIPANT_NOT_FOUND");
      await expectError(api.get(`/v1/licenses?inForce=false`, "BIZ-SOLAR"), 400, "VALIDATION_FAILED");
      await expectError(api.get(`/v1/licenses?cursor=!!`, "BIZ-SOLAR"), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get(`/v1/licenses`), 401, "UNAUTHENTICATED");
    });
  });

  describe("POST /v1/policies/verify", function () {
    it("checks a document against a hash without authentication, naming the offers that carry it", async function () {
      const offerId = await offer(await dataset());
      const ok = await request(gw.app).post("/v1/policies/verify").send({ policy: POLICY, termsHash: HASH }).expect(200);
      expect(ok.body).to.deep.include({ matches: true, valid: true, computedHash: HASH, issues: [] });
      expect(ok.body.offers).to.include(offerId);
      // Key order does not matter (canonical JSON); content does.
      const reordered = { prohibition: POLICY.prohibition, permission: POLICY.permission, "@type": "Offer", "@context": POLICY["@context"] };
      expect((await request(gw.app).post("/v1/policies/verify").send({ policy: reordered, termsHash: HASH }).expect(200)).body.matches).to.equal(true);
      const changed = await request(gw.app).post("/v1/policies/verify").send({ policy: { ...POLICY, prohibition: [] }, termsHash: HASH }).expect(200);
      expect(changed.body).to.deep.include({ matches: false, valid: true });
      expect(changed.body.computedHash).to.not.equal(HASH);
      const invalid = await request(gw.app).post("/v1/policies/verify").send({ policy: { foo: 1 }, termsHash: HASH }).expect(200);
      expect(invalid.body.valid).to.equal(false);
      expect(invalid.body.issues.length).to.be.greaterThan(0);
      await expectError(request(gw.app).post("/v1/policies/verify").send({ policy: POLICY, termsHash: "0x12" }), 400, "VALIDATION_FAILED");
    });
  });
});

import { expect } from "chai";
import { MaxUint256, Transaction } from "ethers";
import { ethers } from "hardhat";
import request from "supertest";
import { CarbonCalls, claim } from "./helpers/carbon";
import { startTestGateway, type TestGateway } from "./helpers/gateway";
import { expectError } from "./helpers/http";

describe("market and settlement API", function () {
  let gw: TestGateway;
  let api: CarbonCalls;
  before(async function () {
    gw = await startTestGateway();
    api = new CarbonCalls(gw);
    await api.mint("BIZ-LOGISTICS", "1000000000");
  });
  after(async () => gw?.stop());

  const accountOf = (org: string) => gw.services.participants.find(org)!.address;
  const vndOf = async (org: string) => (await api.balances(org)).vnd.balance;
  /** Market approvals (credits: setApprovalForAll; vnd: approve) the gateway signed for the organisation, sent or not. */
  const approvalsSigned = (org: string, kind: "credits" | "vnd") => {
    const { carbon, settlement } = gw.services.contracts;
    const [to, selector] =
      kind === "credits"
        ? [gw.deployment.contracts.carbon.address, carbon.interface.getFunction("setApprovalForAll").selector]
        : [gw.deployment.contracts.settlement.address, settlement.interface.getFunction("approve").selector];
    const rows = gw.db.prepare("SELECT raw FROM outbox WHERE signer = ?").all(accountOf(org)) as { raw: string }[];
    return rows.map((r) => Transaction.from(r.raw)).filter((tx) => tx.to === to && tx.data.startsWith(selector)).length;
  };
  const list = async (body: Record<string, unknown>, org = "BIZ-SOLAR") => {
    const res = await api.post("/v1/market/listings", body, org);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.result.listingId as string;
  };
  const latestTime = async () => (await ethers.provider.getBlock("latest"))!.timestamp;

  describe("POST /v1/settlement/mint and /burn", function () {
    it("the treasury mints against a deposit and burns against a withdrawal; balances follow", async function () {
      const org = await api.newOrg("Business");
      const minted = await api.post("/v1/settlement/mint", { to: org.code, amount: "5000000", reference: "DEP-2025-0001" }, "TREASURY").expect(201);
      expect(minted.body.result).to.deep.equal({ to: org.code, amount: "5000000", reference: "DEP-2025-0001", ref: ethers.encodeBytes32String("DEP-2025-0001") });
      expect((await ethers.provider.getTransaction(minted.body.transaction.hash))!.from).to.equal(accountOf("TREASURY"));
      const ref = `0x${"ab".repeat(32)}`;
      const notHandedIn = await expectError(api.post("/v1/settlement/burn", { from: org.code, amount: "1500000", reference: ref }, "TREASURY"), 422, "CONTRACT_RULE");
      expect(notHandedIn.body.error.details).to.deep.include({ error: "SettlementTokenBurnNotHandedIn", args: { from: org.address } });
      expect(await vndOf(org.code)).to.equal("5000000");
      await api.mint("TREASURY", "1500000"); // VND the treasury holds, as if handed in by a holder
      const treasuryBefore = await gw.services.contracts.settlement.balanceOf(accountOf("TREASURY"));
      const burned = await api.post("/v1/settlement/burn", { from: "TREASURY", amount: "1500000", reference: ref }, "TREASURY").expect(200);
      expect(burned.body.result).to.deep.equal({ from: "TREASURY", amount: "1500000", reference: ref, ref });
      expect(await gw.services.contracts.settlement.balanceOf(accountOf("TREASURY"))).to.equal(treasuryBefore - 1_500_000n);
      expect(await vndOf(org.code)).to.equal("5000000");
    });

    it("403 for anyone but the treasury; 422 for zero, more than the balance or an inactive receiver; 400 for overflow; 404", async function () {
      await expectError(api.post("/v1/settlement/mint", { to: "BIZ-SOLAR", amount: "1", reference: "r" }, "BIZ-SOLAR"), 403, "MISSING_SCOPE");
      await expectError(api.post("/v1/settlement/burn", { from: "BIZ-SOLAR", amount: "1", reference: "r" }, "DONRE"), 403, "MISSING_SCOPE");
      const zero = await expectError(api.post("/v1/settlement/mint", { to: "BIZ-SOLAR", amount: "0", reference: "r" }, "TREASURY"), 400, "VALIDATION_FAILED");
      expect(zero.body.error.details.issues[0]).to.include({ path: "amount", message: "must be more than 0" });
      const org = await api.newOrg("Business");
      await api.mint(org.code, "10");
      const held = await gw.services.contracts.settlement.balanceOf(accountOf("TREASURY"));
      const over = await expectError(api.post("/v1/settlement/burn", { from: "TREASURY", amount: (held + 1n).toString(), reference: "r" }, "TREASURY"), 422, "CONTRACT_RULE");
      expect(over.body.error.details).to.deep.include({ error: "ERC20InsufficientBalance", args: { sender: accountOf("TREASURY"), balance: held.toString(), needed: (held + 1n).toString() } });
      await api.suspend(org.code);
      const inactive = await expectError(api.post("/v1/settlement/mint", { to: org.code, amount: "1", reference: "r" }, "TREASURY"), 422, "CONTRACT_RULE");
      expect(inactive.body.error.details).to.deep.include({ error: "SettlementTokenInactiveParticipant", args: { account: org.address } });
      await expectError(api.post("/v1/settlement/mint", { to: "BIZ-SOLAR", amount: (1n << 256n).toString(), reference: "r" }, "TREASURY"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/settlement/mint", { to: "BIZ-SOLAR", amount: "1", reference: "x".repeat(32) }, "TREASURY"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/settlement/mint", { to: "BIZ-SOLAR", amount: "1" }, "TREASURY"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/settlement/mint", { to: "NO-SUCH-ORG", amount: "1", reference: "r" }, "TREASURY"), 404, "PARTICIPANT_NOT_FOUND");
    });
  });

  describe("POST /v1/market/listings", function () {
    it("lists into escrow (after the seller's one-time approval); GET shows it, alone and in the filtered list", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "1000");
      expect(approvalsSigned("BIZ-SOLAR", "credits"), "BIZ-SOLAR has not listed yet").to.equal(0);
      const res = await api.post("/v1/market/listings", { batchId, amount: "400", unitPrice: "250000", minFill: "10" }, "BIZ-SOLAR").expect(201);
      const id = res.body.result.listingId;
      expect(res.body.result).to.include({ seller: "BIZ-SOLAR", batchId, amount: "400", unitPrice: "250000", minFill: "10", expiresAt: null, buyer: null, href: `/v1/market/listings/${id}` });
      expect(await gw.services.contracts.carbon.isApprovedForAll(accountOf("BIZ-SOLAR"), gw.deployment.contracts.market.address)).to.equal(true);
      expect(approvalsSigned("BIZ-SOLAR", "credits")).to.equal(1);
      // The approval went in the listing's own submission, before the listing.
      expect(res.body.transaction.chainTransactions).to.have.length(2);
      expect(await api.held("BIZ-SOLAR", batchId)).to.deep.equal({ held: "600", listed: "400", retired: "0" });

      const shown = await api.get(`/v1/market/listings/${id}`, "BIZ-LOGISTICS").expect(200);
      expect(shown.body).to.deep.include({ id, batchId, amount: "400", remaining: "400", filled: "0", unitPrice: "250000", minFill: "10", expiresAt: null, buyer: null, status: "Open" });
      expect(shown.body.seller).to.deep.equal({ address: accountOf("BIZ-SOLAR"), organization: "BIZ-SOLAR" });
      expect(shown.body.listed.transactionHash).to.equal(res.body.transaction.hash);

      // A second listing needs no new approval.
      const second = await list({ batchId, amount: "100", unitPrice: "300000" });
      expect(approvalsSigned("BIZ-SOLAR", "credits")).to.equal(1);
      const page = await api.get(`/v1/market/listings?batchId=${batchId}&limit=1`).expect(200);
      expect(page.body.items.map((l: { id: string }) => l.id)).to.deep.equal([id]);
      const next = await api.get(`/v1/market/listings?batchId=${batchId}&limit=1&cursor=${page.body.nextCursor}`).expect(200);
      expect(next.body.items.map((l: { id: string }) => l.id)).to.deep.equal([second]);
      expect(next.body.nextCursor).to.equal(null);
      const bySeller = await api.get(`/v1/market/listings?seller=BIZ-SOLAR&status=Open&limit=200`).expect(200);
      expect(bySeller.body.items.map((l: { id: string }) => l.id)).to.include.members([id, second]);
      const none = await api.get(`/v1/market/listings?seller=BIZ-LOGISTICS&batchId=${batchId}`).expect(200);
      expect(none.body.items).to.deep.equal([]);
    });

    it("409 for a frozen batch; 422 for more than the balance, zero price, a past expiry, a self-reserved listing; 403; 400", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "50");
      const over = await expectError(api.post("/v1/market/listings", { batchId, amount: "51", unitPrice: "1" }, "BIZ-SOLAR"), 422, "CONTRACT_RULE");
      expect(over.body.error.details).to.deep.include({ error: "ERC1155InsufficientBalance" });
      const price = await expectError(api.post("/v1/market/listings", { batchId, amount: "1", unitPrice: "0" }, "BIZ-SOLAR"), 422, "CONTRACT_RULE");
      expect(price.body.error.details.error).to.equal("CarbonMarketZeroPrice");
      const past = await expectError(api.post("/v1/market/listings", { batchId, amount: "1", unitPrice: "1", expiresAt: "2020-01-01" }, "BIZ-SOLAR"), 422, "CONTRACT_RULE");
      expect(past.body.error.details).to.deep.include({ error: "CarbonMarketInvalidExpiry", args: { expiry: String(Date.parse("2020-01-01T00:00:00Z") / 1000) } });
      const self = await expectError(api.post("/v1/market/listings", { batchId, amount: "1", unitPrice: "1", buyer: "BIZ-SOLAR" }, "BIZ-SOLAR"), 422, "CONTRACT_RULE");
      expect(self.body.error.details).to.deep.include({ error: "CarbonMarketSelfTrade", args: { account: accountOf("BIZ-SOLAR") } });
      const minFill = await expectError(api.post("/v1/market/listings", { batchId, amount: "5", unitPrice: "1", minFill: "6" }, "BIZ-SOLAR"), 422, "CONTRACT_RULE");
      expect(minFill.body.error.details).to.deep.include({ error: "CarbonMarketInvalidMinFill", args: { minFill: "6", amount: "5" } });
      await api.post(`/v1/carbon/batches/${batchId}/freeze`, { reason: "review" }, "DONRE").expect(200);
      const frozen = await expectError(api.post("/v1/market/listings", { batchId, amount: "1", unitPrice: "1" }, "BIZ-SOLAR"), 409, "CHAIN_STATE_CONFLICT");
      expect(frozen.body.error.details).to.deep.include({ error: "CarbonCreditRegistryBatchFrozen", args: { batchId } });
      await expectError(api.post("/v1/market/listings", { batchId, amount: "1", unitPrice: "1" }, "VVB-1"), 403, "MISSING_SCOPE");
      await expectError(api.post("/v1/market/listings", { batchId, amount: "1", unitPrice: "1e3" }, "BIZ-SOLAR"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/market/listings", { batchId, amount: "1", unitPrice: "1", expiresAt: "tomorrow" }, "BIZ-SOLAR"), 400, "VALIDATION_FAILED");
      await expectError(api.post("/v1/market/listings", { batchId, amount: "1", unitPrice: "1", buyer: "NO-SUCH-ORG" }, "BIZ-SOLAR"), 404, "PARTICIPANT_NOT_FOUND");
    });
  });

  describe("POST /v1/market/listings/{id}/fill", function () {
    it("buys part of a listing: credits and VND swap in one transaction; the trade is recorded", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "500");
      const id = await list({ batchId, amount: "300", unitPrice: "200000" });
      const [buyerVnd, sellerVnd] = [BigInt(await vndOf("BIZ-LOGISTICS")), BigInt(await vndOf("BIZ-SOLAR"))];
      const res = await api.post(`/v1/market/listings/${id}/fill`, { amount: "120", maxCost: "24000000" }, "BIZ-LOGISTICS").expect(200);
      expect(res.body.result).to.deep.include({ listingId: id, buyer: "BIZ-LOGISTICS", amount: "120", batchId, unitPrice: "200000", cost: "24000000", fee: "0", retirement: null });
      // BIZ-LOGISTICS's first purchase: the market's approval and the fill, in that order, in one submission.
      const [approval, fill] = res.body.transaction.chainTransactions as { hash: string }[];
      expect((await ethers.provider.getTransaction(approval.hash))!.data.slice(0, 10)).to.equal(gw.services.contracts.settlement.interface.getFunction("approve").selector);
      expect(fill.hash).to.equal(res.body.transaction.hash);
      // The action log's entry names both transactions of the submission, the approval included (issue 11).
      const [entry] = gw.services.stack.repos.actionLog.bySubmission(res.body.transaction.id);
      expect(entry.txHashes).to.deep.equal([approval.hash, fill.hash]);
      expect(BigInt(await vndOf("BIZ-LOGISTICS"))).to.equal(buyerVnd - 24_000_000n);
      expect(BigInt(await vndOf("BIZ-SOLAR"))).to.equal(sellerVnd + 24_000_000n);
      expect(await api.held("BIZ-LOGISTICS", batchId)).to.deep.equal({ held: "120", listed: "0", retired: "0" });
      expect(await api.held("BIZ-SOLAR", batchId)).to.deep.equal({ held: "200", listed: "180", retired: "0" });
      const listing = await api.get(`/v1/market/listings/${id}`).expect(200);
      expect(listing.body).to.include({ remaining: "180", filled: "120", status: "Open" });

      const trades = await api.get(`/v1/market/trades?listingId=${id}`).expect(200);
      expect(trades.body.items).to.have.length(1);
      expect(trades.body.items[0]).to.deep.include({ listingId: id, batchId, amount: "120", unitPrice: "200000", cost: "24000000", fee: "0" });
      expect(trades.body.items[0].buyer.organization).to.equal("BIZ-LOGISTICS");
      expect(trades.body.items[0].seller.organization).to.equal("BIZ-SOLAR");
      expect(trades.body.items[0].transaction.transactionHash).to.equal(res.body.transaction.hash);

      // Buying the rest closes it as Filled; the trade list pages by block:logIndex.
      await api.post(`/v1/market/listings/${id}/fill`, { amount: "180", maxCost: "36000000" }, "BIZ-LOGISTICS").expect(200);
      expect((await api.get(`/v1/market/listings/${id}`).expect(200)).body).to.include({ remaining: "0", filled: "300", status: "Filled" });
      const first = await api.get(`/v1/market/trades?batchId=${batchId}&limit=1`).expect(200);
      const rest = await api.get(`/v1/market/trades?batchId=${batchId}&limit=1&cursor=${first.body.nextCursor}`).expect(200);
      expect([first.body.items[0].amount, rest.body.items[0].amount]).to.deep.equal(["120", "180"]);
      expect(rest.body.nextCursor).to.equal(null);
      const byBuyer = await api.get(`/v1/market/trades?buyer=BIZ-LOGISTICS&seller=BIZ-SOLAR&limit=200`).expect(200);
      expect(byBuyer.body.items.length).to.be.at.least(2);
    });

    it("retires on purchase: the certificate names the buyer as holder; the credits never reach the buyer's wallet", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "100");
      const id = await list({ batchId, amount: "100", unitPrice: "1000" });
      const res = await api
        .post(`/v1/market/listings/${id}/fill`, { amount: "40", maxCost: "40000", retire: claim({ reason: "Net-zero shipping 2025" }) }, "BIZ-LOGISTICS")
        .expect(200);
      const retirement = res.body.result.retirement;
      expect(retirement.href).to.equal(`/v1/carbon/retirements/${retirement.id}`);
      expect(res.body.result.retireOnPurchase).to.deep.include({ reason: "Net-zero shipping 2025" });
      const cert = await api.get(retirement.href).expect(200);
      expect(cert.body).to.deep.include({ batchId, amount: "40", reason: "Net-zero shipping 2025", serials: { first: retirement.serialFirst, last: retirement.serialLast } });
      expect(cert.body.holder).to.deep.equal({ address: accountOf("BIZ-LOGISTICS"), organization: "BIZ-LOGISTICS" });
      expect(cert.body.transaction.transactionHash).to.equal(res.body.transaction.hash);
      expect(await api.held("BIZ-LOGISTICS", batchId)).to.deep.equal({ held: "0", listed: "0", retired: "40" });
      const batch = (await api.get(`/v1/carbon/batches/${batchId}`).expect(200)).body;
      expect(batch.supply).to.deep.equal({ issued: "100", circulating: "60", retired: "40", cancelled: "0" });
    });

    it("a buyer's first purchase approves the market once (after the fill was checked); later ones do not", async function () {
      const buyer = await api.newOrg("Business");
      await api.mint(buyer.code, "100000");
      const batchId = await api.batch("BIZ-SOLAR", "20");
      const id = await list({ batchId, amount: "20", unitPrice: "1000" });
      const fill = (body: object) => request(gw.app).post(`/v1/market/listings/${id}/fill`).set(buyer.auth).send(body);
      // A rule the fill breaks is answered before anything is approved.
      const tooDear = await expectError(fill({ amount: "5", maxCost: "4999" }), 422, "CONTRACT_RULE");
      expect(tooDear.body.error.details).to.deep.include({ error: "CarbonMarketMaxCostExceeded", args: { cost: "5000", maxCost: "4999" } });
      expect(approvalsSigned(buyer.code, "vnd")).to.equal(0);
      expect(await gw.services.contracts.settlement.allowance(buyer.address, gw.deployment.contracts.market.address)).to.equal(0n);

      const first = await fill({ amount: "5", maxCost: "5000" }).expect(200);
      expect(approvalsSigned(buyer.code, "vnd")).to.equal(1);
      expect(first.body.transaction.chainTransactions).to.have.length(2);
      expect(await gw.services.contracts.settlement.allowance(buyer.address, gw.deployment.contracts.market.address)).to.equal(MaxUint256);
      const second = await fill({ amount: "5", maxCost: "5000" }).expect(200);
      expect(approvalsSigned(buyer.code, "vnd")).to.equal(1);
      expect(second.body.transaction.chainTransactions).to.have.length(1);
      expect((await api.balances(buyer.code)).accounts[0].marketApproved).to.deep.equal({ credits: false, vnd: true });
      const txs = gw.db.prepare("SELECT operation FROM submissions WHERE org_code = ? ORDER BY created_at").all(buyer.code) as { operation: string }[];
      expect(txs.map((t) => t.operation)).to.deep.equal(["market.fill", "market.fill"]);
      expect(await gw.services.contracts.settlement.balanceOf(buyer.address)).to.equal(90_000n);
    });

    it("a first fill the chain would refuse behind the missing approval (too little VND) signs no approval", async function () {
      // ERC-20 checks the allowance before the balance: simulated alone, the fill only says "approve first".
      const poor = await api.newOrg("Business");
      await api.mint(poor.code, "999");
      const batchId = await api.batch("BIZ-SOLAR", "10");
      const id = await list({ batchId, amount: "10", unitPrice: "1000" });
      const refused = await expectError(request(gw.app).post(`/v1/market/listings/${id}/fill`).set(poor.auth).send({ amount: "1", maxCost: "1000" }), 422, "CONTRACT_RULE");
      expect(refused.body.error.details).to.deep.include({ error: "ERC20InsufficientBalance", args: { sender: poor.address, balance: "999", needed: "1000" } });
      expect(approvalsSigned(poor.code, "vnd")).to.equal(0);
      expect(await gw.services.contracts.settlement.allowance(poor.address, gw.deployment.contracts.market.address)).to.equal(0n);
      // At the boundary (exactly the cost) the same fill goes through, approval and fill together.
      await api.mint(poor.code, "1");
      const done = await request(gw.app).post(`/v1/market/listings/${id}/fill`).set(poor.auth).send({ amount: "1", maxCost: "1000" }).expect(200);
      expect(done.body.transaction.chainTransactions).to.have.length(2);
      expect(approvalsSigned(poor.code, "vnd")).to.equal(1);
    });

    it("a first listing the chain would refuse behind the missing approval (more than the balance) signs no approval", async function () {
      const seller = await api.newOrg("Business");
      const batchId = await api.batch("BIZ-SOLAR", "30");
      await api.post("/v1/carbon/transfers", { batchId, to: seller.code, amount: "30" }, "BIZ-SOLAR").expect(200);
      const over = await expectError(
        request(gw.app).post("/v1/market/listings").set(seller.auth).send({ batchId, amount: "31", unitPrice: "1" }),
        422,
        "CONTRACT_RULE",
      );
      expect(over.body.error.details).to.deep.include({ error: "ERC1155InsufficientBalance", args: { sender: seller.address, balance: "30", needed: "31", tokenId: batchId } });
      expect(approvalsSigned(seller.code, "credits")).to.equal(0);
      expect(await gw.services.contracts.carbon.isApprovedForAll(seller.address, gw.deployment.contracts.market.address)).to.equal(false);
      await request(gw.app).post("/v1/market/listings").set(seller.auth).send({ batchId, amount: "30", unitPrice: "1" }).expect(201);
      expect(approvalsSigned(seller.code, "credits")).to.equal(1);
    });

    it("422 for a self-trade, a cost over maxCost, more than remaining, below the minimum fill, too little VND; 409 expired or closed", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "100");
      const id = await list({ batchId, amount: "50", unitPrice: "1000", minFill: "10" });
      const self = await expectError(api.post(`/v1/market/listings/${id}/fill`, { amount: "10", maxCost: "10000" }, "BIZ-SOLAR"), 422, "CONTRACT_RULE");
      expect(self.body.error.details).to.deep.include({ error: "CarbonMarketSelfTrade", args: { account: accountOf("BIZ-SOLAR") } });
      const dear = await expectError(api.post(`/v1/market/listings/${id}/fill`, { amount: "10", maxCost: "9999" }, "BIZ-LOGISTICS"), 422, "CONTRACT_RULE");
      expect(dear.body.error.details).to.deep.include({ error: "CarbonMarketMaxCostExceeded", args: { cost: "10000", maxCost: "9999" } });
      const more = await expectError(api.post(`/v1/market/listings/${id}/fill`, { amount: "51", maxCost: "51000" }, "BIZ-LOGISTICS"), 422, "CONTRACT_RULE");
      expect(more.body.error.details).to.deep.include({ error: "CarbonMarketInsufficientRemaining", args: { listingId: id, amount: "51", remaining: "50" } });
      const small = await expectError(api.post(`/v1/market/listings/${id}/fill`, { amount: "9", maxCost: "9000" }, "BIZ-LOGISTICS"), 422, "CONTRACT_RULE");
      expect(small.body.error.details).to.deep.include({ error: "CarbonMarketBelowMinFill", args: { listingId: id, amount: "9", minFill: "10" } });

      const poor = await api.newOrg("Business");
      await api.mint(poor.code, "5000");
      const broke = await expectError(request(gw.app).post(`/v1/market/listings/${id}/fill`).set(poor.auth).send({ amount: "10", maxCost: "10000" }), 422, "CONTRACT_RULE");
      expect(broke.body.error.details).to.deep.include({ error: "ERC20InsufficientBalance", args: { sender: poor.address, balance: "5000", needed: "10000" } });

      const expiring = await list({ batchId, amount: "10", unitPrice: "1", expiresAt: new Date((await latestTime()) * 1000 + 60_000).toISOString() });
      await ethers.provider.send("evm_increaseTime", [120]);
      await ethers.provider.send("evm_mine", []);
      expect((await api.get(`/v1/market/listings/${expiring}`).expect(200)).body.status).to.equal("Expired");
      const expired = await expectError(api.post(`/v1/market/listings/${expiring}/fill`, { amount: "10", maxCost: "10" }, "BIZ-LOGISTICS"), 409, "CHAIN_STATE_CONFLICT");
      expect(expired.body.error.details.error).to.equal("CarbonMarketListingExpired");
      expect(expired.body.error.details.args.listingId).to.equal(expiring);

      await api.del(`/v1/market/listings/${id}`, "BIZ-SOLAR").expect(200);
      const closed = await expectError(api.post(`/v1/market/listings/${id}/fill`, { amount: "10", maxCost: "10000" }, "BIZ-LOGISTICS"), 409, "CHAIN_STATE_CONFLICT");
      expect(closed.body.error.details).to.deep.include({ error: "CarbonMarketListingClosed", args: { listingId: id } });
    });

    it("403 for a private listing reserved to another buyer or without the scope; 404 unknown listing; 400 bad input", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "10");
      const id = await list({ batchId, amount: "10", unitPrice: "1", buyer: "BIZ-LOGISTICS" });
      const other = await api.newOrg("Business");
      await api.mint(other.code, "100");
      const res = await expectError(request(gw.app).post(`/v1/market/listings/${id}/fill`).set(other.auth).send({ amount: "1", maxCost: "1" }), 403, "CHAIN_UNAUTHORIZED");
      expect(res.body.error.details).to.deep.include({ error: "CarbonMarketNotPrivateBuyer", args: { listingId: id, buyer: other.address } });
      await api.post(`/v1/market/listings/${id}/fill`, { amount: "1", maxCost: "1" }, "BIZ-LOGISTICS").expect(200);
      await expectError(api.post(`/v1/market/listings/${id}/fill`, { amount: "1", maxCost: "1" }, "TREASURY"), 403, "MISSING_SCOPE");
      const unknown = await expectError(api.post("/v1/market/listings/999999/fill", { amount: "1", maxCost: "1" }, "BIZ-LOGISTICS"), 404, "NOT_FOUND_ON_CHAIN");
      expect(unknown.body.error.details.error).to.equal("CarbonMarketUnknownListing");
      await expectError(api.post(`/v1/market/listings/${id}/fill`, { amount: "1" }, "BIZ-LOGISTICS"), 400, "VALIDATION_FAILED");
      await expectError(api.post(`/v1/market/listings/${id}/fill`, { amount: "1", maxCost: (1n << 256n).toString() }, "BIZ-LOGISTICS"), 400, "VALIDATION_FAILED");
      await expectError(api.post(`/v1/market/listings/${id}/fill`, { amount: "1", maxCost: "1", retire: { reason: "x" } }, "BIZ-LOGISTICS"), 400, "VALIDATION_FAILED");
    });

    it("a retried fill with the same Idempotency-Key answers the first trade and buys once", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "10");
      const id = await list({ batchId, amount: "10", unitPrice: "100" });
      const headers = { "Idempotency-Key": `fill-${id}` };
      const first = await api.post(`/v1/market/listings/${id}/fill`, { amount: "4", maxCost: "400" }, "BIZ-LOGISTICS", headers).expect(200);
      const again = await api.post(`/v1/market/listings/${id}/fill`, { amount: "4", maxCost: "400" }, "BIZ-LOGISTICS", headers).expect(200);
      expect(again.headers["idempotent-replayed"]).to.equal("true");
      expect(again.body.transaction.hash).to.equal(first.body.transaction.hash);
      expect((await api.get(`/v1/market/listings/${id}`).expect(200)).body.remaining).to.equal("6");
    });
  });

  describe("POST /v1/carbon/batches/{id}/cancel with a listing (the issuer's cancel in escrow)", function () {
    it("reduces the listing, then closes it (Cancelled), frozen batch included; the batch's supply follows", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "100");
      const serialFirst = (await api.get(`/v1/carbon/batches/${batchId}`).expect(200)).body.serials.first as string;
      const id = await list({ batchId, amount: "40", unitPrice: "1000" });
      // Freezing the batch stops the seller from taking the credits back; the issuer's cancel still reaches them.
      await api.post(`/v1/carbon/batches/${batchId}/freeze`, { reason: "investigation" }, "DONRE").expect(200);
      await expectError(api.del(`/v1/market/listings/${id}`, "BIZ-SOLAR"), 409, "CHAIN_STATE_CONFLICT");
      const res = await api.post(`/v1/carbon/batches/${batchId}/cancel`, { listingId: id, amount: "15", reason: "double counting" }, "DONRE").expect(200);
      expect(res.body.result).to.deep.equal({
        batchId,
        listingId: id,
        amount: "15",
        reason: "double counting",
        serialFirst,
        serialLast: (BigInt(serialFirst) + 14n).toString(),
        listingRemaining: "25",
        listingClosed: false,
      });
      expect((await api.get(`/v1/market/listings/${id}`).expect(200)).body).to.deep.include({ remaining: "25", status: "Open" });
      expect((await api.get(`/v1/carbon/batches/${batchId}`).expect(200)).body.supply).to.deep.equal({ issued: "100", circulating: "85", retired: "0", cancelled: "15" });

      const closed = await api.post(`/v1/carbon/batches/${batchId}/cancel`, { listingId: id, amount: "25", reason: "fraud confirmed" }, "DONRE").expect(200);
      expect(closed.body.result).to.deep.include({ listingRemaining: "0", listingClosed: true });
      expect((await api.get(`/v1/market/listings/${id}`).expect(200)).body).to.deep.include({ remaining: "0", status: "Cancelled" });
      expect(await api.held("BIZ-SOLAR", batchId)).to.deep.equal({ held: "60", listed: "0", retired: "0" });
      expect(await gw.services.contracts.carbon.balanceOf(gw.deployment.contracts.market.address, batchId)).to.equal(0n);
    });

    it("409 for another batch's listing or a closed one; 422 above the remainder; 404 unknown listing; 403 for a business; 400 for holder and listing together", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "50");
      const other = await api.batch("BIZ-SOLAR", "5");
      const id = await list({ batchId, amount: "10", unitPrice: "1000" });
      const cancel = (batch: string, body: Record<string, unknown>, org = "DONRE") => api.post(`/v1/carbon/batches/${batch}/cancel`, { reason: "x", ...body }, org);
      const wrong = await expectError(cancel(other, { listingId: id, amount: "1" }), 409, "LISTING_OF_ANOTHER_BATCH");
      expect(wrong.body.error.details).to.deep.equal({ listingId: id, batchId });
      const over = await expectError(cancel(batchId, { listingId: id, amount: "11" }), 422, "CONTRACT_RULE");
      expect(over.body.error.details).to.deep.include({ error: "CarbonMarketInsufficientRemaining", args: { listingId: id, amount: "11", remaining: "10" } });
      await expectError(cancel(batchId, { listingId: "999999", amount: "1" }), 404, "NOT_FOUND_ON_CHAIN");
      await expectError(cancel(batchId, { listingId: id, amount: "1" }, "BIZ-SOLAR"), 403, "MISSING_SCOPE");
      await expectError(cancel(batchId, { listingId: id, holder: "BIZ-SOLAR", amount: "1" }), 400, "VALIDATION_FAILED");
      await expectError(cancel(batchId, { amount: "1" }), 400, "VALIDATION_FAILED");
      expect((await api.get(`/v1/market/listings/${id}`).expect(200)).body.remaining).to.equal("10");
      await cancel(batchId, { listingId: id, amount: "10" }).expect(200);
      const again = await expectError(cancel(batchId, { listingId: id, amount: "1" }), 409, "CHAIN_STATE_CONFLICT");
      expect(again.body.error.details).to.deep.include({ error: "CarbonMarketListingClosed", args: { listingId: id } });
    });
  });

  describe("DELETE /v1/market/listings/{id} and GET", function () {
    it("409 for a frozen seller's listing: no fill, no cancel, until the account is unfrozen", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "20");
      const id = await list({ batchId, amount: "20", unitPrice: "10" });
      await api.post("/v1/accounts/BIZ-SOLAR/freeze", { reason: "court order" }, "DONRE").expect(200);
      try {
        const fill = await expectError(api.post(`/v1/market/listings/${id}/fill`, { amount: "5", maxCost: "50" }, "BIZ-LOGISTICS"), 409, "CHAIN_STATE_CONFLICT");
        expect(fill.body.error.details).to.deep.include({ error: "CarbonMarketSellerFrozen", args: { listingId: id, seller: accountOf("BIZ-SOLAR") } });
        const cancel = await expectError(api.del(`/v1/market/listings/${id}`, "BIZ-SOLAR"), 409, "CHAIN_STATE_CONFLICT");
        expect(cancel.body.error.details.error).to.equal("CarbonMarketSellerFrozen");
        expect((await api.get(`/v1/market/listings/${id}`).expect(200)).body).to.include({ remaining: "20" });
      } finally {
        await api.post("/v1/accounts/BIZ-SOLAR/unfreeze", { reason: "order lifted" }, "DONRE").expect(200);
      }
      await api.post(`/v1/market/listings/${id}/fill`, { amount: "5", maxCost: "50" }, "BIZ-LOGISTICS").expect(200);
    });

    it("the seller cancels and gets the remainder back from escrow; others get 403; twice is 409", async function () {
      const batchId = await api.batch("BIZ-SOLAR", "30");
      const id = await list({ batchId, amount: "30", unitPrice: "10" });
      await api.post(`/v1/market/listings/${id}/fill`, { amount: "5", maxCost: "50" }, "BIZ-LOGISTICS").expect(200);
      const notSeller = await expectError(api.del(`/v1/market/listings/${id}`, "BIZ-LOGISTICS"), 403, "CHAIN_UNAUTHORIZED");
      expect(notSeller.body.error.details).to.deep.include({ error: "CarbonMarketNotSeller", args: { listingId: id, caller: accountOf("BIZ-LOGISTICS") } });
      const res = await api.del(`/v1/market/listings/${id}`, "BIZ-SOLAR").expect(200);
      expect(res.body.result).to.deep.include({ listingId: id, seller: "BIZ-SOLAR", status: "Cancelled", returned: "25" });
      expect(await api.held("BIZ-SOLAR", batchId)).to.deep.equal({ held: "25", listed: "0", retired: "0" });
      expect((await api.get(`/v1/market/listings/${id}`).expect(200)).body).to.include({ status: "Cancelled", remaining: "0", filled: "5" });
      const again = await expectError(api.del(`/v1/market/listings/${id}`, "BIZ-SOLAR"), 409, "CHAIN_STATE_CONFLICT");
      expect(again.body.error.details.error).to.equal("CarbonMarketListingClosed");
      await expectError(api.del("/v1/market/listings/999999", "BIZ-SOLAR"), 404, "NOT_FOUND_ON_CHAIN");
      await expectError(api.del(`/v1/market/listings/${id}`, "AUDITOR"), 403, "MISSING_SCOPE");
    });

    it("GET 404 for an unknown listing; 400 for bad filters or cursors", async function () {
      await expectError(api.get("/v1/market/listings/999999"), 404, "LISTING_NOT_FOUND");
      await expectError(api.get("/v1/market/listings?status=Gone"), 400, "VALIDATION_FAILED");
      await expectError(api.get("/v1/market/listings?seller=NO-SUCH-ORG"), 404, "PARTICIPANT_NOT_FOUND");
      await expectError(api.get("/v1/market/trades?cursor=abc"), 400, "VALIDATION_FAILED");
      await expectError(api.get("/v1/market/trades?price=1"), 400, "VALIDATION_FAILED");
      await expectError(request(gw.app).get("/v1/market/trades"), 401, "UNAUTHENTICATED");
    });
  });
});

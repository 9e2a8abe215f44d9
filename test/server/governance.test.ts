import { expect } from "chai";
import { Wallet } from "ethers";
import { ethers } from "hardhat";
import { ADD_ACCOUNT_TYPES } from "../../server/client/forward-request";
import request from "supertest";
import { ROLES } from "../../scripts/lib/roles";
import { CarbonCalls, claim } from "./helpers/carbon";
import { startTestGateway, uniqueCode, type TestGateway } from "./helpers/gateway";
import { executeWhenReady, grantScheduledRoles, mineAt } from "./helpers/governance";
import { expectError } from "./helpers/http";

/** Issue 11: every administrator's action waits ADMIN_DELAY on chain, visible and cancellable; the emergency brake. */
describe("governance API", function () {
  let gw: TestGateway;
  let api: CarbonCalls;
  before(async function () {
    gw = await startTestGateway();
    api = new CarbonCalls(gw);
  });
  after(async () => gw?.stop());

  const as = (org: string) => gw.auth(org);
  const schedule = (body: Record<string, unknown>, org = "CITY-ADMIN") => request(gw.app).post("/v1/governance/operations").set(as(org)).send(body);
  const operation = async (id: string) => {
    const res = await request(gw.app).get("/v1/governance/operations").set(as("AUDITOR")).expect(200);
    return (res.body.items as { id: string; state: string; readyAt: string; function: string; args: Record<string, string> }[]).find((o) => o.id === id)!;
  };
  const latest = async () => (await ethers.provider.getBlock("latest"))!.timestamp;

  describe("bootstrap", function () {
    it("imposes ADMIN_DELAY on the administrator on chain as its last step; the operator keys hold one role each", async function () {
      const { accessManager } = gw.services.contracts;
      const admin = gw.services.admin.wallet!.address;
      const [, currentDelay] = await accessManager.getAccess(ROLES.ADMIN, admin);
      expect(currentDelay).to.equal(5n); // the embedded demo's default (no RPC_URL)
      expect((await accessManager.hasRole(ROLES.ADMIN, admin))[1]).to.equal(5n);
      expect((await accessManager.hasRole(ROLES.GOVERNOR, admin))[0]).to.equal(false);

      const { governor, anchorer } = gw.services.operators;
      const roles = async (account: string) =>
        (await Promise.all(Object.entries(ROLES).map(async ([name, id]) => [name, (await accessManager.hasRole(id, account))[0]] as const))).filter(([, held]) => held).map(([name]) => name);
      expect(await roles(governor.wallet.address)).to.deep.equal(["GOVERNOR"]);
      expect(await roles(anchorer.wallet.address)).to.deep.equal(["ANCHORER"]);

      const status = await request(gw.app).get("/v1/governance/status").set(as("BIZ-SOLAR")).expect(200);
      expect(status.body).to.deep.include({ paused: false, adminDelay: 5, admins: [{ account: admin, executionDelay: 5 }] });
      expect(status.body.guardians).to.deep.equal([gw.services.participants.find("CITY-GUARDIAN")!.address]);
    });
  });

  describe("scheduled operations", function () {
    it("an administrator's action is scheduled, refused one second before readyAt (409 OPERATION_NOT_READY) and runs at readyAt", async function () {
      const recipient = gw.services.participants.find("TREASURY")!.address;
      const res = await schedule({ action: "setMarketFee", feeBps: 30, recipient }).expect(201);
      const { operationId, readyAt } = res.body.result;
      const { accessManager, market } = gw.services.contracts;
      const calldata = market.interface.encodeFunctionData("setFee", [30, recipient]);
      expect(operationId).to.equal(await accessManager.hashOperation(gw.services.admin.wallet!.address, await market.getAddress(), calldata));
      const readyAtSeconds = Date.parse(readyAt) / 1000;
      expect(Number(await accessManager.getSchedule(operationId))).to.equal(readyAtSeconds);

      const listed = await operation(operationId);
      expect(listed).to.deep.include({ state: "scheduled", function: "setFee", readyAt });
      expect(listed.args).to.deep.equal({ newFeeBps: "30", recipient });

      await mineAt(readyAtSeconds - 1);
      const early = await expectError(request(gw.app).post(`/v1/governance/operations/${operationId}/execute`).set(as("CITY-ADMIN")), 409, "OPERATION_NOT_READY");
      expect(early.body.error.details).to.include({ operationId, readyAt });
      expect(await market.feeBps()).to.equal(0n);

      await mineAt(readyAtSeconds);
      expect((await operation(operationId)).state).to.equal("ready");
      const done = await request(gw.app).post(`/v1/governance/operations/${operationId}/execute`).set(as("CITY-ADMIN")).expect(200);
      expect(done.body.result).to.deep.equal({ operationId, state: "executed" });
      expect(await market.feeBps()).to.equal(30n);
      expect((await operation(operationId)).state).to.equal("executed");
      await expectError(request(gw.app).post(`/v1/governance/operations/${operationId}/execute`).set(as("CITY-ADMIN")), 409, "OPERATION_EXECUTED");
    });

    it("the administrator's key cannot act at once: a direct call is refused by the AccessManager", async function () {
      const { accessManager } = gw.services.contracts;
      const admin = gw.services.admin.wallet!.connect(ethers.provider);
      await expect(accessManager.connect(admin).grantRole(ROLES.ISSUER, admin.address, 0, { gasPrice: 0 })).to.be.revertedWithCustomError(accessManager, "AccessManagerNotScheduled");
    });

    it("the GUARDIAN cancels a scheduled operation; a business cannot (403); a cancelled one never executes", async function () {
      const res = await schedule({ action: "setCreditURI", uri: "https://evil.example/{id}.json" }).expect(201);
      const { operationId } = res.body.result;
      await expectError(request(gw.app).delete(`/v1/governance/operations/${operationId}`).set(as("BIZ-SOLAR")), 403, "MISSING_SCOPE");
      const cancelled = await request(gw.app).delete(`/v1/governance/operations/${operationId}`).set(as("CITY-GUARDIAN")).expect(200);
      expect(cancelled.body.result).to.deep.equal({ operationId, state: "cancelled" });
      expect(await gw.services.contracts.accessManager.getSchedule(operationId)).to.equal(0n);
      expect((await operation(operationId)).state).to.equal("cancelled");
      await mineAt((await latest()) + 10);
      await expectError(request(gw.app).post(`/v1/governance/operations/${operationId}/execute`).set(as("CITY-ADMIN")), 409, "OPERATION_CANCELLED");
      await expectError(request(gw.app).delete(`/v1/governance/operations/${operationId}`).set(as("CITY-GUARDIAN")), 409, "OPERATION_CANCELLED");
    });

    it("403 for a guardian scheduling an administrator's action or executing another's; 404 for an unknown id; 400 for a bad body", async function () {
      await expectError(schedule({ action: "setDatasetBaseURI", uri: "https://x.example/" }, "CITY-GUARDIAN"), 403, "GOVERNANCE_NOT_PERMITTED");
      await expectError(schedule({ action: "setDatasetBaseURI", uri: "https://x.example/" }, "BIZ-SOLAR"), 403, "MISSING_SCOPE");
      const res = await schedule({ action: "revokeRole", role: "TREASURY", account: gw.services.participants.find("TREASURY")!.address }).expect(201);
      const { operationId } = res.body.result;
      await expectError(request(gw.app).post(`/v1/governance/operations/${operationId}/execute`).set(as("CITY-GUARDIAN")), 403, "NOT_THE_SCHEDULER");
      await request(gw.app).delete(`/v1/governance/operations/${operationId}`).set(as("CITY-ADMIN")).expect(200);
      await expectError(request(gw.app).post(`/v1/governance/operations/0x${"ab".repeat(32)}/execute`).set(as("CITY-ADMIN")), 404, "OPERATION_NOT_FOUND");
      await expectError(schedule({ action: "setMarketFee", feeBps: 30 }), 400, "VALIDATION_FAILED");
      await expectError(schedule({ action: "mintEverything" }), 400, "VALIDATION_FAILED");
    });

    it("an operation is ready one second before readyAt + expiration() and expired at it; executing it then is 409 OPERATION_EXPIRED and changes nothing", async function () {
      const { accessManager, market } = gw.services.contracts;
      const recipient = gw.services.participants.find("TREASURY")!.address;
      const res = await schedule({ action: "setMarketFee", feeBps: 77, recipient }).expect(201);
      const { operationId } = res.body.result;
      // Both read on chain, not from the gateway: when it became executable and how long the AccessManager keeps it.
      const readyAt = Number(await accessManager.getSchedule(operationId));
      const expiration = Number(await accessManager.expiration());
      expect(expiration).to.equal(7 * 24 * 3600);
      const feeBefore = await market.feeBps();

      await mineAt(readyAt + expiration - 1);
      expect(await operation(operationId)).to.deep.include({ state: "ready", readyAt: new Date(readyAt * 1000).toISOString() });
      await mineAt(readyAt + expiration);
      const expired = await operation(operationId);
      expect(expired.state).to.equal("expired");
      expect((expired as unknown as { expiresAt: string }).expiresAt).to.equal(new Date((readyAt + expiration) * 1000).toISOString());
      // The chain agrees: an expired operation has no schedule any more.
      expect(await accessManager.getSchedule(operationId)).to.equal(0n);

      const admin = gw.services.admin.wallet!.address;
      const nonce = await ethers.provider.getTransactionCount(admin);
      const outbox = (gw.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n;
      const refused = await expectError(request(gw.app).post(`/v1/governance/operations/${operationId}/execute`).set(as("CITY-ADMIN")), 409, "OPERATION_EXPIRED");
      expect(refused.body.error.details).to.deep.equal({ operationId, state: "expired" });
      await expectError(request(gw.app).delete(`/v1/governance/operations/${operationId}`).set(as("CITY-GUARDIAN")), 409, "OPERATION_EXPIRED");
      expect(await market.feeBps()).to.equal(feeBefore);
      expect(await ethers.provider.getTransactionCount(admin)).to.equal(nonce);
      expect((gw.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n).to.equal(outbox);
    });

    it("409 OPERATION_NOT_DELAYED for a holder who may act at once (RECOVERY granted without its delay); nothing sent", async function () {
      // Every governance function carries a delay in the permission table; a member granted a role with executionDelay
      // 0 may act at once, and then there is nothing to schedule.
      // A market operator (its key holds governance:write) also granted RECOVERY, without the role's delay.
      const recoverer = await api.newOrg("Operator", ["MARKET_OPERATOR"]);
      const grant = await schedule({ action: "grantRole", role: "RECOVERY", account: recoverer.address, executionDelay: 0 }).expect(201);
      await executeWhenReady(gw, [grant.body.result.operationId]);
      const before = (gw.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n;
      const res = await expectError(
        schedule({ action: "recoverDataset", datasetId: "1", to: recoverer.address, reason: "test" }, recoverer.code),
        409,
        "OPERATION_NOT_DELAYED",
      );
      expect(res.body.error.details).to.include({ action: "recoverDataset", caller: recoverer.address });
      expect((gw.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n).to.equal(before);
    });

    it("recovery (the forced transfer) has its route: the RECOVERY holder schedules it, waits the role's delay read on chain, executes; the dataset moves", async function () {
      const { accessManager, dataAssets } = gw.services.contracts;
      const recoverer = await api.newOrg("Operator", ["RECOVERY"]);
      const created = await request(gw.app)
        .post("/v1/datasets")
        .set(as("DATA-OFFICE"))
        .send({ contentHash: "ef".repeat(32), metadataHash: `0x${"12".repeat(32)}`, holder: "AGENCY-TRANSPORT", classification: "Open", title: "Bus stops", uri: "https://opendata.example/stops.csv" });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const datasetId = created.body.result.id as string;
      const to = gw.services.participants.find("DATA-OFFICE")!.address;
      const res = await schedule({ action: "recoverDataset", datasetId, to, reason: "lost key" }, recoverer.code).expect(201);
      const { operationId, readyAt } = res.body.result;
      // The wait is the RECOVERY member's execution delay on chain (2 days), not anything the gateway chose.
      const [, delay] = await accessManager.getAccess(ROLES.RECOVERY, recoverer.address);
      expect(delay).to.equal(2n * 24n * 3600n);
      const scheduledAt = (await ethers.provider.getBlock((await ethers.provider.getTransactionReceipt(res.body.transaction.hash))!.blockNumber))!.timestamp;
      expect(Date.parse(readyAt) / 1000).to.equal(scheduledAt + Number(delay));
      await mineAt(Date.parse(readyAt) / 1000 - 1);
      await expectError(request(gw.app).post(`/v1/governance/operations/${operationId}/execute`).set(as(recoverer.code)), 409, "OPERATION_NOT_READY");
      expect(await dataAssets.ownerOf(datasetId)).to.equal(gw.services.participants.find("AGENCY-TRANSPORT")!.address);
      await mineAt(Date.parse(readyAt) / 1000);
      const done = await request(gw.app).post(`/v1/governance/operations/${operationId}/execute`).set(as(recoverer.code));
      expect(done.status, JSON.stringify(done.body)).to.equal(200);
      expect(await dataAssets.ownerOf(datasetId)).to.equal(to);
      expect(await operation(operationId)).to.deep.include({ state: "executed", function: "recover" });
    });

    it("a registration with roles admits at once and schedules the grants; the role works once they are executed", async function () {
      const code = uniqueCode("REG");
      const res = await request(gw.app).post("/v1/participants").set(as("CITY-ADMIN")).send({ code, name: code, kind: "CityAgency", roles: ["REGISTRAR"] }).expect(201);
      const { account, scheduledGrants } = res.body.result;
      expect(scheduledGrants).to.have.length(1);
      expect(scheduledGrants[0]).to.include({ role: "REGISTRAR", account });
      const { accessManager, participants } = gw.services.contracts;
      expect((await participants.organization(res.body.result.orgId)).status).to.equal(1n);
      expect((await accessManager.hasRole(ROLES.REGISTRAR, account))[0]).to.equal(false);
      await grantScheduledRoles(gw, res.body);
      expect((await accessManager.hasRole(ROLES.REGISTRAR, account))[0]).to.equal(true);
    });
  });

  describe("accounts added to an organisation with roles", function () {
    it("the account joins at once; the organisation's roles follow through the administrator's scheduled grants", async function () {
      const issuer = await api.newOrg("CityAgency", ["ISSUER"]);
      const wallet = Wallet.createRandom();
      const { chainId } = await ethers.provider.getNetwork();
      const nonce = ethers.hexlify(ethers.randomBytes(32));
      const signature = await wallet.signTypedData({ name: "CityAssetLedger", version: "1", chainId }, ADD_ACCOUNT_TYPES, { organization: issuer.code, account: wallet.address, chainId, nonce });
      const res = await request(gw.app)
        .post(`/v1/participants/${issuer.code}/accounts`)
        .set(as("CITY-ADMIN"))
        .send({ account: wallet.address, chainId: chainId.toString(), nonce, scheme: "eip712", signature })
        .expect(201);
      expect(res.body.result.scheduledGrants.map((g: { role: string; account: string }) => [g.role, g.account])).to.deep.equal([["ISSUER", wallet.address]]);
      const { accessManager, participants } = gw.services.contracts;
      expect(await participants.orgOf(wallet.address)).to.equal(ethers.encodeBytes32String(issuer.code));
      expect((await accessManager.hasRole(ROLES.ISSUER, wallet.address))[0]).to.equal(false);
      await executeWhenReady(gw, res.body.result.scheduledGrants.map((g: { operationId: string }) => g.operationId));
      expect((await accessManager.hasRole(ROLES.ISSUER, wallet.address))[0]).to.equal(true);
    });
  });

  describe("emergency brake", function () {
    it("after pause every user-facing write answers 409 SYSTEM_PAUSED and changes nothing; after unpause they work again", async function () {
      this.timeout(120_000);
      await api.mint("BIZ-LOGISTICS", "100000000");
      const batchId = await api.batch("BIZ-SOLAR", "500");
      const listed = await api.post("/v1/market/listings", { batchId, amount: "100", unitPrice: "1000" }, "BIZ-SOLAR").expect(201);
      const listingId = listed.body.result.listingId as string;
      const sha = ethers.hexlify(ethers.randomBytes(32)).slice(2);
      const dataset = { contentHash: sha, metadataHash: ethers.hexlify(ethers.randomBytes(32)), holder: "AGENCY-TRANSPORT", classification: "Open", title: "Bus stops", uri: "https://x.example/a.csv" };
      const registered = await api.post("/v1/datasets", dataset, "DATA-OFFICE").expect(201);
      const datasetId = registered.body.result.id as string;
      const before = { solar: await api.balances("BIZ-SOLAR"), logistics: await api.balances("BIZ-LOGISTICS") };

      await expectError(request(gw.app).post("/v1/governance/pause").set(as("CITY-ADMIN")), 403, "NOT_GUARDIAN");
      const paused = await request(gw.app).post("/v1/governance/pause").set(as("CITY-GUARDIAN")).expect(200);
      expect(paused.body.result).to.deep.equal({ paused: true, contracts: ["DataAssetRegistry", "CarbonCreditRegistry", "SettlementToken", "CarbonMarket", "DataExchange"] });
      expect((await request(gw.app).get("/v1/governance/status").set(as("AUDITOR")).expect(200)).body.paused).to.equal(true);
      await expectError(request(gw.app).post("/v1/governance/pause").set(as("CITY-GUARDIAN")), 409, "ALREADY_PAUSED");

      const writes: [string, Record<string, unknown>, string][] = [
        ["/v1/market/listings", { batchId, amount: "10", unitPrice: "1000" }, "BIZ-SOLAR"],
        [`/v1/market/listings/${listingId}/fill`, { amount: "10", maxCost: "10000" }, "BIZ-LOGISTICS"],
        ["/v1/carbon/retirements", { batchId, amount: "1", ...claim() }, "BIZ-SOLAR"],
        ["/v1/carbon/transfers", { batchId, to: "BIZ-LOGISTICS", amount: "1" }, "BIZ-SOLAR"],
        [`/v1/datasets/${datasetId}/transfer`, { to: "DONRE" }, "AGENCY-TRANSPORT"],
        ["/v1/settlement/mint", { to: "BIZ-SOLAR", amount: "5", reference: uniqueCode("DEP") }, "TREASURY"],
      ];
      for (const [path, body, org] of writes) await expectError(api.post(path, body, org), 409, "SYSTEM_PAUSED");
      await expectError(api.del(`/v1/market/listings/${listingId}`, "BIZ-SOLAR"), 409, "SYSTEM_PAUSED");
      expect(await api.balances("BIZ-SOLAR")).to.deep.equal(before.solar);
      expect(await api.balances("BIZ-LOGISTICS")).to.deep.equal(before.logistics);

      await expectError(request(gw.app).post("/v1/governance/unpause").set(as("BIZ-SOLAR")), 403, "MISSING_SCOPE");
      await request(gw.app).post("/v1/governance/unpause").set(as("CITY-GUARDIAN")).expect(200);
      await expectError(request(gw.app).post("/v1/governance/unpause").set(as("CITY-GUARDIAN")), 409, "NOT_PAUSED");
      await api.post(`/v1/market/listings/${listingId}/fill`, { amount: "10", maxCost: "10000" }, "BIZ-LOGISTICS").expect(200);
      await api.post(`/v1/datasets/${datasetId}/transfer`, { to: "DONRE" }, "AGENCY-TRANSPORT").expect(200);
    });
  });
});

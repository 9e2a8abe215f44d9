import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { Wallet, type BaseWallet } from "ethers";
import request from "supertest";
import { ADD_ACCOUNT_TYPES, type SignableRequest } from "../../server/client/forward-request";
import { startTestGateway, uniqueCode, type TestGateway } from "./helpers/gateway";
import { CarbonCalls, randomHash } from "./helpers/carbon";
import { expectError } from "./helpers/http";

describe("POST /v1/participants/{org}/switch-to-own-keys", function () {
  let gw: TestGateway;
  let calls: CarbonCalls;

  const admin = () => gw.auth("CITY-ADMIN");
  const keyFiles = () => fs.readdirSync(path.join(gw.dataDir, "keystore")).sort();
  const outboxCount = () => (gw.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n;
  const url = (org: string) => `/v1/participants/${org}/switch-to-own-keys`;

  /** The new account's proof that it acts for `org` on this chain (the body of the accounts route). */
  async function proofBody(wallet: BaseWallet, org: string) {
    const { chainId } = await ethers.provider.getNetwork();
    const nonce = ethers.hexlify(ethers.randomBytes(32));
    const signature = await wallet.signTypedData({ name: "CityAssetLedger", version: "1", chainId }, ADD_ACCOUNT_TYPES, { organization: org, account: wallet.address, chainId, nonce });
    return { account: wallet.address, chainId: chainId.toString(), nonce, scheme: "eip712", signature };
  }

  /** A custodial business with an API key. */
  async function custodialBusiness() {
    const code = uniqueCode("SWITCH");
    const reg = await request(gw.app).post("/v1/participants").set(admin()).send({ code, name: `Custodial ${code}`, kind: "Business" });
    expect(reg.status, JSON.stringify(reg.body)).to.equal(201);
    const key = await request(gw.app).post("/v1/api-keys").set(admin()).send({ organization: code });
    expect(key.status, JSON.stringify(key.body)).to.equal(201);
    gw.keys[code] = key.body.key as string;
    return { code, orgId: ethers.encodeBytes32String(code), account: reg.body.result.account as string, auth: gw.auth(code) };
  }

  before(async function () {
    gw = await startTestGateway();
    calls = new CarbonCalls(gw);
  });
  after(async () => gw?.stop());

  it("moves credits, VND and datasets to the new account, removes the custodial account on chain and deletes its key", async function () {
    const biz = await custodialBusiness();
    const batchId = await calls.batch("BIZ-SOLAR", "100");
    const sent = await calls.post("/v1/carbon/transfers", { batchId, to: biz.code, amount: "40" }, "BIZ-SOLAR");
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    await calls.mint(biz.code, "5000");
    const sha = crypto.createHash("sha256").update(`switch ${biz.code}`).digest("hex");
    const ds = await calls.post("/v1/datasets", { contentHash: sha, metadataHash: randomHash(), classification: "Open", title: "Switch", uri: "https://opendata.example/switch.csv" }, "DATA-OFFICE");
    expect(ds.status, JSON.stringify(ds.body)).to.equal(201);
    const datasetId = ds.body.result.id as string;
    const given = await calls.post(`/v1/datasets/${datasetId}/transfer`, { to: biz.code }, "DATA-OFFICE");
    expect(given.status, JSON.stringify(given.body)).to.equal(200);
    expect(keyFiles()).to.include(`${biz.code}.json`);

    const own = Wallet.createRandom();
    const res = await request(gw.app).post(url(biz.code)).set(biz.auth).send(await proofBody(own, biz.code));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.deep.equal({ code: biz.code, account: own.address, retiredAccount: biz.account, moved: { batches: [batchId], vnd: "5000", datasets: [datasetId] }, custody: "own" });

    const { carbon, settlement, participants } = gw.services.contracts;
    expect(await carbon.balanceOf(own.address, batchId)).to.equal(40n);
    expect(await carbon.balanceOf(biz.account, batchId)).to.equal(0n);
    expect(await settlement.balanceOf(own.address)).to.equal(5000n);
    expect(await settlement.balanceOf(biz.account)).to.equal(0n);
    expect(await gw.services.contracts.dataAssets.ownerOf(datasetId)).to.equal(own.address);
    expect(await participants.accountsOf(biz.orgId)).to.deep.equal([own.address]);
    expect(keyFiles()).to.not.include(`${biz.code}.json`);
    expect(gw.services.keystore.has(biz.code)).to.equal(false);
    const shown = await request(gw.app).get(`/v1/participants/${biz.code}`).set(biz.auth).expect(200);
    expect(shown.body).to.include({ custody: "own" });

    // From now on the gateway cannot sign for it: a custodial write is refused, a request signed by the new account works.
    const before = outboxCount();
    await expectError(calls.post("/v1/carbon/transfers", { batchId, to: "BIZ-SOLAR", amount: "1" }, biz.code), 409, "OWN_KEY_SIGNS");
    expect(outboxCount()).to.equal(before);
    const prep = await calls.post("/v1/carbon/transfers", { batchId, to: "BIZ-SOLAR", amount: "3" }, biz.code, { Prefer: `sign=client; from=${own.address}` });
    expect(prep.status, JSON.stringify(prep.body)).to.equal(200);
    const { domain, types, primaryType, message } = prep.body as SignableRequest;
    const signature = await own.signTypedData({ ...domain, chainId: BigInt(domain.chainId) }, types, message);
    const relayed = await request(gw.app).post("/v1/signed-requests").set(biz.auth).send({ request: { domain, types, primaryType, message }, signature });
    expect(relayed.status, JSON.stringify(relayed.body)).to.equal(200);
    expect(await carbon.balanceOf(own.address, batchId)).to.equal(37n);

    // Switching again is refused and changes nothing.
    await expectError(request(gw.app).post(url(biz.code)).set(biz.auth).send(await proofBody(Wallet.createRandom(), biz.code)), 409, "ALREADY_OWN_KEY");
    expect(outboxCount()).to.equal(before + 1);
  });

  it("refuses a bad proof, a replayed proof, another organisation's caller or account and an unknown organisation; chain and keystore unchanged", async function () {
    const biz = await custodialBusiness();
    const own = Wallet.createRandom();
    const files = keyFiles();
    const accounts = await gw.services.contracts.participants.accountsOf(biz.orgId);
    const before = outboxCount();

    await expectError(request(gw.app).post(url(biz.code)).set(biz.auth).send({ ...(await proofBody(own, "BIZ-SOLAR")) }), 422, "INVALID_PROOF");
    await expectError(request(gw.app).post(url(biz.code)).set(biz.auth).send({ ...(await proofBody(own, biz.code)), account: Wallet.createRandom().address }), 422, "INVALID_PROOF");
    await expectError(request(gw.app).post(url(biz.code)).set(gw.auth("BIZ-SOLAR")).send(await proofBody(own, biz.code)), 403, "NOT_YOUR_ORGANIZATION");
    await expectError(request(gw.app).post(url("NO-SUCH-ORG")).set(admin()).send(await proofBody(own, "NO-SUCH-ORG")), 404, "PARTICIPANT_NOT_FOUND");
    // An account that already belongs to another organisation cannot become this one's.
    const taken = Wallet.createRandom();
    const otherCode = uniqueCode("TAKEN");
    await request(gw.app).post("/v1/participants").set(admin()).send({ code: otherCode, name: otherCode, kind: "Business", accounts: [taken.address] }).expect(201);
    const afterOther = outboxCount();
    await expectError(request(gw.app).post(url(biz.code)).set(biz.auth).send(await proofBody(taken, biz.code)), 409, "ACCOUNT_OF_ANOTHER_ORGANIZATION");
    expect(outboxCount()).to.equal(afterOther);
    // A proof already spent on POST /v1/participants/{org}/accounts cannot be used for the switch.
    const used = await proofBody(Wallet.createRandom(), biz.code);
    await request(gw.app).post(`/v1/participants/${biz.code}/accounts`).set(biz.auth).send(used).expect(201);
    const afterAdd = outboxCount();
    const accountsAfterAdd = await gw.services.contracts.participants.accountsOf(biz.orgId);
    expect(accountsAfterAdd).to.deep.equal([...accounts, used.account]);
    await expectError(request(gw.app).post(url(biz.code)).set(biz.auth).send(used), 409, "PROOF_REPLAYED");

    expect(outboxCount()).to.equal(afterAdd);
    expect(afterAdd).to.equal(before + 2);
    expect(await gw.services.contracts.participants.accountsOf(biz.orgId)).to.deep.equal(accountsAfterAdd);
    expect(keyFiles()).to.deep.equal(files);
    expect(gw.services.participants.require(biz.code).custody).to.equal("gateway");
  });

  it("refuses while the custodial account has open market listings (409 OPEN_LISTINGS), then switches once they are cancelled", async function () {
    const biz = await custodialBusiness();
    const batchId = await calls.batch("BIZ-SOLAR", "50");
    expect((await calls.post("/v1/carbon/transfers", { batchId, to: biz.code, amount: "20" }, "BIZ-SOLAR")).status).to.equal(200);
    const listed = await calls.post("/v1/market/listings", { batchId, amount: "5", unitPrice: "100" }, biz.code);
    expect(listed.status, JSON.stringify(listed.body)).to.equal(201);
    const before = outboxCount();
    const files = keyFiles();
    const res = await expectError(request(gw.app).post(url(biz.code)).set(biz.auth).send(await proofBody(Wallet.createRandom(), biz.code)), 409, "OPEN_LISTINGS");
    expect(res.body.error.details).to.deep.equal({ batches: [batchId] });
    expect(outboxCount()).to.equal(before);
    expect(keyFiles()).to.deep.equal(files);
    expect(await gw.services.contracts.participants.accountsOf(biz.orgId)).to.deep.equal([biz.account]);

    const cancelled = await calls.del(`/v1/market/listings/${listed.body.result.listingId}`, biz.code);
    expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(200);
    const own = Wallet.createRandom();
    const done = await request(gw.app).post(url(biz.code)).set(admin()).send(await proofBody(own, biz.code));
    expect(done.status, JSON.stringify(done.body)).to.equal(200);
    expect(await gw.services.contracts.carbon.balanceOf(own.address, batchId)).to.equal(20n);
  });

  it("finishes a switch interrupted after the new account was added (a crash mid-way): calling again does only what is left", async function () {
    const biz = await custodialBusiness();
    await calls.mint(biz.code, "700");
    const own = Wallet.createRandom();
    // The first step alone, as a gateway that died right after it would have left it.
    await request(gw.app).post(`/v1/participants/${biz.code}/accounts`).set(biz.auth).send(await proofBody(own, biz.code)).expect(201);
    const res = await request(gw.app).post(url(biz.code)).set(biz.auth).send(await proofBody(own, biz.code));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.moved).to.deep.equal({ batches: [], vnd: "700", datasets: [] });
    expect(await gw.services.contracts.participants.accountsOf(biz.orgId)).to.deep.equal([own.address]);
    expect(await gw.services.contracts.settlement.balanceOf(own.address)).to.equal(700n);
    expect(keyFiles()).to.not.include(`${biz.code}.json`);
  });
});

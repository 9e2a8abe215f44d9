import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { DEMO_ORGS } from "../../server/bootstrap/demo";
import { startTestGateway, type TestGateway } from "./helpers/gateway";

describe("bootstrap (what npm start does before serving)", function () {
  const open: TestGateway[] = [];
  afterEach(async function () {
    for (const gw of open.splice(0)) await gw.stop();
  });
  const start = async (options: Parameters<typeof startTestGateway>[0] = {}) => {
    const gw = await startTestGateway(options);
    open.push(gw);
    return gw;
  };

  it("creates the administrator and every demo organisation on chain, each with a key and an API key, in a 0600 file", async function () {
    const gw = await start();
    const file = path.join(gw.dataDir, "credentials.json");
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const credentials = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(Object.keys(credentials.organizations).sort()).to.deep.equal(["CITY-ADMIN", ...DEMO_ORGS.map((o) => o.code)].sort());
    expect(gw.generatedAdminKey).to.equal(credentials.organizations["CITY-ADMIN"].apiKey);
    for (const [code, entry] of Object.entries(credentials.organizations) as [string, { address: string; apiKey: string }][]) {
      const org = await gw.services.contracts.participants.organization(ethers.encodeBytes32String(code));
      expect(org.status, code).to.equal(1n);
      expect(await gw.services.contracts.participants.orgOf(entry.address)).to.equal(ethers.encodeBytes32String(code));
      expect(gw.services.keystore.address(code)).to.equal(entry.address);
      const me = await request(gw.app).get(`/v1/participants/${code}`).set({ Authorization: `Bearer ${entry.apiKey}` }).expect(200);
      expect(me.body.status).to.equal("Active");
    }
    const { accessManager } = gw.services.contracts;
    const roleOf = async (code: string, role: bigint) => (await accessManager.hasRole(role, gw.services.keystore.address(code)))[0];
    expect(await roleOf("CITY-ADMIN", 0n)).to.equal(true);
    // GOVERNOR only for the genesis work: renounced before the delay is imposed; the operator's key admits from then on.
    expect(await roleOf("CITY-ADMIN", 1n)).to.equal(false);
    expect((await accessManager.hasRole(1n, gw.services.operators.governor.wallet.address))[0]).to.equal(true);
    expect((await accessManager.getAccess(0n, gw.services.admin.wallet!.address))[1]).to.equal(5n);
    expect(await roleOf("CITY-GUARDIAN", 7n)).to.equal(true);
    expect(await roleOf("DATA-OFFICE", 2n)).to.equal(true);
    expect(await roleOf("DONRE", 3n)).to.equal(true);
    expect(await roleOf("VVB-1", 4n)).to.equal(true);
    expect(await roleOf("TREASURY", 5n)).to.equal(true);
  });

  it("is idempotent: a second start sends nothing and keeps the keys", async function () {
    const first = await start();
    const admin = first.services.admin.wallet!.address;
    const nonce = await ethers.provider.getTransactionCount(admin);
    const keys = first.keys;
    await first.stop();
    open.splice(0);
    const operators = [first.services.operators.governor.wallet.address, first.services.operators.anchorer.wallet.address];
    const operatorNonces = await Promise.all(operators.map((a) => ethers.provider.getTransactionCount(a)));
    const second = await start({ dataDir: first.dataDir });
    expect(await ethers.provider.getTransactionCount(admin)).to.equal(nonce);
    expect(await Promise.all(operators.map((a) => ethers.provider.getTransactionCount(a)))).to.deep.equal(operatorNonces);
    // The delay is verified in place, not imposed again.
    expect((await second.services.contracts.accessManager.getAccess(0n, admin))[1]).to.equal(5n);
    expect(second.keys).to.deep.equal(keys);
    expect(second.generatedAdminKey).to.equal(undefined);
    expect(second.deployment).to.deep.equal(first.deployment);
  });

  it("issues new keys when the credentials file is gone, and retires the old ones", async function () {
    const first = await start();
    await first.stop();
    open.splice(0);
    fs.rmSync(path.join(first.dataDir, "credentials.json"));
    const second = await start({ dataDir: first.dataDir });
    expect(second.keys["DATA-OFFICE"]).to.not.equal(first.keys["DATA-OFFICE"]);
    expect(second.generatedAdminKey).to.be.a("string");
    await request(second.app).get("/v1/participants").set(second.auth("DATA-OFFICE")).expect(200);
    await request(second.app).get("/v1/participants").set({ Authorization: `Bearer ${first.keys["DATA-OFFICE"]}` }).expect(401);
    await request(second.app).get("/v1/participants").set({ Authorization: `Bearer ${first.keys["CITY-ADMIN"]}` }).expect(401);
  });

  it("replaces a kept key that lacks scopes its organisation may now hold (a newer gateway added them)", async function () {
    const first = await start();
    // What a key issued by an older gateway looks like: every scope of its day, none of the market's.
    const row = first.db.prepare("SELECT scopes FROM api_keys WHERE org_code = 'BIZ-SOLAR' AND revoked_at IS NULL").get() as { scopes: string };
    const older = (JSON.parse(row.scopes) as string[]).filter((scope) => !scope.startsWith("market:"));
    first.db.prepare("UPDATE api_keys SET scopes = ? WHERE org_code = 'BIZ-SOLAR'").run(JSON.stringify(older));
    await first.stop();
    open.splice(0);
    const second = await start({ dataDir: first.dataDir });
    expect(second.keys["BIZ-SOLAR"]).to.not.equal(first.keys["BIZ-SOLAR"]);
    expect(second.keys["DATA-OFFICE"]).to.equal(first.keys["DATA-OFFICE"]);
    expect(second.services.apiKeys.authenticate(second.keys["BIZ-SOLAR"])!.scopes.has("market:trade")).to.equal(true);
    await request(second.app).get("/v1/participants").set({ Authorization: `Bearer ${first.keys["BIZ-SOLAR"]}` }).expect(401);
  });

  it("takes ADMIN_API_KEY as the administrator's key and never writes it to the file", async function () {
    const adminApiKey = "operator-chosen-admin-key-0123456789abcdef";
    const gw = await start({ adminApiKey });
    expect(gw.generatedAdminKey).to.equal(undefined);
    await request(gw.app).get("/v1/api-keys").set({ Authorization: `Bearer ${adminApiKey}` }).expect(200);
    const text = fs.readFileSync(path.join(gw.dataDir, "credentials.json"), "utf8");
    expect(text).to.not.contain(adminApiKey);
    expect(JSON.parse(text).organizations["CITY-ADMIN"].apiKey).to.equal(null);
  });
});

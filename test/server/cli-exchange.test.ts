import crypto from "node:crypto";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { Server } from "node:http";
import { expect } from "chai";
import { main } from "../../server/client/cli";
import { CarbonCalls, randomHash } from "./helpers/carbon";
import { startTestGateway, uniqueCode, type TestGateway } from "./helpers/gateway";

const POLICY = { "@context": "http://www.w3.org/ns/odrl.jsonld", "@type": "Offer", permission: [{ action: "use" }], prohibition: [{ action: "distribute" }] };

/**
 * `cal exchange …` in process against a test gateway on a real port: a custodial holder offers, an own-key business
 * buys with its key file (the approval of exactly the price signed first, then the purchase), the offer is read back
 * and cancelled. The README's worked example runs the same commands against `npm start` (test/e2e).
 */
describe("cal exchange (the CLI's data exchange commands)", function () {
  let gw: TestGateway;
  let server: Server;
  let url: string;
  let work: string;
  const PASSWORD = "cli exchange password";
  let savedPassword: string | undefined;

  /** Runs `cal args…` with `apiKey`; its exit code and printed lines. */
  async function cal(apiKey: string | undefined, ...args: string[]): Promise<{ code: number; out: string[] }> {
    const out: string[] = [];
    const code = await main(["--url", url, ...(apiKey ? ["--api-key", apiKey] : []), ...args], (line) => out.push(line));
    return { code, out };
  }
  const json = async (apiKey: string | undefined, ...args: string[]) => {
    const r = await cal(apiKey, ...args, "--json");
    expect(r.code, r.out.join("\n")).to.equal(0);
    return JSON.parse(r.out.at(-1)!) as any;
  };

  before(async function () {
    savedPassword = process.env.CAL_KEY_PASSWORD;
    process.env.CAL_KEY_PASSWORD = PASSWORD;
    gw = await startTestGateway();
    server = gw.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "cal-exchange-"));
  });
  after(async function () {
    if (savedPassword === undefined) delete process.env.CAL_KEY_PASSWORD;
    else process.env.CAL_KEY_PASSWORD = savedPassword;
    await new Promise((resolve) => server?.close(resolve));
    await gw?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("offers (custodial holder), buys with an own key, shows, lists and cancels", async function () {
    const calls = new CarbonCalls(gw);
    const keyFile = path.join(work, "buyer.json");
    const { address } = await json(undefined, "key", "create", "--out", keyFile);
    const code = uniqueCode("CLI-BUY");
    await json(gw.keys["CITY-ADMIN"], "participants", "register", "--code", code, "--name", "CLI buyer", "--kind", "Business", "--key", keyFile);
    const buyerKey = (await json(gw.keys["CITY-ADMIN"], "api-keys", "create", "--org", code)).key as string;
    await calls.mint(code, "5000");

    const sha = crypto.createHash("sha256").update(`cli exchange ${Date.now()}`).digest("hex");
    const ds = await calls.post("/v1/datasets", { contentHash: sha, metadataHash: randomHash(), classification: "Open", title: "Bike lanes", uri: "https://opendata.example/bike.csv" }, "DATA-OFFICE");
    expect(ds.status, JSON.stringify(ds.body)).to.equal(201);
    const datasetId = ds.body.result.id as string;

    const offered = await json(gw.keys["DATA-OFFICE"], "exchange", "offer", "--dataset", datasetId, "--price", "1200", "--term-days", "90", "--max-licences", "3", "--policy", JSON.stringify(POLICY));
    const offerId = offered.result.offerId as string;
    const policyFile = path.join(work, "policy.json");
    fs.writeFileSync(policyFile, JSON.stringify(POLICY));
    const second = await json(gw.keys["DATA-OFFICE"], "exchange", "offer", "--dataset", datasetId, "--price", "900", "--term-days", "30", "--policy", policyFile);
    expect(second.result.termsHash).to.equal(offered.result.termsHash);

    // The own-key buyer: the SDK relays the approval of exactly the price, then the purchase, both signed here.
    const bought = await json(buyerKey, "exchange", "purchase", "--offer", offerId, "--max-price", "1200", "--key", keyFile);
    expect(bought.result).to.include({ offerId, buyer: code, price: "1200", fee: "0", datasetId });
    expect(await gw.services.contracts.dataAssets.hasAccess(datasetId, address)).to.equal(true);
    expect(await gw.services.contracts.settlement.balanceOf(address)).to.equal(3800n);
    expect(gw.services.keystore.has(code)).to.equal(false);

    const shown = await json(buyerKey, "exchange", "show", offerId);
    expect(shown).to.include({ id: offerId, priceVnd: "1200", sold: 1, maxLicences: 3, status: "Open" });
    expect(shown.policy).to.deep.equal(POLICY);
    const listed = await json(buyerKey, "exchange", "offers", "--dataset", datasetId);
    expect(listed.items.map((o: { id: string }) => o.id)).to.deep.equal([offerId, second.result.offerId]);

    const cancelled = await json(gw.keys["DATA-OFFICE"], "exchange", "cancel", "--offer", second.result.offerId);
    expect(cancelled.result).to.include({ offerId: second.result.offerId, status: "Cancelled" });
    const open = await json(buyerKey, "exchange", "offers", "--dataset", datasetId, "--open", "true");
    expect(open.items.map((o: { id: string }) => o.id)).to.deep.equal([offerId]);
  });

  it("refuses bad options with usage (exit 2) and a refused purchase in the one error shape (exit 1)", async function () {
    const usage = await cal(gw.keys["DATA-OFFICE"], "exchange", "offer", "--dataset", "1", "--price", "1", "--term-days", "ninety", "--policy", JSON.stringify(POLICY));
    expect(usage.code).to.equal(2);
    expect(usage.out[0]).to.match(/--term-days must be a whole number/);
    const missing = await cal(gw.keys["BIZ-LOGISTICS"], "exchange", "purchase", "--offer", "1");
    expect(missing.code).to.equal(2);
    expect(missing.out[0]).to.match(/--max-price is required/);
    const refused = await cal(gw.keys["BIZ-LOGISTICS"], "exchange", "purchase", "--offer", "999999", "--max-price", "1", "--json");
    expect(refused.code).to.equal(1);
    expect(JSON.parse(refused.out[0]).error).to.include.keys("code", "message", "details");
  });
});

import crypto from "node:crypto";
import { expect } from "chai";
import { encryptKeystoreJson, Wallet } from "ethers";
import { api, waitFor } from "../e2e/helpers/processes";
import { pattern, PortalSession, type Lang } from "./helpers/browser";
import { startPortalSystem, type PortalSystem } from "./helpers/system";

const PRICE = 1_500_000n;

/**
 * The data exchange, own-key signing and event subscriptions in the portal, in a real browser against a started
 * system: an own-key organisation decrypts its key file in the page and signs its offer and its cancellation (the
 * private key and the password never cross the network), a business buys a licence with the price and maxPrice
 * shown and finds it under "my licences", the administrator subscribes a webhook, sees its secret once, deletes it.
 */
describe("portal: data exchange, own keys and subscriptions (Chromium against a started system)", function () {
  this.timeout(900_000);
  let system: PortalSystem | undefined;
  before(async function () {
    system = await startPortalSystem();
  });
  after(async () => system?.stop());

  it("own keys: an EIP-1193 wallet in the page (window.ethereum) signs an offer; the key stays in the wallet", async function () {
    const { gw, browser } = system!;
    const { code, wallet, apiKey, title } = await ownKeyOrgWithDataset(system!, "OWNWALLET", "en");
    const { chainId } = (await api(gw, apiKey, "GET", "/v1/network")).body as { chainId: string };
    const s = await PortalSession.open(browser, gw.url, "en");
    const sent: string[] = [];
    s.page.on("request", (r) => sent.push(`${r.method()} ${r.url()}\n${r.postData() ?? ""}`));
    const asked: string[] = [];
    // The wallet: a minimal EIP-1193 provider whose key is held here, outside the page, as a browser extension's is.
    await s.page.exposeFunction("walletRequest", async (method: string, params: unknown[]) => {
      asked.push(method);
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [wallet.address];
      if (method === "eth_chainId") return `0x${BigInt(chainId).toString(16)}`;
      if (method === "eth_signTypedData_v4") {
        const typed = JSON.parse(params[1] as string) as { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; message: Record<string, unknown> };
        const { EIP712Domain: _domain, ...types } = typed.types;
        return wallet.signTypedData(typed.domain, types, typed.message);
      }
      throw new Error(`wallet: ${method} not supported`);
    });
    await s.page.addInitScript("window.ethereum = { request: ({ method, params }) => window.walletRequest(method, params ?? []) };");
    await s.signIn(apiKey);
    await s.page.getByRole("button", { name: s.t("ownkey.useWallet") }).click();
    await s.page.getByText(s.t("ownkey.active", { address: wallet.address })).waitFor({ timeout: 30_000 });
    await openDatasetInApp(s, title);
    const offerId = await makeOffer(s, { price: PRICE, actions: "use" });
    expect(asked).to.include("eth_signTypedData_v4");
    expect((await api(gw, apiKey, "GET", `/v1/offers/${offerId}`)).body.offerer).to.deep.equal({ address: wallet.address, organization: code });
    expect(sent.some((r) => r.startsWith("POST") && r.includes("/v1/signed-requests"))).to.equal(true);
    expect(sent.filter((r) => r.toLowerCase().includes(wallet.privateKey.slice(2).toLowerCase()))).to.deep.equal([]);
    await s.close();
  });

  for (const lang of ["vi", "en"] as Lang[]) {
    describe(`in ${lang === "vi" ? "Vietnamese" : "English"}`, function () {
      it("own keys: an organisation signs its offer with a key file in the page; a business buys with price and maxPrice shown and sees it in my licences; the offer is cancelled", async function () {
        const { gw, browser, keys } = system!;
        const vnd = (n: bigint) => new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en", { style: "currency", currency: "VND", maximumFractionDigits: 0 }).format(n);

        // An own-key organisation, admitted through the API with its account; its key file is an encrypted keystore.
        const { code, wallet, apiKey, datasetId, title } = await ownKeyOrgWithDataset(system!, `OWNKEY-${lang.toUpperCase()}`, lang);
        const password = `pw-${crypto.randomBytes(12).toString("hex")}`;
        const keyFile = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, password, { scrypt: { N: 1 << 12 } });
        const content = datasetId.slice(2, 18);

        const own = await PortalSession.open(browser, gw.url, lang);
        const sent: string[] = [];
        own.page.on("request", (r) => sent.push(`${r.method()} ${r.url()}\n${r.postData() ?? ""}`));
        await own.signIn(apiKey);
        await own.page.getByLabel(own.t("ownkey.file")).setInputFiles({ name: "key.json", mimeType: "application/json", buffer: Buffer.from(keyFile) });
        await own.page.getByLabel(own.t("ownkey.password")).fill(password);
        await own.page.getByRole("button", { name: own.t("ownkey.useFile") }).click();
        await own.page.getByText(own.t("ownkey.active", { address: wallet.address })).waitFor({ timeout: 60_000 });
        await own.check("own-key");

        await openDatasetInApp(own, title);
        const offerId = await makeOffer(own, { price: PRICE, actions: "use, reproduce", attribute: "Sở Thông tin và Truyền thông Đà Nẵng" });
        const row = own.page.locator(`[data-testid=offers] tr[data-offer="${offerId}"]`);
        expect(await row.textContent()).to.contain("use, reproduce").and.contain(vnd(PRICE)).and.contain(own.t("offerStatus.Open"));
        await own.check("dataset-offers");

        // Signed in the page, relayed by the gateway, attributed to the organisation's own account.
        expect(sent.some((r) => r.startsWith("POST") && r.includes("/v1/signed-requests")), "the offer went through /v1/signed-requests").to.equal(true);
        const offer = (await api(gw, apiKey, "GET", `/v1/offers/${offerId}`)).body;
        expect(offer.offerer).to.deep.equal({ address: wallet.address, organization: code });
        expect(offer.policy.permission.map((p: { action: string }) => p.action)).to.deep.equal(["use", "reproduce"]);
        // The relayer sent the transaction; the Forwarder made the signer the sender the contract saw.
        const offerer = async (event: string) => {
          const history = (await api(gw, keys["AUDITOR"], "GET", `/v1/audit/events?dataset=${datasetId}`)).body.items as { event: string; args: { offerer: string } }[];
          return history.find((e) => e.event === event)?.args.offerer.toLowerCase();
        };
        expect(await offerer("OfferCreated")).to.equal(wallet.address.toLowerCase());

        // A business buys: the price and the maxPrice it sends are shown before it confirms.
        expect((await api(gw, keys["TREASURY"], "POST", "/v1/settlement/mint", { to: "BIZ-LOGISTICS", amount: PRICE.toString(), reference: `PORTAL-${lang}-${content.slice(0, 8)}` })).status).to.equal(201);
        const biz = await PortalSession.open(browser, gw.url, lang);
        await biz.signIn(keys["BIZ-LOGISTICS"]);
        await biz.goto(`/datasets/${datasetId}`);
        await biz.page.getByRole("button", { name: biz.t("offers.buyOffer", { id: offerId }) }).click();
        const price = (await biz.page.getByTestId("licence-price").textContent())!;
        expect(price.split(vnd(PRICE)).length - 1, "price and maxPrice").to.equal(2);
        await biz.check("licence-buy");
        await biz.page.getByRole("button", { name: biz.t("offers.confirmBuy") }).click();
        await biz.page.getByTestId("licence-bought").waitFor({ timeout: 60_000 });
        const licences = (await api(gw, keys["BIZ-LOGISTICS"], "GET", "/v1/licenses?inForce=true&limit=200")).body.items as { datasetId: string; expiresAt: string }[];
        const licence = licences.find((l) => l.datasetId === datasetId)!;
        expect(licence, "the licence bought").to.not.equal(undefined);
        await biz.page.getByRole("navigation", { name: biz.t("nav.label") }).getByRole("link", { name: biz.t("nav.licences") }).click();
        const mine = biz.page.locator(`[data-testid=licences] tr[data-dataset="${datasetId}"]`);
        await mine.waitFor();
        const day = new Intl.DateTimeFormat(lang === "vi" ? "vi-VN" : "en", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(licence.expiresAt));
        expect(await mine.textContent()).to.contain(title).and.contain(day).and.contain(biz.t("licences.inForce"));
        await biz.check("licences");
        await biz.close();

        // The offerer withdraws it, signing again in the page.
        await own.page.getByRole("button", { name: own.t("offers.cancelOffer", { id: offerId }) }).click();
        await own.page.locator(`[data-testid=offers] tr[data-offer="${offerId}"]`).getByText(own.t("offerStatus.Cancelled")).waitFor({ timeout: 60_000 });
        expect((await api(gw, apiKey, "GET", `/v1/offers/${offerId}`)).body.status).to.equal("Cancelled");
        expect(await offerer("OfferCancelled")).to.equal(wallet.address.toLowerCase());

        // Nothing the page sent carries the private key or the key file's password.
        const secret = wallet.privateKey.slice(2).toLowerCase();
        expect(sent.length).to.be.greaterThan(5);
        expect(sent.filter((r) => r.toLowerCase().includes(secret) || r.includes(password)), "requests carrying the key or password").to.deep.equal([]);
        await own.close();
      });

      it("administrator: subscribes a webhook with a filter, sees the secret once, deletes the subscription", async function () {
        const { gw, browser, keys } = system!;
        const s = await PortalSession.open(browser, gw.url, lang);
        const { page } = s;
        await s.signIn(keys["CITY-ADMIN"]);
        await page.getByRole("navigation", { name: s.t("nav.label") }).getByRole("link", { name: s.t("nav.subscriptions") }).click();
        await page.getByTestId("subscriptions").waitFor();
        const url = `http://127.0.0.1:9/hooks/portal-${lang}`;
        const form = page.getByRole("form", { name: s.t("subs.create") });
        await form.getByLabel(s.t("subs.url")).fill(url);
        await form.getByLabel(s.t("subs.f.contract")).fill("DataExchange");
        await form.getByRole("button", { name: s.t("subs.create") }).click();
        const secret = (await page.getByTestId("created-secret").locator("code").textContent())!;
        expect(secret).to.match(/^[0-9a-f]{64}$/);
        await page.locator("[data-testid=subscriptions] tr[data-subscription]").filter({ hasText: url }).waitFor();
        await s.check("subscriptions");
        const listed = (await api(gw, keys["CITY-ADMIN"], "GET", "/v1/subscriptions")).body;
        const sub = listed.items.find((i: { url: string }) => i.url === url);
        expect(sub.filter).to.deep.equal({ contract: "DataExchange" });
        expect(JSON.stringify(listed), "the secret is never shown again").to.not.contain(secret);

        await page.getByRole("button", { name: s.t("subs.deleteOne", { url }) }).click();
        await waitFor("the subscription to go", 10_000, async () => (await page.locator("[data-testid=subscriptions] tr[data-subscription]").filter({ hasText: url }).count()) === 0);
        expect((await api(gw, keys["CITY-ADMIN"], "GET", `/v1/subscriptions/${sub.id}`)).status).to.equal(404);
        await s.close();
      });
    });
  }
});

/** Admits an own-key Business organisation with a fresh account and an API key, and registers a dataset it holds. */
async function ownKeyOrgWithDataset(system: PortalSystem, code: string, lang: Lang) {
  const { gw, keys } = system;
  const wallet = Wallet.createRandom();
  const admitted = await api(gw, keys["CITY-ADMIN"], "POST", "/v1/participants", { code, name: `Own-key ${code}`, kind: "Business", accounts: [wallet.address] });
  expect(admitted.status, JSON.stringify(admitted.body)).to.equal(201);
  const apiKey = (await api(gw, keys["CITY-ADMIN"], "POST", "/v1/api-keys", { organization: code })).body.key as string;
  const content = crypto.randomBytes(16).toString("hex");
  const title = lang === "vi" ? `Lưu lượng xe buýt ${content.slice(0, 6)}` : `Bus ridership ${content.slice(0, 6)}`;
  const registered = await api(gw, keys["DATA-OFFICE"], "POST", "/v1/datasets", {
    contentHash: crypto.createHash("sha256").update(content).digest("hex"),
    metadataHash: `0x${crypto.createHash("sha256").update(title).digest("hex")}`,
    holder: code,
    classification: "Open",
    title,
    uri: `https://opendata.example/${content}.csv`,
  });
  expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
  return { code, wallet, apiKey, datasetId: registered.body.result.id as string, title };
}

/** Opens a dataset's page inside the app (the signer lives in the tab's memory: never reload). */
async function openDatasetInApp(s: PortalSession, title: string): Promise<void> {
  await s.page.getByRole("navigation", { name: s.t("nav.label") }).getByRole("link", { name: s.t("nav.catalogue") }).click();
  await s.page.getByLabel(s.t("catalogue.text")).fill(title);
  await s.page.getByRole("search").getByRole("button", { name: s.t("catalogue.apply") }).click();
  await s.page.getByRole("link", { name: title }).click();
  await s.page.getByRole("heading", { name: s.t("offers.title"), level: 2 }).waitFor();
}

/** Fills and sends the "offer licences" form; returns the new offer's id once the list shows it. */
async function makeOffer(s: PortalSession, fields: { price: bigint; actions: string; attribute?: string }): Promise<string> {
  const make = s.page.getByRole("form", { name: s.t("offers.make") });
  await make.getByLabel(s.t("offers.price")).fill(fields.price.toString());
  await make.getByLabel(s.t("offers.termDays")).fill("30");
  await make.getByLabel(s.t("offers.actions")).fill(fields.actions);
  if (fields.attribute) await make.getByLabel(s.t("offers.attribute")).fill(fields.attribute);
  await make.getByRole("button", { name: s.t("offers.makeSubmit") }).click();
  await make.getByText(pattern(s.lang, "offers.made")).waitFor({ timeout: 60_000 });
  const made = (await make.getByText(pattern(s.lang, "offers.made")).textContent())!;
  const id = /\d+/.exec(made)![0];
  await s.page.locator(`[data-testid=offers] tr[data-offer="${id}"]`).waitFor();
  return id;
}

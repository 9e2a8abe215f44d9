import crypto from "node:crypto";
import { expect } from "chai";
import { encryptKeystoreJson, Wallet } from "ethers";
import { api, waitFor } from "../e2e/helpers/processes";
import { PortalSession, type Lang } from "./helpers/browser";
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

  for (const lang of ["vi", "en"] as Lang[]) {
    describe(`in ${lang === "vi" ? "Vietnamese" : "English"}`, function () {
      it("own keys: an organisation signs its offer with a key file in the page; a business buys with price and maxPrice shown and sees it in my licences; the offer is cancelled", async function () {
        const { gw, browser, keys } = system!;
        const vnd = (n: bigint) => new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en", { style: "currency", currency: "VND", maximumFractionDigits: 0 }).format(n);

        // An own-key organisation, admitted through the API with its account; its key file is an encrypted keystore.
        const code = `OWNKEY-${lang.toUpperCase()}`;
        const wallet = Wallet.createRandom();
        const password = `pw-${crypto.randomBytes(12).toString("hex")}`;
        const keyFile = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, password, { scrypt: { N: 1 << 12 } });
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
        const datasetId = registered.body.result.id as string;

        const own = await PortalSession.open(browser, gw.url, lang);
        const sent: string[] = [];
        own.page.on("request", (r) => sent.push(`${r.method()} ${r.url()}\n${r.postData() ?? ""}`));
        await own.signIn(apiKey);
        await own.page.getByLabel(own.t("ownkey.file")).setInputFiles({ name: "key.json", mimeType: "application/json", buffer: Buffer.from(keyFile) });
        await own.page.getByLabel(own.t("ownkey.password")).fill(password);
        await own.page.getByRole("button", { name: own.t("ownkey.useFile") }).click();
        await own.page.getByText(own.t("ownkey.active", { address: wallet.address })).waitFor({ timeout: 60_000 });
        await own.check("own-key");

        // The signer lives in the tab's memory: move inside the single-page app, never reload.
        await own.page.getByRole("navigation", { name: own.t("nav.label") }).getByRole("link", { name: own.t("nav.catalogue") }).click();
        await own.page.getByLabel(own.t("catalogue.text")).fill(title);
        await own.page.getByRole("search").getByRole("button", { name: own.t("catalogue.apply") }).click();
        await own.page.getByRole("link", { name: title }).click();
        await own.page.getByRole("heading", { name: own.t("offers.title"), level: 2 }).waitFor();
        const make = own.page.getByRole("form", { name: own.t("offers.make") });
        await make.getByLabel(own.t("offers.price")).fill(PRICE.toString());
        await make.getByLabel(own.t("offers.termDays")).fill("30");
        await make.getByLabel(own.t("offers.actions")).fill("use, reproduce");
        await make.getByLabel(own.t("offers.attribute")).fill("Sở Thông tin và Truyền thông Đà Nẵng");
        await make.getByRole("button", { name: own.t("offers.makeSubmit") }).click();
        const row = own.page.getByTestId("offers").locator("tbody tr[data-offer]");
        await row.first().waitFor({ timeout: 60_000 });
        const offerId = (await row.first().getAttribute("data-offer"))!;
        expect(await row.first().textContent()).to.contain("use, reproduce").and.contain(vnd(PRICE)).and.contain(own.t("offerStatus.Open"));
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

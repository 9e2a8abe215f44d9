import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Browser } from "playwright-core";
import { DEMO_AMOUNTS, type DemoOutcome } from "../../scripts/demo/scenario";
import { api, waitFor, type GatewayProcess } from "../e2e/helpers/processes";
import { measureFirstLoad } from "../../scripts/bench/lib/first-load";
import { pattern, PortalSession, text, type Lang } from "./helpers/browser";
import { pdfText } from "./helpers/pdf-text";
import { DIST, startPortalSystem, type PortalSystem } from "./helpers/system";

const sha256 = (data: string | Buffer) => crypto.createHash("sha256").update(data).digest("hex");

/**
 * The portal in a real browser (Debian's Chromium, headless) against one started system shared by every journey: the
 * gateway on a temporary DATA_DIR with its embedded node, the demo scenario run through the API first. One journey per
 * user group, in Vietnamese and in English; axe-core checks every page; screenshots go to test-output/portal.
 */
describe("portal (Chromium against a started system)", function () {
  this.timeout(900_000);
  let gw: GatewayProcess;
  let browser: Browser;
  let keys: Record<string, string>;
  let demo: DemoOutcome;
  let system: PortalSystem | undefined;

  before(async function () {
    system = await startPortalSystem();
    ({ gw, browser, keys, demo } = system);
  });

  after(async () => system?.stop());

  it("serves the portal at / with SPA fallback, leaving the API, docs and metadata alone; reports size and first load", async function () {
    const page = await fetch(`${gw.url}/certificates/1`, { headers: { Accept: "text/html" } });
    expect(page.status).to.equal(200);
    expect(page.headers.get("content-type")).to.match(/text\/html/);
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).to.contain("script-src 'self'");
    expect(csp).to.match(/connect-src 'self' http:\/\/127\.0\.0\.1:\d+/);
    const missing = await fetch(`${gw.url}/v1/no-such-thing`, { headers: { Accept: "text/html" } });
    expect(missing.status, "an unknown API path is still a JSON 404").to.equal(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).to.equal("ROUTE_NOT_FOUND");
    expect((await fetch(`${gw.url}/openapi.json`)).headers.get("content-type")).to.match(/json/);
    expect((await fetch(`${gw.url}/health`)).status).to.equal(200);

    const files = fs.readdirSync(path.join(DIST, "assets"));
    const size = (f: string) => fs.statSync(path.join(DIST, "assets", f)).size;
    const index = fs.readFileSync(path.join(DIST, "index.html"), "utf8");
    const initial = files.filter((f) => index.includes(f));
    const gz = (f: string) => require("node:zlib").gzipSync(fs.readFileSync(path.join(DIST, "assets", f))).length as number;
    // `/` arrives with the home page prerendered (its heading paints before the script runs); any other route gets
    // an empty root, never the home page's content.
    const home = await (await fetch(`${gw.url}/`, { headers: { Accept: "text/html" } })).text();
    expect(home).to.contain('data-prerendered="/"');
    expect(home).to.match(new RegExp(`<h1[^>]*>${text("vi", "home.title")}</h1>`));
    const other = await (await fetch(`${gw.url}/certificates/1`, { headers: { Accept: "text/html" } })).text();
    expect(other).to.contain('<div id="root"></div>');
    expect(other).to.not.contain("<h1");

    // The app hydrates the prerendered page without a mismatch (React reports one as a page error) and is then the
    // only thing on it: one heading, the sign-in form working (the journeys below sign in through it).
    const s = await PortalSession.open(browser, gw.url, "vi");
    await s.goto("/");
    expect(await s.page.locator("main h1").count()).to.equal(1);
    await s.close();
    const load = await measureFirstLoad(browser, `${gw.url}/`);
    // eslint-disable-next-line no-console
    console.log(
      `      bundle: first load ${initial.length} files ${(initial.reduce((n, f) => n + size(f), 0) / 1024).toFixed(1)} kB ` +
        `(${(initial.reduce((n, f) => n + gz(f), 0) / 1024).toFixed(1)} kB gzip); all ${files.length} files ${(files.reduce((n, f) => n + size(f), 0) / 1024).toFixed(1)} kB; ` +
        `one first load on loopback (page clock; the benchmark takes medians): heading painted ${load.headingPaintedMs} ms, interactive ${load.interactiveMs} ms`,
    );
  });

  for (const lang of ["vi", "en"] as Lang[]) {
    describe(`in ${lang === "vi" ? "Vietnamese" : "English"}`, function () {
      it("data office: registers a dataset by dropping its file, verifies it, and imports a catalogue with preview and commit", async function () {
        const s = await PortalSession.open(browser, gw.url, lang);
        const { page } = s;
        await s.signIn(keys["DATA-OFFICE"]);
        await s.check("home");

        await s.goto("/datasets");
        await page.getByRole("table").first().waitFor();
        await s.check("catalogue");
        await page.getByLabel(s.t("catalogue.text")).fill("Aquaculture");
        await page.getByRole("search").getByRole("button", { name: s.t("catalogue.apply") }).click();
        await page.getByRole("link", { name: /Aquaculture/ }).first().waitFor();
        await page.getByRole("link", { name: /Aquaculture/ }).first().click();
        await page.getByRole("heading", { name: s.t("history.title") }).waitFor();
        await page.locator("table.history tbody tr").first().waitFor();
        await s.check("dataset");

        // Register by dropping a file: the hash shown is the file's sha256, computed in the browser.
        const content = `station,pm25\nHai Chau,${lang}-${Date.now()}\n`;
        await s.goto("/datasets/register");
        await s.drop(`air-quality-${lang}.csv`, content, "text/csv");
        await expect(await page.getByTestId("file-hash").textContent()).to.contain(sha256(content));
        await page.getByLabel(s.t("dataset.name")).fill(lang === "vi" ? "Chất lượng không khí Hải Châu" : "Air quality, Hai Chau");
        await page.getByRole("button", { name: s.t("register.submit") }).click();
        await page.getByRole("link", { name: s.t("register.open") }).waitFor({ timeout: 60_000 });
        await expect(await page.locator(".tx .steps li.current").textContent()).to.equal(s.t("tx.mined"));
        await s.check("register");
        const registered = await api(gw, keys["DATA-OFFICE"], "GET", `/v1/datasets/by-hash/${sha256(content)}`);
        expect(registered.status).to.equal(200);
        expect(registered.body.holder.organization).to.equal("DATA-OFFICE");

        // Anyone with the file: registered, by whom, which version.
        await s.goto("/verify");
        await s.drop("copy.csv", content);
        await page.getByTestId("verify-result").getByText(s.t("verify.registered")).waitFor();
        await expect(await page.getByTestId("verify-result").textContent()).to.contain("DATA-OFFICE");
        await s.check("verify");

        // DCAT import: upload, validation report, preview, commit with progress.
        const entries = [1, 2, 3].map((i) => {
          const body = `${lang}-${i}-${Date.now()}`;
          return {
            "@type": "dcat:Dataset",
            identifier: `portal-${lang}-${i}-${Date.now()}`,
            title: lang === "vi" ? `Dữ liệu giao thông quận ${i}` : `Traffic counts, district ${i}`,
            accessLevel: "public",
            distribution: [{ downloadURL: `https://opendata.example/${lang}-${i}.csv`, checksum: { algorithm: "sha256", checksumValue: sha256(body) } }],
          };
        });
        await s.goto("/datasets/import");
        await s.drop("broken.json", JSON.stringify({ "@type": "dcat:Catalog", dataset: [{ identifier: "x" }] }), "application/json");
        await page.getByRole("button", { name: s.t("import.validate") }).click();
        await page.getByRole("heading", { name: s.t("import.report") }).waitFor();
        await expect(await page.getByRole("alert").textContent()).to.contain("VALIDATION_FAILED");
        await s.drop("catalogue.json", JSON.stringify({ "@type": "dcat:Catalog", title: "Portal test", dataset: entries }), "application/json");
        await page.getByRole("button", { name: s.t("import.validate") }).click();
        await page.getByTestId("import-summary").getByText(s.t("import.valid", { n: 3 })).waitFor();
        await s.check("import-preview");
        await page.getByRole("button", { name: s.t("import.commit", { n: 3 }) }).click();
        await page.getByTestId("import-done").waitFor({ timeout: 60_000 });
        expect(await page.locator("#import-progress").getAttribute("value")).to.equal("1");
        await s.check("import-done");
        for (const e of entries) {
          const res = await api(gw, keys["DATA-OFFICE"], "GET", `/v1/datasets/by-hash/${e.distribution[0].checksum.checksumValue}`);
          expect(res.status, e.identifier).to.equal(200);
        }
        await s.close();
      });

      it("business: buys with retire-on-purchase, opens the certificate page (verified on chain) and its PDF", async function () {
        const s = await PortalSession.open(browser, gw.url, lang);
        const { page } = s;
        await s.signIn(keys["BIZ-LOGISTICS"]);
        const tradesOf = async (side: "buyer" | "seller") => (await api(gw, keys["BIZ-LOGISTICS"], "GET", `/v1/market/trades?${side}=BIZ-LOGISTICS`)).body.items.length as number;
        const tradesBefore = await tradesOf("buyer");
        const shownBefore = tradesBefore + (await tradesOf("seller"));
        await s.goto(`/market?batch=${demo.batches.solar}`);
        await page.getByRole("table").first().waitFor();
        const myTrades = page.getByTestId("my-trades").locator("tbody tr[data-trade]");
        await s.check("market");
        await page.getByRole("button", { name: s.t("market.buyListing", { id: demo.listing }) }).click();
        const buy = page.getByRole("form", { name: s.t("market.buyListing", { id: demo.listing }) });
        const amount = 100n; // the demo listing's minimum fill
        await buy.getByLabel(s.t("common.amount")).fill(amount.toString());
        const total = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en", { style: "currency", currency: "VND", maximumFractionDigits: 0 }).format(
          amount * DEMO_AMOUNTS.unitPrice,
        );
        await expect(await page.getByTestId("total-cost").textContent()).to.contain(total);
        await buy.getByLabel(s.t("market.retireOnPurchase")).check();
        const beneficiary = lang === "vi" ? "Công ty Vận tải Xanh Đà Nẵng" : "Green Freight Đà Nẵng Ltd";
        const reason = lang === "vi" ? "Bù trừ phát thải đội xe điện năm 2025" : "Offsetting the 2025 fleet emissions of Hội An";
        await buy.getByLabel(s.t("retire.beneficiary"), { exact: true }).fill(beneficiary);
        await buy.getByLabel(s.t("common.reason")).fill(reason);
        await buy.getByLabel(s.t("retire.from")).fill("2025-01-01");
        await buy.getByLabel(s.t("retire.to")).fill("2025-12-31");
        await s.check("market-buy");
        await buy.getByRole("button", { name: s.t("market.buyAndRetire") }).click();
        const link = page.getByRole("link", { name: pattern(lang, "certificate.open") });
        await link.waitFor({ timeout: 60_000 });
        // The page refetches its trades once the write is mined (and the gateway answers "mined" once the index holds
        // the block): the new trade appears there, and the API lists it too.
        await waitFor("the purchase in my trades", 30_000, async () => (await myTrades.count()) === shownBefore + 1);
        const trades = await api(gw, keys["BIZ-LOGISTICS"], "GET", `/v1/market/trades?buyer=BIZ-LOGISTICS`);
        expect(trades.body.items.length).to.equal(tradesBefore + 1);
        expect(trades.body.items.some((t: { amount: string }) => t.amount === amount.toString())).to.equal(true);

        await link.click();
        await chainChecked(s);
        const id = page.url().split("/").pop()!;
        const cert = (await api(gw, keys["BIZ-LOGISTICS"], "GET", `/v1/carbon/retirements/${id}`)).body;
        expect(await page.getByTestId("chain-check").textContent()).to.contain(String(cert.transaction.blockNumber));
        expect(cert.beneficiary.name).to.equal(beneficiary);
        await s.check("certificate");

        // The public page works without signing in, and says why when the chain check cannot pass.
        const anon = await PortalSession.open(browser, gw.url, lang);
        await anon.goto(`/certificates/${id}`);
        await anon.chooseLanguage();
        await chainChecked(anon);
        await anon.close();

        const href = await page.getByTestId("pdf-link").getAttribute("href");
        const pdf = await page.request.get(`${gw.url}${href}`);
        expect(pdf.status()).to.equal(200);
        expect(pdf.headers()["content-type"]).to.equal("application/pdf");
        const words = pdfText(Buffer.from(await pdf.body()));
        for (const expected of [
          lang === "vi" ? "Giấy chứng nhận hủy bỏ tín chỉ carbon" : "Carbon credit retirement certificate",
          beneficiary,
          reason,
          `${cert.serials.first} – ${cert.serials.last}`,
          cert.transaction.transactionHash,
          String(cert.transaction.blockNumber),
          cert.project.id,
          `/certificates/${id}`,
        ]) {
          expect(words, `the PDF shows ${expected}`).to.contain(expected);
        }
        await s.close();
      });

      it("auditor: follows a batch's history, reconciles, and verifies a log entry's proof in the browser", async function () {
        const s = await PortalSession.open(browser, gw.url, lang);
        const { page } = s;
        await s.signIn(keys["AUDITOR"]);
        await s.goto(`/carbon/batches/${demo.batches.solar}`);
        await page.locator("table.history tbody tr").first().waitFor();
        expect(await page.locator("table.history").textContent()).to.contain("CarbonCreditRegistry.BatchIssued");
        await page.locator("figure.chart").first().waitFor();
        await s.check("batch");

        await s.goto("/audit");
        await page.getByLabel(s.t("audit.subject"), { exact: true }).selectOption("batch");
        await page.getByLabel(s.t("audit.subjectId")).fill(demo.batches.solar);
        await page.getByRole("search").getByRole("button", { name: s.t("audit.follow") }).click();
        await page.locator("table.history tbody tr").first().waitFor();
        expect(await page.locator("table.history").textContent()).to.contain("CarbonMarket");
        await page.getByRole("button", { name: s.t("audit.runReconcile") }).click();
        await page.getByTestId("reconcile").getByText(s.t("audit.passed")).waitFor({ timeout: 120_000 });

        // An anchored entry: its hash, leaf and path to the anchored root are recomputed in the browser.
        await waitFor("an anchored log entry", 30_000, async () => {
          const proof = await api(gw, keys["AUDITOR"], "GET", "/v1/audit/log/1/proof");
          return proof.body.anchored === true;
        });
        await page.reload();
        await page.getByRole("button", { name: s.t("audit.verifyEntry", { id: 1 }), exact: true }).click();
        await page.getByTestId("proof").getByText(pattern(lang, "audit.proofOk")).waitFor();
        expect(await page.getByTestId("proof").textContent()).to.not.contain("✗");
        await s.check("audit");
        await s.close();
      });

      it("administrator: suspends and reinstates an organisation; creates an API key shown once and revokes it", async function () {
        const s = await PortalSession.open(browser, gw.url, lang);
        const { page } = s;
        await s.signIn(keys["CITY-ADMIN"]);
        await s.goto("/admin");
        const status = page.getByTestId("status-BIZ-SOLAR");
        await status.waitFor();
        await s.check("admin");
        await page.getByRole("button", { name: s.t("admin.suspendOrg", { org: "BIZ-SOLAR" }) }).click();
        await page.getByRole("form", { name: s.t("admin.suspendOrg", { org: "BIZ-SOLAR" }) }).getByLabel(s.t("common.reason")).fill("Audit pending");
        await page.getByRole("form", { name: s.t("admin.suspendOrg", { org: "BIZ-SOLAR" }) }).getByRole("button", { name: s.t("admin.suspend") }).click();
        await page.getByTestId("status-BIZ-SOLAR").getByText(s.t("orgStatus.Suspended")).waitFor({ timeout: 60_000 });
        expect((await api(gw, keys["CITY-ADMIN"], "GET", "/v1/participants/BIZ-SOLAR")).body.status).to.equal("Suspended");
        await s.check("admin-suspended");
        await page.getByRole("button", { name: s.t("admin.reinstateOrg", { org: "BIZ-SOLAR" }) }).click();
        await page.getByRole("form", { name: s.t("admin.reinstateOrg", { org: "BIZ-SOLAR" }) }).getByLabel(s.t("common.reason")).fill("Audit closed");
        await page.getByRole("form", { name: s.t("admin.reinstateOrg", { org: "BIZ-SOLAR" }) }).getByRole("button", { name: s.t("admin.reinstate") }).click();
        await page.getByTestId("status-BIZ-SOLAR").getByText(s.t("orgStatus.Active")).waitFor({ timeout: 60_000 });
        expect((await api(gw, keys["CITY-ADMIN"], "GET", "/v1/participants/BIZ-SOLAR")).body.status).to.equal("Active");

        const label = `portal-${lang}`;
        await page.getByRole("form", { name: s.t("admin.createKey") }).getByLabel(s.t("common.organization")).fill("AUDITOR");
        await page.getByRole("form", { name: s.t("admin.createKey") }).getByLabel(s.t("admin.label")).fill(label);
        await page.getByRole("form", { name: s.t("admin.createKey") }).getByRole("button", { name: s.t("admin.createKey") }).click();
        const created = (await page.getByTestId("created-key").locator("code").textContent())!;
        expect((await api(gw, created, "GET", "/v1/session")).body.organization).to.equal("AUDITOR");
        const listed = (await api(gw, keys["CITY-ADMIN"], "GET", "/v1/api-keys")).body.items.find((k: { label: string }) => k.label === label);
        await page.getByRole("button", { name: s.t("admin.revokeKey", { id: listed.id }) }).click();
        await waitFor("the key to be refused", 10_000, async () => (await api(gw, created, "GET", "/v1/session")).status === 401);
        await s.close();
      });

      it("administrator and guardian: see a scheduled operation count down and cancel it; pause and unpause behind a confirmation", async function () {
        const scheduled = await api(gw, keys["CITY-ADMIN"], "POST", "/v1/governance/operations", { action: "setCreditURI", uri: `https://ledger.example/${lang}/{id}.json` });
        expect(scheduled.status, JSON.stringify(scheduled.body)).to.equal(201);
        const id = scheduled.body.result.operationId as string;
        const s = await PortalSession.open(browser, gw.url, lang);
        const { page } = s;
        await s.signIn(keys["CITY-ADMIN"]);
        await s.goto("/governance");
        await page.getByTestId(`op-state-${id}`).waitFor();
        await s.check("governance");
        const call = `CarbonCreditRegistry.setURI(https://ledger.example/${lang}/{id}.json)`;
        await page.getByRole("button", { name: s.t("gov.cancelOp", { call }) }).click();
        await page.getByTestId(`op-state-${id}`).getByText(s.t("gov.state.cancelled")).waitFor({ timeout: 60_000 });
        const listed = (await api(gw, keys["CITY-ADMIN"], "GET", "/v1/governance/operations")).body.items.find((o: { id: string }) => o.id === id);
        expect(listed.state).to.equal("cancelled");
        await s.close();

        const g = await PortalSession.open(browser, gw.url, lang);
        await g.signIn(keys["CITY-GUARDIAN"]);
        await g.goto("/governance");
        await g.page.getByTestId("gov-paused").getByText(g.t("gov.running")).waitFor();
        await g.page.getByRole("button", { name: g.t("gov.pause") }).click();
        await g.check("governance-confirm");
        await g.page.getByRole("button", { name: g.t("gov.confirm") }).click();
        await g.page.getByTestId("gov-paused").getByText(g.t("gov.paused")).waitFor({ timeout: 60_000 });
        expect((await api(gw, keys["AUDITOR"], "GET", "/v1/governance/status")).body.paused).to.equal(true);
        await g.page.getByRole("button", { name: g.t("gov.unpause") }).click();
        await g.page.getByRole("button", { name: g.t("gov.confirm") }).click();
        await g.page.getByTestId("gov-paused").getByText(g.t("gov.running")).waitFor({ timeout: 60_000 });
        expect((await api(gw, keys["AUDITOR"], "GET", "/v1/governance/status")).body.paused).to.equal(false);
        await g.close();
      });
    });
  }
});

/** Waits for the certificate page's own check against the chain to finish; it must say "verified at block N". */
async function chainChecked(s: PortalSession): Promise<void> {
  const box = s.page.getByTestId("chain-check");
  await waitFor("the chain check to finish", 90_000, async () => !((await box.textContent()) ?? "").includes(s.t("certificate.checking")));
  expect(await box.textContent()).to.match(pattern(s.lang, "certificate.verified"));
}

/**
 * Benchmark: the portal on loopback against the started system. The index is filled with a catalogue of `datasets`
 * synthetic rows (scripts/bench/lib/catalogue-fill.ts), then: the catalogue API's first and next page (20 each), and
 * in headless Chromium (Debian's, when installed) the first load of `/` to its first heading, and `/datasets` to its
 * first page of rows and from there to the next page. Also the initial bundle (the files index.html names).
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import Database from "better-sqlite3";
import { fillCatalogue } from "./lib/catalogue-fill";
import type { BenchGateway } from "./lib/gateway-system";
import { percentile, round } from "./lib/stats";

export interface PortalBenchResult {
  datasets: number;
  catalogueApi: { firstPageP50ms: number; nextPageP50ms: number; samples: number };
  bundle: { initialFiles: number; initialKb: number; initialGzipKb: number };
  browser:
    | {
        /** From the driver: goto to the first heading visible. */
        firstLoadMs: number;
        pageClock: { domContentLoadedMs: number; loadEventMs: number; headingSeenByMs: number };
        catalogueFirstPageMs: number;
        catalogueNextPageMs: number;
      }
    | { skipped: string };
}

const DIST = path.resolve(__dirname, "../../server/portal/dist");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function runPortalBenchmark(sys: BenchGateway, options: { datasets: number; samples: number }, log: (line: string) => void): Promise<PortalBenchResult> {
  const db = new Database(path.join(sys.dataDir, "index.db"));
  try {
    db.pragma("busy_timeout = 30000");
    const holder = (await sys.call(sys.apiKeys["DATA-OFFICE"], "GET", "/v1/participants/DATA-OFFICE")).body.accounts[0] as string;
    fillCatalogue(db, options.datasets, holder);
  } finally {
    db.close();
  }
  const key = sys.apiKeys["DATA-OFFICE"];
  const first: number[] = [];
  const next: number[] = [];
  for (let i = 0; i < options.samples; i++) {
    let t0 = performance.now();
    const page = await sys.call(key, "GET", "/v1/datasets?limit=20");
    first.push(performance.now() - t0);
    t0 = performance.now();
    await sys.call(key, "GET", `/v1/datasets?limit=20&cursor=${page.body.nextCursor}`);
    next.push(performance.now() - t0);
  }
  if (!fs.existsSync(path.join(DIST, "index.html"))) throw new Error("the portal is not built (npm run build:portal)");
  const index = fs.readFileSync(path.join(DIST, "index.html"), "utf8");
  const initial = fs.readdirSync(path.join(DIST, "assets")).filter((f) => index.includes(f));
  const bytes = initial.map((f) => fs.readFileSync(path.join(DIST, "assets", f)));
  const result: PortalBenchResult = {
    datasets: options.datasets,
    catalogueApi: { firstPageP50ms: round(percentile(first, 50), 1)!, nextPageP50ms: round(percentile(next, 50), 1)!, samples: options.samples },
    bundle: {
      initialFiles: initial.length,
      initialKb: round(bytes.reduce((n, b) => n + b.length, 0) / 1024, 1)!,
      initialGzipKb: round(bytes.reduce((n, b) => n + zlib.gzipSync(b).length, 0) / 1024, 1)!,
    },
    browser: fs.existsSync(CHROMIUM) ? await inBrowser(sys.url, key) : { skipped: `no Chromium at ${CHROMIUM}` },
  };
  log(
    `portal: ${options.datasets} datasets; catalogue API first page p50 ${result.catalogueApi.firstPageP50ms} ms, next ${result.catalogueApi.nextPageP50ms} ms; ` +
      `initial bundle ${result.bundle.initialFiles} files ${result.bundle.initialKb} kB (${result.bundle.initialGzipKb} kB gzip); browser ${JSON.stringify(result.browser)}`,
  );
  return result;
}

async function inBrowser(url: string, apiKey: string): Promise<PortalBenchResult["browser"]> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    // The browser's own start-up is not the portal's: warm it on a blank page, then load in a fresh context (no cache).
    await (await browser.newPage()).goto("about:blank");
    const context = await browser.newContext();
    const page = await context.newPage();
    let t0 = performance.now();
    await page.goto(url);
    await page.locator("main h1").first().waitFor();
    const firstLoadMs = performance.now() - t0;
    // The page's own clock (from its navigation start), without the driver's round trips: DOMContentLoaded, load,
    // and now (just after the heading was seen; an upper bound of the time to it).
    const clock = JSON.parse(
      (await page.evaluate(
        `JSON.stringify({ dom: performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd, load: performance.getEntriesByType("navigation")[0].loadEventEnd, now: performance.now() })`,
      )) as string,
    ) as { dom: number; load: number; now: number };
    // String expressions: they run in the page (this file compiles without the DOM library).
    await page.evaluate(`sessionStorage.setItem("cal.apiKey", ${JSON.stringify(apiKey)})`);
    t0 = performance.now();
    await page.goto(`${url}/datasets`);
    const rows = page.locator("table tbody tr a");
    await rows.first().waitFor();
    const catalogueFirstPageMs = performance.now() - t0;
    const before = await rows.first().textContent();
    t0 = performance.now();
    await page.locator("nav.pager button").last().click();
    await page.waitForFunction(`document.querySelector("table tbody tr a")?.textContent !== ${JSON.stringify(before)}`);
    const catalogueNextPageMs = performance.now() - t0;
    return {
      firstLoadMs: Math.round(firstLoadMs),
      pageClock: { domContentLoadedMs: Math.round(clock.dom), loadEventMs: Math.round(clock.load), headingSeenByMs: Math.round(clock.now) },
      catalogueFirstPageMs: Math.round(catalogueFirstPageMs), catalogueNextPageMs: Math.round(catalogueNextPageMs) };
  } finally {
    await browser.close();
  }
}

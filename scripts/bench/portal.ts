/**
 * Benchmark: the portal on loopback against the started system. The index is filled with a catalogue of `datasets`
 * synthetic rows (scripts/bench/lib/catalogue-fill.ts), then: the catalogue API's first and next page (20 each), and
 * in headless Chromium (Debian's, when installed, launched as the portal tests launch it) the first load of `/`
 * (`samples` times, each in a fresh context of the running browser, on the page's clock: heading painted and
 * interactive, scripts/bench/lib/first-load.ts), and `/datasets` to its first page of rows and from there to the next
 * page. Also the initial bundle (the files index.html names: what `/` loads before it is interactive).
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import Database from "better-sqlite3";
import { fillCatalogue } from "./lib/catalogue-fill";
import { CHROMIUM, launchChromium as launch } from "../lib/chromium";
import { measureFirstLoad, type FirstLoad } from "./lib/first-load";
import type { BenchGateway } from "./lib/gateway-system";
import { percentile, round } from "./lib/stats";

export interface PortalBenchResult {
  datasets: number;
  catalogueApi: { firstPageP50ms: number; nextPageP50ms: number; samples: number };
  bundle: { initialFiles: number; initialKb: number; initialGzipKb: number; homeHtmlKb: number };
  browser:
    | {
        /** Medians of `samples` first loads of `/` (milliseconds from navigation start), and the samples. */
        firstLoad: FirstLoad & { samples: FirstLoad[] };
        catalogueFirstPageMs: number;
        catalogueNextPageMs: number;
      }
    | { skipped: string };
}

const DIST = path.resolve(__dirname, "../../server/portal/dist");

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
      homeHtmlKb: round(fs.statSync(path.join(DIST, fs.existsSync(path.join(DIST, "home.html")) ? "home.html" : "index.html")).size / 1024, 1)!,
    },
    browser: fs.existsSync(CHROMIUM) ? await inBrowser(sys.url, key, options.samples) : { skipped: `no Chromium at ${CHROMIUM}` },
  };
  log(
    `portal: ${options.datasets} datasets; catalogue API first page p50 ${result.catalogueApi.firstPageP50ms} ms, next ${result.catalogueApi.nextPageP50ms} ms; ` +
      `initial bundle ${result.bundle.initialFiles} files ${result.bundle.initialKb} kB (${result.bundle.initialGzipKb} kB gzip); browser ${JSON.stringify(result.browser)}`,
  );
  return result;
}

async function inBrowser(url: string, apiKey: string, samples: number): Promise<PortalBenchResult["browser"]> {
  const browser = await launch();
  try {
    // The browser's own start-up is not the portal's: warm it on a blank page, then load `/` in fresh contexts.
    await (await browser.newPage()).goto("about:blank");
    const loads: FirstLoad[] = [];
    for (let i = 0; i < samples; i++) loads.push(await measureFirstLoad(browser, `${url}/`));
    const median = (k: keyof FirstLoad) => percentile(loads.map((l) => l[k]), 50)!;
    const firstLoad = {
      headingPaintedMs: median("headingPaintedMs"),
      firstContentfulPaintMs: median("firstContentfulPaintMs"),
      domContentLoadedMs: median("domContentLoadedMs"),
      interactiveMs: median("interactiveMs"),
      samples: loads,
    };
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    // String expressions: they run in the page (this file compiles without the DOM library).
    await page.evaluate(`sessionStorage.setItem("cal.apiKey", ${JSON.stringify(apiKey)})`);
    const t0 = performance.now();
    await page.goto(`${url}/datasets`);
    const rows = page.locator("table tbody tr a");
    await rows.first().waitFor();
    const catalogueFirstPageMs = performance.now() - t0;
    const before = await rows.first().textContent();
    const t1 = performance.now();
    await page.locator("nav.pager button").last().click();
    // A function with its argument, not a string: the portal's CSP has no 'unsafe-eval'. It runs in the page.
    await page.waitForFunction(
      (first) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector("table tbody tr a")?.textContent !== first,
      before,
    );
    const catalogueNextPageMs = performance.now() - t1;
    return {
      firstLoad,
      catalogueFirstPageMs: Math.round(catalogueFirstPageMs), catalogueNextPageMs: Math.round(catalogueNextPageMs) };
  } finally {
    await browser.close();
  }
}

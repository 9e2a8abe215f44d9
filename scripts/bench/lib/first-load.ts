import type { Browser } from "playwright-core";

/** One first load of the portal, on the page's own clock (milliseconds from its navigation start). */
export interface FirstLoad {
  /** The first heading painted (Element Timing: the home page's h1 carries `elementtiming="first-heading"`). */
  headingPaintedMs: number;
  /** The first contentful paint. */
  firstContentfulPaintMs: number;
  domContentLoadedMs: number;
  /** The app interactive: the `cal:ready` mark, made once the first page committed with its handlers (app.tsx). */
  interactiveMs: number;
}

// Runs in the page before its own scripts (a string: this file compiles without the DOM library). Element Timing
// entries are observed from the start so the prerendered heading's paint is not missed.
const OBSERVE = `window.__calHeading = null;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.identifier === "first-heading" && window.__calHeading === null) window.__calHeading = e.renderTime || e.loadTime;
}).observe({ type: "element", buffered: true });`;

// A function, not a string: the portal's CSP has no 'unsafe-eval', which a string predicate would need.
const loaded = () => (globalThis as unknown as { __calHeading: number | null }).__calHeading !== null && performance.getEntriesByName("cal:ready").length > 0;
const READ = `JSON.stringify({
  headingPaintedMs: window.__calHeading,
  firstContentfulPaintMs: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1,
  domContentLoadedMs: performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd,
  interactiveMs: performance.getEntriesByName("cal:ready")[0].startTime,
})`;

/**
 * Loads `url` (the portal's `/`) in a fresh browser context of an already running browser (empty cache and storage,
 * as a first visit; the browser's own start-up is not the portal's) and reads the page's clock: heading painted,
 * first contentful paint, DOMContentLoaded, interactive. No wall time around the driver's calls, which would add
 * its round trips.
 */
export async function measureFirstLoad(browser: Browser, url: string, timeoutMs = 30_000): Promise<FirstLoad> {
  const context = await browser.newContext();
  try {
    await context.addInitScript(OBSERVE);
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(loaded, undefined, { timeout: timeoutMs });
    const clock = JSON.parse((await page.evaluate(READ)) as string) as Record<string, number>;
    return Object.fromEntries(Object.entries(clock).map(([k, v]) => [k, Math.round(v as number)])) as unknown as FirstLoad;
  } finally {
    await context.close();
  }
}

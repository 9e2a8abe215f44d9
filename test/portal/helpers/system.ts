import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Browser } from "playwright-core";
import { GatewayClient } from "../../../scripts/demo/client";
import { runDemo, type DemoOutcome } from "../../../scripts/demo/scenario";
import { GatewayProcess, ROOT, freePort, tempDataDir } from "../../e2e/helpers/processes";
import { CHROMIUM, launch, SCREENSHOTS } from "./browser";

export const DIST = path.join(ROOT, "server/portal/dist");

export interface PortalSystem {
  gw: GatewayProcess;
  browser: Browser;
  /** API keys by organisation code. */
  keys: Record<string, string>;
  demo: DemoOutcome;
  stop(): Promise<void>;
}

/**
 * One started system for a file of browser journeys: the gateway (`npm start`'s process) on a temporary DATA_DIR with
 * its embedded node, the demo scenario run through the API, and headless Chromium. The portal is built if missing.
 */
export async function startPortalSystem(): Promise<PortalSystem> {
  expect(fs.existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it)`).to.equal(true);
  if (!fs.existsSync(path.join(DIST, "index.html"))) {
    const build = spawnSync("npm", ["run", "build:portal"], { cwd: ROOT, encoding: "utf8" });
    expect(build.status, build.stderr).to.equal(0);
  }
  const dataDir = tempDataDir("cal-portal-");
  const gw = new GatewayProcess(dataDir, await freePort(), await freePort(), { env: { ANCHOR_INTERVAL_MS: "1000", LOG_LEVEL: "warn" } });
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close();
    await gw.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    if (fs.existsSync(SCREENSHOTS)) console.log(`      screenshots: ${SCREENSHOTS}`);
  };
  try {
    await gw.ready();
    const credentials = gw.credentials();
    const keys = Object.fromEntries(Object.entries(credentials.organizations).map(([org, c]) => [org, c.apiKey]));
    const demo = await runDemo(new GatewayClient(gw.url, credentials));
    browser = await launch();
    return { gw, browser, keys, demo, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { GatewayProcess, freePort, tempDataDir } from "./processes";

/** Every file under `dir`, recursively. */
export const filesUnder = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));

/** The gateway's DATA_DIR holds no trace of `privateKey` in any file, and no keystore entry of `org`. */
export function expectNoKeyIn(dataDir: string, privateKey: string, org: string): void {
  const secret = privateKey.slice(2).toLowerCase();
  for (const file of filesUnder(dataDir)) expect(fs.readFileSync(file).toString("latin1").toLowerCase(), file).to.not.contain(secret);
  expect(fs.readdirSync(path.join(dataDir, "keystore"))).to.not.include(`${org}.json`);
}

/**
 * Mocha hooks for a suite against `npm start` on a temporary DATA_DIR (anchoring every 500 ms), with a scratch
 * directory for the participant's own files (its key). Read the fields inside tests, after `before` ran.
 */
export function npmStartGateway(): { gw: GatewayProcess; dataDir: string; work: string } {
  const state = {} as { gw: GatewayProcess; dataDir: string; work: string };
  before(async function () {
    state.dataDir = tempDataDir();
    state.work = tempDataDir("cal-client-");
    state.gw = new GatewayProcess(state.dataDir, await freePort(), await freePort(), { viaNpm: true, env: { ANCHOR_INTERVAL_MS: "500" } });
    await state.gw.ready();
  });
  after(async function () {
    await state.gw?.cleanup();
    fs.rmSync(state.dataDir, { recursive: true, force: true });
    fs.rmSync(state.work, { recursive: true, force: true });
  });
  return state;
}

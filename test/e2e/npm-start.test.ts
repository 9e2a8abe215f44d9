import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { DEMO_ORGS } from "../../server/bootstrap/demo";
import { GatewayProcess, api, freePort, isAlive, tempDataDir, waitFor } from "./helpers/processes";

describe("npm start (real processes, embedded anvil)", function () {
  this.timeout(240_000);
  const started: GatewayProcess[] = [];
  let dataDir: string;
  let port: number;
  let chainPort: number;

  before(async function () {
    dataDir = tempDataDir();
    port = await freePort();
    chainPort = await freePort();
  });
  after(async function () {
    for (const gw of started) await gw.cleanup();
    for (const dir of new Set(started.map((gw) => gw.dataDir))) fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = (viaNpm = true) => {
    const gw = new GatewayProcess(dataDir, port, chainPort, { viaNpm });
    started.push(gw);
    return gw;
  };

  let deployment: unknown;
  let adminKey: string;

  it("comes up from a fresh DATA_DIR: node, contracts, demo organisations, credentials, docs", async function () {
    const gw = start();
    await gw.ready();
    const banner = gw.output.join("\n");
    expect(banner).to.contain(`${gw.url}/docs`);
    expect(banner).to.contain(path.join(dataDir, "credentials.json"));
    const generated = /Admin key\s+(\S+)/.exec(banner)?.[1];
    expect(generated, "the generated admin key is printed once").to.match(/^cal_/);

    const credentialsFile = path.join(dataDir, "credentials.json");
    expect(fs.statSync(credentialsFile).mode & 0o777).to.equal(0o600);
    const credentials = gw.credentials();
    expect(Object.keys(credentials.organizations)).to.include.members(["CITY-ADMIN", ...DEMO_ORGS.map((o) => o.code)]);
    adminKey = credentials.organizations["CITY-ADMIN"].apiKey;
    expect(adminKey).to.equal(generated);

    const participants = await api(gw, adminKey, "GET", "/v1/participants?limit=200");
    expect(participants.status).to.equal(200);
    // The demo organisations, the administrator and the gateway's operator (its GOVERNOR and ANCHORER keys).
    expect(participants.body.items.filter((p: { status: string }) => p.status === "Active")).to.have.length(DEMO_ORGS.length + 2);
    // The administrator's execution delay is in place on chain (5 s for the embedded demo node).
    const governance = await api(gw, adminKey, "GET", "/v1/governance/status");
    expect(governance.body.adminDelay).to.equal(5);
    const docs = await fetch(`${gw.url}/docs/`);
    expect(docs.status).to.equal(200);
    deployment = JSON.parse(fs.readFileSync(path.join(dataDir, "deployment.json"), "utf8"));
    // Nothing secret in the logs.
    const logs = gw.output.filter((l) => l.startsWith("{")).join("\n");
    for (const org of Object.values(credentials.organizations)) expect(logs).to.not.contain(org.apiKey);
    expect(logs).to.not.contain(fs.readFileSync(path.join(dataDir, "keystore-password"), "utf8").trim());
  });

  it("writes through the API, then stops cleanly on SIGINT, node included", async function () {
    const gw = started[0];
    const office = gw.credentials().organizations["DATA-OFFICE"].apiKey;
    const res = await api(gw, office, "POST", "/v1/datasets", {
      contentHash: "ab".repeat(32),
      metadataHash: `0x${"cd".repeat(32)}`,
      holder: "AGENCY-TRANSPORT",
      classification: "Open",
      title: "Ferry crossings",
      uri: "https://opendata.example/ferries.csv",
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const chainPid = gw.chainPid()!;
    expect(isAlive(chainPid)).to.equal(true);
    gw.signal("SIGINT");
    const exit = await Promise.race([gw.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no exit")), 30_000))]);
    // npm re-raises the signal its child got; the gateway itself says it stopped cleanly.
    expect(exit.code === 0 || exit.signal === "SIGINT", JSON.stringify(exit)).to.equal(true);
    expect(gw.output.some((l) => l.includes('"msg":"stopped"'))).to.equal(true);
    await waitFor("the embedded node to stop", 10_000, async () => !isAlive(chainPid));
    expect(fs.existsSync(path.join(dataDir, "chain.pid"))).to.equal(false);
    expect(fs.existsSync(path.join(dataDir, "gateway.lock"))).to.equal(false);
    expect(fs.statSync(path.join(dataDir, "chain-state.json")).size).to.be.greaterThan(0);
  });

  it("starts again with the same chain, contracts, data and keys; stops on SIGTERM", async function () {
    const gw = start(false);
    await gw.ready();
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, "deployment.json"), "utf8"))).to.deep.equal(deployment);
    expect(gw.output.join("\n")).to.not.match(/Admin key\s+cal_/);
    expect(gw.credentials().organizations["CITY-ADMIN"].apiKey).to.equal(adminKey);
    const shown = await api(gw, adminKey, "GET", `/v1/datasets/0x${"ab".repeat(32)}`);
    expect(shown.status, "the admin key still works and the dataset is still there").to.equal(200);
    expect(shown.body.title).to.equal("Ferry crossings");
    gw.signal("SIGTERM");
    expect((await gw.exited).code).to.equal(0);
  });
});

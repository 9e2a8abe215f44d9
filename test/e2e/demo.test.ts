import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, encodeBytes32String } from "ethers";
import { attachSystem, type DeploymentRecord } from "../../scripts/lib/deployment";
import { generateCatalogue } from "../../scripts/lib/catalogue";
import { DEMO_ORGS } from "../../server/bootstrap/demo";
import { ANCHOR_ACTION } from "../../server/services/action-log";
import { DEMO_AMOUNTS } from "../../scripts/demo/scenario";
import { GatewayProcess, ROOT, api, freePort, tempDataDir, waitFor } from "./helpers/processes";

/** `npm run demo` against a started system, as a newcomer would run it; resolves with its exit code and output. */
function runDemo(gw: GatewayProcess, json: string): Promise<{ code: number | null; output: string }> {
  return runNpm(gw, ["run", "demo", "--silent", "--", "--url", gw.url, "--json", json]);
}

/** An npm script against the started system, with only its DATA_DIR and CHAIN_PORT in the environment. */
function runNpm(gw: GatewayProcess, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("npm", args, {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: gw.dataDir, CHAIN_PORT: String(gw.chainPort) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("exit", (code) => resolve({ code, output }));
  });
}

describe("npm run demo (real processes, embedded anvil)", function () {
  this.timeout(300_000);
  let gw: GatewayProcess;
  let provider: JsonRpcProvider;
  let dataDir: string;

  before(async function () {
    dataDir = tempDataDir();
    // Anchoring every half second, so the last test can verify an exported action log against its anchors soon.
    gw = new GatewayProcess(dataDir, await freePort(), await freePort(), { env: { ANCHOR_INTERVAL_MS: "500" } });
    await gw.ready();
    provider = new JsonRpcProvider(`http://127.0.0.1:${gw.chainPort}`, undefined, { staticNetwork: true });
  });
  after(async function () {
    provider?.destroy();
    await gw?.cleanup();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** What the chain itself says, read with the deployment record and nothing from the gateway. */
  async function chainState(outcome: { batches: { solar: string; fleet: string }; listing: string; retirements: string[] }) {
    const record = JSON.parse(fs.readFileSync(path.join(dataDir, "deployment.json"), "utf8")) as DeploymentRecord;
    const c = attachSystem(record, provider);
    const org = gw.credentials().organizations;
    const [solar, logistics, office, transport, donre] = ["BIZ-SOLAR", "BIZ-LOGISTICS", "DATA-OFFICE", "AGENCY-TRANSPORT", "DONRE"].map((o) => org[o].address);
    const market = record.contracts.market.address;
    const { solar: solarBatch, fleet: fleetBatch } = outcome.batches;
    const batches = await Promise.all([c.carbon.batch(solarBatch), c.carbon.batch(fleetBatch)]);
    return {
      c,
      datasetsHeld: Number((await c.dataAssets.balanceOf(office)) + (await c.dataAssets.balanceOf(transport)) + (await c.dataAssets.balanceOf(donre))),
      batches: batches.map((b) => ({ issued: b.issued, circulating: b.circulating, retired: b.retired, cancelled: b.cancelled, adjustment: Number(b.adjustment), serialFirst: b.serialFirst })),
      credits: {
        solar: await c.carbon.balanceOf(solar, solarBatch),
        escrow: await c.carbon.balanceOf(market, solarBatch),
        logisticsSolar: await c.carbon.balanceOf(logistics, solarBatch),
        logisticsFleet: await c.carbon.balanceOf(logistics, fleetBatch),
        logisticsRetired: await c.carbon.retiredBalanceOf(logistics, solarBatch),
      },
      vnd: { solar: await c.settlement.balanceOf(solar), logistics: await c.settlement.balanceOf(logistics), supply: await c.settlement.totalSupply() },
      listingRemaining: (await c.market.listing(outcome.listing)).remaining,
      retirements: await Promise.all(outcome.retirements.map((id) => c.carbon.retirement(id))),
      addresses: { solar, logistics, transport, donre },
    };
  }

  it("drives the whole scenario through the API; balances and supplies on chain are the scenario's", async function () {
    const json = path.join(dataDir, "demo-1.json");
    const run = await runDemo(gw, json);
    expect(run.code, run.output).to.equal(0);
    expect(run.output).to.contain("540 datasets registered in 3 transactions");
    expect(run.output).to.contain(`${gw.url}/v1/carbon/retirements/`);
    expect(run.output).to.contain(`${gw.url}/v1/accounts/BIZ-LOGISTICS/balances`);
    expect(run.output).to.not.match(/^ +↺ /m, "nothing was done before");
    const outcome = JSON.parse(fs.readFileSync(json, "utf8"));

    const s = await chainState(outcome);
    const A = DEMO_AMOUNTS;
    expect(s.datasetsHeld).to.equal(540);
    for (const t of outcome.datasets.transferred) {
      expect(await s.c.dataAssets.ownerOf(t.id)).to.equal(t.to === "DONRE" ? s.addresses.donre : s.addresses.transport);
    }
    const licensees: Record<string, string> = { "BIZ-LOGISTICS": s.addresses.logistics, "BIZ-SOLAR": s.addresses.solar };
    for (const l of outcome.datasets.licensed) expect(await s.c.dataAssets.hasAccess(l.id, licensees[l.to])).to.equal(true);
    const catalogue = generateCatalogue(540, 57).catalogue;
    expect(await s.c.dataAssets.isRegistered(`0x${catalogue.dataset[539].distribution[0].checksum.checksumValue}`)).to.equal(true);

    const sold = A.bought + A.boughtAndRetired;
    const [solarBatch, fleetBatch] = s.batches;
    expect(solarBatch).to.deep.include({ issued: A.solarIssued, circulating: A.solarIssued - A.boughtAndRetired - A.retired, retired: A.boughtAndRetired + A.retired, cancelled: 0n });
    expect(fleetBatch).to.deep.include({ issued: A.fleetIssued, circulating: A.fleetIssued, retired: 0n, cancelled: 0n, adjustment: 2 });
    for (const b of s.batches) expect(b.issued).to.equal(b.circulating + b.retired + b.cancelled);
    expect(s.credits).to.deep.equal({
      solar: A.solarIssued - A.listed,
      escrow: A.listed - sold,
      logisticsSolar: A.bought - A.retired,
      logisticsFleet: A.fleetIssued,
      logisticsRetired: A.boughtAndRetired + A.retired,
    });
    expect(s.listingRemaining).to.equal(A.listed - sold);
    expect(s.vnd).to.deep.equal({
      solar: A.vndToSolar + sold * A.unitPrice,
      logistics: A.vndToLogistics - sold * A.unitPrice - A.licencePrice,
      supply: A.vndToSolar + A.vndToLogistics,
    });
    // The data exchange: the licence sold, the access it gives and the VND the Department of Transport received.
    const sale = outcome.licenceSale;
    expect(await s.c.dataAssets.hasAccess(sale.dataset, s.addresses.logistics)).to.equal(true);
    const licence = await s.c.dataAssets.licenseOf(sale.dataset, encodeBytes32String("BIZ-LOGISTICS"));
    expect(new Date(Number(licence.expiresAt) * 1000).toISOString()).to.equal(sale.expiresAt);
    expect((await s.c.exchange.offerOf(sale.offer)).sold).to.equal(1n);
    expect(await s.c.settlement.balanceOf(s.addresses.transport)).to.equal(A.licencePrice);
    // The two certificates: the buyer as holder, consecutive serial ranges from the front of the batch's block.
    const [onPurchase, retired] = s.retirements;
    expect([onPurchase.holder, onPurchase.amount, onPurchase.serialFirst]).to.deep.equal([s.addresses.logistics, A.boughtAndRetired, solarBatch.serialFirst]);
    expect([retired.holder, retired.amount, retired.serialFirst]).to.deep.equal([s.addresses.logistics, A.retired, onPurchase.serialLast + 1n]);
  });

  it("a second run replays every answer and changes nothing on chain", async function () {
    const first = JSON.parse(fs.readFileSync(path.join(dataDir, "demo-1.json"), "utf8"));
    const before = await chainState(first);
    const json = path.join(dataDir, "demo-2.json");
    const run = await runDemo(gw, json);
    expect(run.code, run.output).to.equal(0);
    const again = JSON.parse(fs.readFileSync(json, "utf8"));
    expect(again.steps.every((step: { replayed: boolean }) => step.replayed)).to.equal(true);
    expect(again.steps.map((step: { transaction: string }) => step.transaction)).to.deep.equal(first.steps.map((step: { transaction: string }) => step.transaction));
    const after = await chainState(again);
    expect({ ...after, c: null }).to.deep.equal({ ...before, c: null });
  });

  it("npm run audit passes over the demo's history, and verifies the exported action log against its anchors", async function () {
    const auditor = gw.credentials().organizations["AUDITOR"]?.apiKey;
    expect(auditor, "the auditor's key is in credentials.json").to.be.a("string");
    type LogPage = { entries: { id: number; action: string }[]; anchors: { lastEntryId: number }[]; accounts: string[]; next: number | null };
    const exportLog = async () => {
      const entries: { id: number; action: string }[] = [];
      let page: LogPage;
      let after = 0;
      do {
        page = (await api(gw, auditor!, "GET", `/v1/audit/log?after=${after}&limit=1000`)).body as LogPage;
        entries.push(...page.entries);
        after = page.next ?? 0;
      } while (page.next !== null);
      // The gateway declares every account whose key it holds or held: the audit proves each one's transactions logged.
      expect(page.accounts.length).to.be.greaterThan(DEMO_ORGS.length);
      return { entries, anchors: page.anchors, accounts: page.accounts };
    };
    // Wait for the anchoring pass that covers the last entry of the demo (the newest anchor's own entry waits for
    // the next anchor, which comes only once something else is logged).
    const log = await waitFor("the action log anchored", 30_000, async () => {
      const exported = await exportLog();
      const last = exported.entries.filter((e) => e.action !== ANCHOR_ACTION).at(-1)?.id ?? 0;
      return last > 0 && exported.anchors.some((a) => a.lastEntryId >= last) && exported;
    });
    const logFile = path.join(dataDir, "action-log.json");
    fs.writeFileSync(logFile, JSON.stringify(log));

    const plain = await runNpm(gw, ["run", "audit", "--silent"]);
    expect(plain.code, plain.output).to.equal(0);
    expect(plain.output).to.contain("RESULT: PASSED");
    const report = JSON.parse(fs.readFileSync(path.join(dataDir, "audit-report.json"), "utf8"));
    expect(report.passed).to.equal(true);
    expect(report.events).to.be.greaterThan(540);
    this.test!.title += ` (${report.events} events in ${report.seconds.toFixed(1)} s)`;

    const withLog = await runNpm(gw, ["run", "audit", "--silent", "--", "--log", logFile]);
    expect(withLog.code, withLog.output).to.equal(0);
    expect(withLog.output).to.contain("RESULT: PASSED");
    const logged = JSON.parse(fs.readFileSync(path.join(dataDir, "audit-report.json"), "utf8"));
    expect(logged.checks.map((c: { module: string }) => c.module)).to.include("gateway log");
  });
});

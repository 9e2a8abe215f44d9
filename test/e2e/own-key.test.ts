import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import { fetchHistory } from "../../scripts/audit/history";
import { CarbonCreditRegistry__factory, CarbonMarket__factory } from "../../typechain-types";
import { GatewayProcess, ROOT, freePort, tempDataDir } from "./helpers/processes";

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));

/**
 * A business with its own key (never given to the gateway) does everything through the `cal` CLI against `npm start`:
 * admitted with its account, receives credits, lists, sells, buys with retire-on-purchase and retires.
 */
describe("own key, through the cal CLI only (real processes, embedded anvil)", function () {
  this.timeout(1_200_000);
  let gw: GatewayProcess;
  let dataDir: string;
  let work: string;
  const PASSWORD = "correct horse battery staple";

  /** Runs the `cal` bin (what `npx cal` runs, without npm's start-up) with the given API key. */
  const cal = (apiKey: string | undefined, args: string[]): Promise<{ code: number | null; out: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, "scripts", "cal.js"), ...args], {
        cwd: ROOT,
        env: { ...process.env, CAL_URL: gw.url, ...(apiKey ? { CAL_API_KEY: apiKey } : {}), CAL_KEY_PASSWORD: PASSWORD },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.once("exit", (code) => resolve({ code, out }));
    });
  /** `cal … --json`, expecting success; the parsed answer. */
  const calJson = async (apiKey: string | undefined, args: string[]): Promise<any> => {
    const r = await cal(apiKey, [...args, "--json"]);
    expect(r.code, `cal ${args.join(" ")}\n${r.out}`).to.equal(0);
    return JSON.parse(r.out.trim().split("\n").pop()!);
  };

  before(async function () {
    dataDir = tempDataDir();
    work = tempDataDir("cal-client-");
    gw = new GatewayProcess(dataDir, await freePort(), await freePort(), { viaNpm: true, env: { ANCHOR_INTERVAL_MS: "500" } });
    await gw.ready();
  });
  after(async function () {
    await gw?.cleanup();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("registers, receives, lists, sells, buys with retire-on-purchase and retires; the gateway never holds its key; the audit passes", async function () {
    const keys = gw.credentials().organizations;
    const key = (org: string) => keys[org].apiKey;
    const keyFile = path.join(work, "bizkey.json");
    const BIZ = "BIZ-OWNKEY";

    const created = await calJson(undefined, ["key", "create", "--out", keyFile]);
    const privateKey = (await Wallet.fromEncryptedJson(fs.readFileSync(keyFile, "utf8"), PASSWORD)).privateKey;

    // The administrator admits the business with its account (read from the key file: no password, no key) and gives it an API key.
    const admitted = await calJson(key("CITY-ADMIN"), ["participants", "register", "--code", BIZ, "--name", "Own-key logistics", "--kind", "Business", "--key", keyFile]);
    expect(admitted.result).to.include({ code: BIZ, account: created.address });
    const bizKey = (await calJson(key("CITY-ADMIN"), ["api-keys", "create", "--org", BIZ])).key as string;

    // Credits are issued to it (issuer and verifier are custodial: the gateway signs for them).
    const project = `VN-OWN-${Date.now().toString(36).toUpperCase()}`;
    const body = (o: unknown) => JSON.stringify(o);
    await calJson(key("DONRE"), ["write", "POST", "/v1/carbon/projects", "--body", body({ id: project, developer: "BIZ-SOLAR", standard: "Domestic", methodology: "AMS-I.D", location: "Da Nang", metadataHash: `0x${"11".repeat(32)}` })]);
    // One issuance per monitoring period: each batch of the project covers the next half-year.
    const periods = [{ start: "2024-01-01", end: "2024-06-30" }, { start: "2024-07-01", end: "2024-12-31" }];
    const issueTo = async (to: string, amount: string) => {
      const attested = await calJson(key("VVB-1"), ["write", "POST", "/v1/carbon/attestations", "--body", body({ project, monitoringPeriod: periods.shift(), amount, reportHash: `0x${Math.random().toString(16).slice(2).padEnd(64, "0")}` })]);
      return (await calJson(key("DONRE"), ["write", "POST", "/v1/carbon/batches", "--body", body({ attestationId: attested.result.attestationId, to, amount })])).result.batchId as string;
    };
    const batch = await issueTo(BIZ, "100");

    // It lists with its own key (the market's one-time approval is signed first), and a custodial business buys.
    const listed = await calJson(bizKey, ["market", "list", "--batch", batch, "--amount", "20", "--price", "1000", "--key", keyFile]);
    const listingId = listed.result.listingId as string;
    await calJson(key("TREASURY"), ["write", "POST", "/v1/settlement/mint", "--body", body({ to: "BIZ-LOGISTICS", amount: "100000", reference: "DEP-E2E-1" })]);
    const sold = await calJson(key("BIZ-LOGISTICS"), ["market", "fill", "--listing", listingId, "--amount", "5", "--max-cost", "5000"]);
    expect(sold.result).to.include({ amount: "5", cost: "5000" });

    // It buys from another seller, retiring on purchase, and retires some of its own.
    const other = await issueTo("BIZ-SOLAR", "50");
    const theirs = await calJson(key("BIZ-SOLAR"), ["market", "list", "--batch", other, "--amount", "10", "--price", "2000"]);
    await calJson(key("TREASURY"), ["write", "POST", "/v1/settlement/mint", "--body", body({ to: BIZ, amount: "100000", reference: "DEP-E2E-2" })]);
    const claim = ["--beneficiary", "Own-key logistics", "--beneficiary-org", BIZ, "--reason", "2025 fleet", "--start", "2025-01-01", "--end", "2025-12-31"];
    const bought = await calJson(bizKey, ["market", "fill", "--listing", theirs.result.listingId, "--amount", "3", "--max-cost", "6000", "--retire", ...claim, "--key", keyFile]);
    expect(bought.result.retirement).to.be.an("object");
    const retired = await calJson(bizKey, ["carbon", "retire", "--batch", batch, "--amount", "7", ...claim, "--key", keyFile]);
    const certificate = await calJson(bizKey, ["carbon", "retirement", retired.result.retirementId]);
    expect(certificate.holder).to.deep.equal({ address: created.address, organization: BIZ });

    const balances = await calJson(bizKey, ["balances", BIZ]);
    expect(balances.credits.find((c: { batchId: string }) => c.batchId === batch)).to.include({ held: "73", listed: "15" });
    expect(balances.vnd.balance).to.equal(String(100000 - 6000 + 5000));

    // A human-readable answer too, and a refusal in the one error shape.
    const plain = await cal(bizKey, ["carbon", "transfer", "--batch", batch, "--to", "BIZ-LOGISTICS", "--amount", "1000", "--key", keyFile]);
    expect(plain.code).to.equal(1);
    expect(plain.out).to.match(/^error: 4\d\d /m);

    // The gateway's DATA_DIR holds no private key of the business, in any form.
    const secret = privateKey.slice(2).toLowerCase();
    for (const file of filesUnder(dataDir)) {
      expect(fs.readFileSync(file).toString("latin1").toLowerCase(), file).to.not.contain(secret);
    }
    expect(fs.readdirSync(path.join(dataDir, "keystore"))).to.not.include(`${BIZ}.json`);

    // The auditor's tool, on the chain alone, passes and attributes the business's actions to its account.
    const audit = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn("npm", ["run", "audit", "--silent"], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, CHAIN_PORT: String(gw.chainPort) }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.once("exit", (code) => resolve({ code, out }));
    });
    expect(audit.code, audit.out).to.equal(0);
    expect(audit.out).to.contain("RESULT: PASSED");
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, "audit-report.json"), "utf8")).passed).to.equal(true);
    // The same history the audit replays (its own decoder, from the chain alone) names the business's account as the actor.
    const record = JSON.parse(fs.readFileSync(path.join(dataDir, "deployment.json"), "utf8")) as { deploymentBlock: number; contracts: Record<string, { address: string }> };
    const provider = new JsonRpcProvider(`http://127.0.0.1:${gw.chainPort}`, undefined, { staticNetwork: true });
    const acts: string[] = [];
    try {
      const contracts = {
        CarbonCreditRegistry: { address: record.contracts.carbon.address, abi: CarbonCreditRegistry__factory.createInterface() },
        CarbonMarket: { address: record.contracts.market.address, abi: CarbonMarket__factory.createInterface() },
      };
      for await (const e of fetchHistory(provider, contracts, record.deploymentBlock, await provider.getBlockNumber())) {
        if (!("name" in e)) continue;
        const a = e.args as Record<string, unknown>;
        if (e.name === "Listed" && a.seller === created.address) acts.push("listed");
        if (e.name === "Traded" && a.seller === created.address) acts.push("sold");
        if (e.name === "Traded" && a.buyer === created.address) acts.push("bought");
        if (e.name === "Retired" && a.holder === created.address) acts.push("retired");
      }
    } finally {
      provider.destroy();
    }
    expect(acts.sort()).to.deep.equal(["bought", "listed", "retired", "retired", "sold"]);
  });
});

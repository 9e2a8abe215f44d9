import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, Wallet, ZeroAddress } from "ethers";
import { fetchHistory } from "../../scripts/audit/history";
import { CarbonCreditRegistry__factory, CarbonMarket__factory, DataAssetRegistry__factory, DataExchange__factory, SettlementToken__factory } from "../../typechain-types";
import { expectNoKeyIn, npmStartGateway } from "./helpers/own-key";
import { ROOT } from "./helpers/processes";

/** The README's own-key worked example: the fenced block after this marker, run as written. */
const MARKER = "<!-- worked-example: run verbatim by test/e2e/readme-example.test.ts -->";

export function workedExample(readme: string): string {
  const at = readme.indexOf(MARKER);
  if (at < 0) throw new Error("the README has no worked-example marker");
  const block = /^```sh\n([\s\S]*?)^```$/m.exec(readme.slice(at + MARKER.length));
  if (!block) throw new Error("no ```sh block follows the worked-example marker");
  return block[1];
}

const run = (command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let [out, err] = ["", ""];
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("exit", (code) => resolve({ code, out, err }));
  });

/**
 * The README's worked example (own key, credits, market, data exchange) runs as written against `npm start` on a
 * temporary DATA_DIR, with only the environment variables the README asks for. `npx` is a shim on PATH that hands
 * `npx cal …` to `node scripts/cal.js …` (the package's bin, which the README names as the same command): npm's own
 * start-up costs about 15 s per call on a loaded machine. The first test checks that `npx cal` does resolve to it.
 */
describe("README worked example, as written, against npm start (real processes, embedded anvil)", function () {
  this.timeout(1_800_000);
  const sys = npmStartGateway();


  it("finds the block, and `npx cal` is the package's bin (scripts/cal.js)", async function () {
    const script = workedExample(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
    expect(script).to.match(/^npx cal key create /m);
    expect(script).to.contain("npx cal exchange purchase");
    const viaNpx = await run("npx", ["--offline", "cal", "--help"], process.env);
    const direct = await run(process.execPath, [path.join(ROOT, "scripts", "cal.js"), "--help"], process.env);
    expect(viaNpx.code, viaNpx.err).to.equal(0);
    expect(viaNpx.out).to.equal(direct.out);
    expect(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).bin).to.deep.equal({ cal: "scripts/cal.js" });
  });

  it("runs every line; the business's key never reaches the gateway; the licence is bought and paid; the audit passes and names its account", async function () {
    const { gw, dataDir, work } = sys;
    const script = workedExample(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
    const keyFile = path.join(work, "bizkey.json");
    const password = "a password only the business knows";
    // `npx cal …` → `node scripts/cal.js …`; anything else goes to the real npx.
    const bin = path.join(work, "bin");
    fs.mkdirSync(bin);
    const realNpx = (await run("sh", ["-c", "command -v npx"], process.env)).out.trim();
    fs.writeFileSync(
      path.join(bin, "npx"),
      `#!/bin/sh\nif [ "$1" = cal ]; then shift; exec "${process.execPath}" "${path.join(ROOT, "scripts", "cal.js")}" "$@"; fi\nexec "${realNpx}" "$@"\n`,
      { mode: 0o755 },
    );
    // The variables the README tells the user to set, and nothing else of ours (no CAL_API_KEY, no CAL_KEY).
    const env: NodeJS.ProcessEnv = { PATH: `${bin}:${process.env.PATH}`, HOME: work, CAL_URL: gw.url, DATA_DIR: dataDir, BIZ_KEY_FILE: keyFile, CAL_KEY_PASSWORD: password };
    // The block verbatim, then one line that reports the ids it made (for the checks below).
    const result = await run("bash", ["-c", `set -euo pipefail\n${script}\necho "EXAMPLE-IDS $BATCH $LISTING $DATASET $OFFER"`], env);
    expect(result.code, `${result.out}\n${result.err}`).to.equal(0);
    const ids = /^EXAMPLE-IDS (\d+) (\d+) (0x[0-9a-f]{64}) (\d+)$/m.exec(result.out);
    expect(ids, result.out).to.not.equal(null);
    const [, batch, , datasetId, offerId] = ids!;

    const account = (await Wallet.fromEncryptedJson(fs.readFileSync(keyFile, "utf8"), password)) as Wallet;
    const keys = gw.credentials().organizations;
    const get = async (p: string, org = "CITY-ADMIN") => {
      const res = await fetch(`${gw.url}${p}`, { headers: { authorization: `Bearer ${keys[org].apiKey}` } });
      expect(res.status, p).to.equal(200);
      return (await res.json()) as any;
    };
    const participant = await get("/v1/participants/BIZ-GREEN");
    expect(participant).to.include({ custody: "own", status: "Active" });
    expect(participant.accounts).to.deep.equal([account.address]);

    // Credits: 100 issued, 5 sent, 20 listed (4 of them sold), 10 retired: 65 held, 16 still listed. VND: 4 × 250,000 earned, 500,000 paid for the licence.
    const balances = await get("/v1/accounts/BIZ-GREEN/balances");
    expect(balances.credits.find((c: { batchId: string }) => c.batchId === batch)).to.include({ held: "65", listed: "16" });
    expect(balances.vnd.balance).to.equal("500000");
    expect(balances.licencesBought.map((l: { offerId: string; datasetId: string; priceVnd: string }) => [l.offerId, l.datasetId, l.priceVnd])).to.deep.equal([[offerId, datasetId, "500000"]]);

    // On chain: access granted to the business's own account, the holder paid the price less the fee, the buyer named.
    const record = JSON.parse(fs.readFileSync(path.join(dataDir, "deployment.json"), "utf8")) as { deploymentBlock: number; contracts: Record<string, { address: string }> };
    const provider = new JsonRpcProvider(`http://127.0.0.1:${gw.chainPort}`, undefined, { staticNetwork: true });
    const acts: string[] = [];
    try {
      const dataAssets = DataAssetRegistry__factory.connect(record.contracts.dataAssets.address, provider);
      expect(await dataAssets.hasAccess(datasetId, account.address)).to.equal(true);
      const holder = (await get("/v1/participants/AGENCY-TRANSPORT")).accounts[0] as string;
      const contracts = {
        CarbonCreditRegistry: { address: record.contracts.carbon.address, abi: CarbonCreditRegistry__factory.createInterface() },
        CarbonMarket: { address: record.contracts.market.address, abi: CarbonMarket__factory.createInterface() },
        DataExchange: { address: record.contracts.exchange.address, abi: DataExchange__factory.createInterface() },
        SettlementToken: { address: record.contracts.settlement.address, abi: SettlementToken__factory.createInterface() },
      };
      const paid: Record<string, bigint> = {};
      let sale: Record<string, unknown> | undefined;
      for await (const e of fetchHistory(provider, contracts, record.deploymentBlock, await provider.getBlockNumber())) {
        if (!("name" in e)) continue;
        const a = e.args as Record<string, unknown>;
        if (e.name === "Listed" && a.seller === account.address) acts.push("listed");
        if (e.name === "Traded" && a.seller === account.address) acts.push("sold");
        if (e.name === "Retired" && a.holder === account.address) acts.push("retired");
        const plainTransfer = a.from === account.address && a.to !== ZeroAddress && a.to !== record.contracts.market.address;
        if (e.name === "TransferSingle" && a.operator === account.address && plainTransfer) acts.push("transferred");
        if (e.name === "LicensePurchased" && a.buyer === account.address) {
          acts.push("bought a licence");
          sale = a;
        }
        if (e.name === "Transfer" && a.from === account.address) paid[a.to as string] = (paid[a.to as string] ?? 0n) + (a.value as bigint);
      }
      expect(sale).to.include({ holder, price: 500_000n });
      expect(sale!.offerId).to.equal(BigInt(offerId));
      // Paid in full less the fee: the holder's share and the fee are what left the buyer's account, nothing else.
      expect(paid[holder]).to.equal(500_000n - (sale!.fee as bigint));
      expect(Object.values(paid).reduce((x, y) => x + y, 0n)).to.equal(500_000n);
    } finally {
      provider.destroy();
    }
    expect(acts.sort()).to.deep.equal(["bought a licence", "listed", "retired", "sold", "transferred"]);

    // The gateway's DATA_DIR holds no private key of the business, in any form.
    expectNoKeyIn(dataDir, account.privateKey, "BIZ-GREEN");

    // The auditor's tool, on the chain alone, passes.
    const audit = await run("npm", ["run", "audit", "--silent"], { ...process.env, DATA_DIR: dataDir, CHAIN_PORT: String(gw.chainPort) });
    expect(audit.code, audit.out + audit.err).to.equal(0);
    expect(audit.out).to.contain("RESULT: PASSED");
  });

  it("refuses a README without the marker or block (the extraction never silently runs nothing)", function () {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(() => workedExample(readme.replace(MARKER, ""))).to.throw(/marker/);
    expect(workedExample(readme)).to.not.contain("```");
  });
});

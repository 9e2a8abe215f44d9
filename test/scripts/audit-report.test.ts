import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { auditChain } from "../../scripts/audit/audit-chain";
import { summarise } from "../../scripts/audit/report";
import { HELP, runCli } from "../../scripts/audit/run-cli";
import { label } from "../../scripts/audit/modules/data-assets";
import { Forgery, auditEvents, recordedEvents } from "./fixtures/forge";
import { historyFixture } from "./fixtures/history";

const ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

describe("audit tool: the report for people", function () {
  it("names the organisations, datasets, batches, retirements, listings and log entries it checked, with enum names and ISO dates", async function () {
    const x = await loadFixture(historyFixture);
    const report = await auditChain({ provider: ethers.provider, deployment: x.deployment, actionLog: x.actionLog, gatewayAccounts: x.gatewayAccounts });
    const text = summarise(report);
    expect(text).to.match(new RegExp(`^City Asset Ledger audit — chain 31337, blocks \\d+ \\(${ISO}\\) to \\d+ \\(${ISO}\\)\\n`));
    const line = (start: string) => text.split("\n").find((l) => l.startsWith(start)) ?? `(no line starting ${start})`;
    expect(line("  BIZ-A — ")).to.match(new RegExp(`^  BIZ-A — "[^"]*", Business, Active, valid until ${ISO}, 1 account: ${x.signers.businessA.address}; since ${ISO}$`));
    // Beyond the 25 the summary lists, the JSON report names every dataset.
    const core = report.subjects.find((s) => s.title === "Datasets")!.items.find((i) => i.id === label(x.ids.core))!;
    expect(core.text).to.equal(`"Land registry extract", Core, Active, held by AGENCY-A (${x.signers.agencyA.address}), kept by AGENCY-B (${x.signers.agencyB.address})`);
    expect(line(`  ${label(x.ids.catalogue[1])} — `)).to.match(/, Revoked, held by AGENCY-A/);
    expect(line("  batch 1 — ")).to.match(new RegExp(`^  batch 1 — project VN-DN-0001, monitoring period ${ISO} – ${ISO}, serials 1–1000, issued 1000 t, retired 100 t, cancelled 15 t, corresponding adjustment Applied; since ${ISO}$`));
    expect(line("  retirement 1 — ")).to.match(new RegExp(`^  retirement 1 — 50 t of batch 1 \\(serials 1–50\\) for BIZ-A \\(${x.signers.businessA.address}\\); since ${ISO}$`));
    expect(line("  listing 2 — ")).to.match(new RegExp(`^  listing 2 — reclaimed, 0 of 40 t of batch 3 left at 300000 VND/t, seller BIZ-A \\(${x.signers.businessA.address}\\), expires ${ISO}; since ${ISO}$`));
    expect(line("  entry 1 — ")).to.equal(`  entry 1 — ${x.actionLog[0].at} DATA-OFFICE POST /v1/datasets → 201, transaction ${x.actionLog[0].txHash!.toLowerCase()}`);
    expect(line("  anchor 1 — ")).to.match(new RegExp(`^  anchor 1 — log entries 1–\\d+, root 0x[0-9a-f]{64}, transaction 0x[0-9a-f]{64}; since ${ISO}$`));
    for (const title of ["Organisations", "Datasets", "Dataset licences", "Carbon projects", "Carbon credit batches", "Retirements", "Market listings", "Gateway action-log entries"]) {
      expect(text).to.match(new RegExp(`\\n${title} \\(\\d+\\):\\n`), title);
    }
    expect(text).to.match(/\n {2}… and \d+ more \(all of them in the JSON report\)\n/); // 46 datasets, 25 shown
    expect(report.subjects.find((s) => s.title === "Datasets")!.items).to.have.length(report.subjects.find((s) => s.title === "Datasets")!.total);
  });

  it("dates every discrepancy and names enum values, not numbers", async function () {
    const x = await loadFixture(historyFixture);
    const toBlock = await ethers.provider.getBlockNumber();
    const forgery = new Forgery(await recordedEvents(x.deployment, toBlock), toBlock);
    const suspension = forgery.find("OrganizationStatusChanged", (a) => a.reason === "late filing");
    forgery.drop(forgery.find("OrganizationStatusChanged", (a) => a.reason === "filed"));
    const text = summarise(await auditEvents(x.deployment, forgery.events, toBlock));
    const time = new Date((await ethers.provider.getBlock(suspension.blockNumber))!.timestamp * 1000).toISOString();
    expect(text).to.include(
      `  - [participants match the registry] organisation BIZ-B status: replayed "Suspended", on chain "Active" (last replayed change: block ${suspension.blockNumber}, ${time}, tx ${suspension.txHash}, log ${suspension.logIndex})`,
    );
    expect(text).to.match(/BIZ-B — "[^"]*", Business, Suspended, no expiry/);
  });

  it("npm run audit -- --help says how to run it, and a bad option or a missing record exits 2", async function () {
    let text = "";
    expect(await runCli(["--help"], (t) => (text += t))).to.equal(0);
    expect(text).to.equal(HELP);
    for (const option of ["--rpc <url>", "--deployment <file>", "--log <file>", "--to-block <n>", "--out <file>", "--help", "Exit status"]) expect(text).to.include(option);
    let error = "";
    expect(await runCli(["--deployment", "/nonexistent/deployment.json"], () => undefined, (t) => (error += t))).to.equal(2);
    expect(error).to.match(/^No deployment record at \/nonexistent\/deployment.json/);
    await expectRejection(() => runCli(["--frobnicate"]), /Unknown option '--frobnicate'/);
  });
});

async function expectRejection(fn: () => Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await fn();
  } catch (error) {
    expect((error as Error).message).to.match(message);
    return;
  }
  expect.fail("expected a rejection");
}

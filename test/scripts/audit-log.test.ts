import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { auditChain } from "../../scripts/audit/audit-chain";
import { LOG_CHECKS } from "../../scripts/audit/log-completeness";
import { readLogExport } from "../../scripts/audit/log-export";
import type { ActionLogEntry } from "../../scripts/lib/action-log";
import type { AuditReport } from "../../scripts/audit/types";
import { appendEntry, requestHashOf } from "../../scripts/lib/action-log";
import { relay } from "../contracts/helpers/forwarder";
import { anchorRange, historyFixture, logEntriesFor } from "./fixtures/history";

type Fixture = Awaited<ReturnType<typeof historyFixture>>;

describe("audit tool: the gateway's log is complete in both directions", function () {
  const messages = (report: AuditReport, check: string) => report.discrepancies.filter((d) => d.check === check).map((d) => d.message);
  const audit = (x: Fixture, actionLog: ActionLogEntry[], gatewayAccounts: string[] | undefined = x.gatewayAccounts) =>
    auditChain({ provider: ethers.provider, deployment: x.deployment, actionLog, ...(gatewayAccounts ? { gatewayAccounts } : {}) });
  /** A transaction of the data office (the gateway-held registrar key): a valuation of the Important dataset. */
  const registrarTx = async (x: Fixture, n: number) =>
    (await x.dataAssets.connect(x.signers.registrar).recordValuation(x.ids.important, 1_000_000n + BigInt(n), (await ethers.provider.getBlock("latest"))!.timestamp, "cost", "appraiser", ethers.id(`appraisal ${n}`))).hash;
  /** Appends entries naming `hashes` and anchors them, then one more logged transaction and its anchor (so the first range is past the cut-off). */
  async function extend(x: Fixture, log: ActionLogEntry[], hashes: string[]): Promise<ActionLogEntry[]> {
    let entries = logEntriesFor(hashes, log);
    await anchorRange(x, entries, log.length + 1, entries.length);
    const next = entries.length;
    entries = logEntriesFor([await registrarTx(x, 999)], entries);
    await anchorRange(x, entries, next + 1, entries.length);
    return entries;
  }

  it("passes a log that names every transaction of the declared accounts, each once, on chain and in order", async function () {
    const x = await loadFixture(historyFixture);
    const report = await audit(x, x.actionLog);
    expect(report.discrepancies).to.deep.equal([]);
    const checks = report.checks.filter((c) => c.module === "gateway log").map((c) => c.description);
    for (const check of [LOG_CHECKS.onChain, LOG_CHECKS.accounts, LOG_CHECKS.relayed, LOG_CHECKS.order]) expect(checks).to.include(check);
    expect(checks.some((c) => c.startsWith(LOG_CHECKS.complete))).to.equal(true);
  });

  it("reads the export as GET /v1/audit/log gives it, with the accounts it declares", function () {
    const entries = [{ id: 1 }] as unknown as ActionLogEntry[];
    const account = "0x" + "ab".repeat(20);
    expect(readLogExport({ entries, anchors: [], accounts: [account, { address: account }] })).to.deep.equal({ entries, accounts: [ethers.getAddress(account), ethers.getAddress(account)] });
    expect(readLogExport(entries)).to.deep.equal({ entries });
    expect(() => readLogExport({ entries, accounts: ["nope"] })).to.throw(/not an address/);
    expect(() => readLogExport({ rows: [] })).to.throw(/entries/);
  });

  it("reports a transaction of a gateway account that no anchored entry names, by its hash and nonce (missing entry)", async function () {
    const x = await loadFixture(historyFixture);
    const hidden = await registrarTx(x, 1);
    const nonce = (await ethers.provider.getTransaction(hidden))!.nonce;
    const block = (await ethers.provider.getTransactionReceipt(hidden))!.blockNumber;
    const log = await extend(x, x.actionLog, [await registrarTx(x, 2)]);
    expect(messages(await audit(x, log), LOG_CHECKS.complete)).to.deep.equal([`transaction ${hidden} (nonce ${nonce} of ${x.signers.registrar.address}, block ${block}) is named by no anchored entry`]);
  });

  it("reports a declared account whose transactions the log leaves out", async function () {
    const x = await loadFixture(historyFixture);
    const found = messages(await audit(x, x.actionLog, [...x.gatewayAccounts, x.signers.businessA.address]), LOG_CHECKS.complete);
    expect(found).to.not.be.empty;
    for (const m of found) expect(m).to.match(new RegExp(`^transaction 0x[0-9a-f]{64} \\(nonce \\d+ of ${x.signers.businessA.address}, block \\d+\\) is named by no anchored entry$`));
  });

  it("reports an entry whose transaction is not on chain (extra entry), by id and transaction", async function () {
    const x = await loadFixture(historyFixture);
    const ghost = ethers.id("a transaction never sent");
    const log = await extend(x, x.actionLog, [ghost]);
    const toBlock = await ethers.provider.getBlockNumber();
    const report = await audit(x, log);
    expect(messages(report, LOG_CHECKS.onChain)).to.deep.equal([`entry ${x.actionLog.length + 1} names transaction ${ghost}, which is not on chain by block ${toBlock}`]);
    expect(report.discrepancies.find((d) => d.check === LOG_CHECKS.onChain)!.details).to.deep.include({ entryId: x.actionLog.length + 1, txHash: ghost, problem: "extra" });
  });

  it("reports a transaction named by two entries", async function () {
    const x = await loadFixture(historyFixture);
    const log = await extend(x, x.actionLog, [x.actionLog[0].txHash!]);
    expect(messages(await audit(x, log), LOG_CHECKS.onChain)).to.deep.equal([`transaction ${x.actionLog[0].txHash!.toLowerCase()} is named by entries 1 and ${x.actionLog.length + 1}`]);
  });

  it("reports entries that name an account's transactions out of nonce order (reordered entries)", async function () {
    const x = await loadFixture(historyFixture);
    const [a, b] = [await registrarTx(x, 1), await registrarTx(x, 2)];
    const [na, nb] = [(await ethers.provider.getTransaction(a))!.nonce, (await ethers.provider.getTransaction(b))!.nonce];
    const log = await extend(x, x.actionLog, [b, a]);
    expect(messages(await audit(x, log), LOG_CHECKS.order)).to.deep.equal([
      `entry ${x.actionLog.length + 2} names transaction ${a.toLowerCase()} (nonce ${na} of ${x.signers.registrar.address}) after entry ${x.actionLog.length + 1} named nonce ${nb}: the entries are reordered`,
    ]);
  });

  it("reports an entry altered after anchoring, by id", async function () {
    const x = await loadFixture(historyFixture);
    const altered = x.actionLog.map((e) => (e.id === 3 ? { ...e, txHash: x.actionLog[3].txHash } : e));
    const report = await audit(x, altered);
    expect(report.discrepancies.map((d) => d.details)).to.deep.include({ entryId: 3, anchorId: 1, problem: "tampered" });
  });

  it("reports a logged transaction sent from an account the export does not declare", async function () {
    const x = await loadFixture(historyFixture);
    const found = messages(await audit(x, x.actionLog, [x.signers.anchorer.address]), LOG_CHECKS.accounts);
    expect(found).to.have.length(x.actionLog.length);
    expect(found[0]).to.equal(`account ${x.signers.registrar.address} sent transaction ${x.actionLog[0].txHash!.toLowerCase()} (named by entry 1), but the log export does not declare it a gateway account`);
  });

  it("says plainly when the export declares no accounts, and still checks every entry against the chain", async function () {
    const x = await loadFixture(historyFixture);
    const report = await auditChain({ provider: ethers.provider, deployment: x.deployment, actionLog: x.actionLog });
    expect(report.passed).to.equal(true);
    expect(report.checks.map((c) => c.description).some((d) => d.startsWith("NOT CHECKED: the export declares no gateway accounts"))).to.equal(true);
  });

  describe("requests relayed through the Forwarder", function () {
    /** BIZ-A's signed VND transfer, relayed by the gateway's (declared) registrar account. */
    async function relayed(x: Fixture): Promise<string> {
      return (await relay(x.forwarder, x.signers.registrar, x.signers.businessA, x.settlement, "transfer", [x.signers.businessB.address, 1n])).hash;
    }
    /** An entry for a relayed request, recording who signed it (as the gateway writes one). */
    function relayedEntry(log: ActionLogEntry[], txHash: string, signer: string): ActionLogEntry[] {
      const id = log.length + 1;
      return [...log, appendEntry(log[log.length - 1], { id, at: new Date(Date.UTC(2026, 2, 2, 9, 0, id)).toISOString(), org: "BIZ-A", apiKeyId: "key-BIZ-A", action: "POST /v1/signed-requests", requestHash: requestHashOf({ id }), status: 201, txHash, signer, signature: "0x01" } as ActionLogEntry)];
    }
    async function anchorAll(x: Fixture, log: ActionLogEntry[], from: number): Promise<ActionLogEntry[]> {
      await anchorRange(x, log, from, log.length);
      return extend(x, log, [await registrarTx(x, 7)]);
    }

    it("passes a relayed request named by an entry with its signer", async function () {
      const x = await loadFixture(historyFixture);
      const log = await anchorAll(x, relayedEntry(x.actionLog, await relayed(x), x.signers.businessA.address), x.actionLog.length + 1);
      expect((await audit(x, log)).discrepancies).to.deep.equal([]);
    });

    it("reports a relayed request that no anchored entry names", async function () {
      const x = await loadFixture(historyFixture);
      const hash = await relayed(x);
      const block = (await ethers.provider.getTransactionReceipt(hash))!.blockNumber;
      const log = await extend(x, x.actionLog, [await registrarTx(x, 5)]);
      const report = await audit(x, log);
      expect(messages(report, LOG_CHECKS.relayed)).to.deep.equal([`the request of ${x.signers.businessA.address} relayed in transaction ${hash} (block ${block}) is named by no anchored entry`]);
      // …and the relayer's transaction is missing from the log as well.
      expect(messages(report, LOG_CHECKS.complete).some((m) => m.startsWith(`transaction ${hash} `))).to.equal(true);
    });

    it("reports an entry that names another signer than the one who signed the request", async function () {
      const x = await loadFixture(historyFixture);
      const hash = await relayed(x);
      const log = await anchorAll(x, relayedEntry(x.actionLog, hash, x.signers.businessB.address), x.actionLog.length + 1);
      expect(messages(await audit(x, log), LOG_CHECKS.relayed)).to.deep.equal([
        `entry ${x.actionLog.length + 1} says ${x.signers.businessB.address} signed the request relayed in ${hash}, but ${x.signers.businessA.address} did`,
      ]);
    });
  });
});


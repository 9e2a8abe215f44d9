import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { auditChain } from "../../scripts/audit/audit-chain";
import { RpcChainView } from "../../scripts/audit/chain-view";
import { resolveDeployment, type AuditDeployment } from "../../scripts/audit/contracts";
import { runAudit } from "../../scripts/audit/engine";
import { fetchHistory } from "../../scripts/audit/history";
import { createModules } from "../../scripts/audit/modules";
import { label } from "../../scripts/audit/modules/data-assets";
import type { AuditEvent, AuditReport, Discrepancy } from "../../scripts/audit/types";
import { historyFixture } from "./fixtures/history";

describe("audit tool", function () {
  async function recordedEvents(deployment: AuditDeployment, toBlock: number): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    for await (const e of fetchHistory(ethers.provider, resolveDeployment(deployment).contracts, 0, toBlock)) if (!("unknown" in e)) events.push(e);
    return events;
  }

  async function auditEvents(deployment: AuditDeployment, events: AuditEvent[], toBlock: number): Promise<AuditReport> {
    const { contracts } = resolveDeployment(deployment);
    return runAudit({ chainId: 31337, fromBlock: 0, toBlock, events, chain: new RpcChainView(ethers.provider, contracts, toBlock), modules: createModules() });
  }

  /** The recorded history with `change` applied, audited at the same block. */
  async function auditAltered(change: (events: AuditEvent[], toBlock: number) => void) {
    const { deployment } = await loadFixture(historyFixture);
    const toBlock = await ethers.provider.getBlockNumber();
    const events = await recordedEvents(deployment, toBlock);
    change(events, toBlock);
    return auditEvents(deployment, events, toBlock);
  }

  /** A forged event appended after everything real, at the audited block. */
  const forged = (like: AuditEvent, toBlock: number, n: number, args: Record<string, unknown>): AuditEvent => ({
    ...like,
    args: { ...like.args, ...args },
    blockNumber: toBlock,
    logIndex: 1_000 + n,
    txHash: ethers.id(`forged ${n}`),
  });
  const at = (e: AuditEvent) => ({ blockNumber: e.blockNumber, txHash: e.txHash, logIndex: e.logIndex });
  const only = (report: AuditReport, check: string): Discrepancy[] => report.discrepancies.filter((d) => d.check === check);

  describe("a clean history", function () {
    it("passes, reading the deployment record as scripts/lib/deployment.ts writes it", async function () {
      const { deployment, actionLog } = await loadFixture(historyFixture);
      const report = await auditChain({ provider: ethers.provider, deployment, actionLog });
      expect(report.discrepancies).to.deep.equal([]);
      expect(report.passed).to.equal(true);
      expect(report.events).to.equal((await ethers.provider.getLogs({ address: Object.values(resolveDeployment(deployment).contracts).map((c) => c.address), fromBlock: 0 })).length);
      for (const contract of ["CityAccessManager", "ParticipantRegistry", "DataAssetRegistry"]) expect(report.eventsByContract[contract], contract).to.be.greaterThan(0);
      for (const check of [
        "datasets match the registry",
        "dataset balances match the registry",
        "licences match the registry",
        "hasAccess matches the replayed rules",
        "datasets go only to active participants",
        "Core and Important data are only ever held or kept by CityAgency accounts",
        "every content hash is registered once",
        "holder transfers respect soulbound locks, the pause and the sender's status",
        "revoked datasets never move",
        "issued = circulating + retired + cancelled for every batch",
        "retired and cancelled serial ranges are disjoint, consumed in order and inside their batch's block",
        "retired and cancelled credits never move: every burn is a retirement or cancellation",
        "frozen batches and accounts never move while frozen",
        "credits go only to active participants",
        "no double issuance: one batch per attestation, one attestation per (project, period, report)",
        "credit balances match the registry",
        "batches match the registry",
        "retirement records match the registry",
        "VND conservation: total supply = minted − burned = sum of balances",
        "VND goes only to active participants",
        "every trade is consistent: buyer paid amount × unit price, the fee as recorded, the credits delivered",
        "escrow: the market holds, per batch, exactly the open listings' remainders",
        "listings and market settings match the market",
      ]) {
        expect(report.checkedCounts[check], check).to.be.greaterThan(0);
      }
      expect(report.checks.map((c) => c.module)).to.include.members(["access", "participants", "data assets", "carbon", "settlement", "market", "anchors"]);
    });

    it("reports a gateway log entry altered after anchoring, by id", async function () {
      const { deployment, actionLog } = await loadFixture(historyFixture);
      const tampered = actionLog.map((e) => (e.id === 2 ? { ...e, org: "BIZ-B" } : e));
      const report = await auditChain({ provider: ethers.provider, deployment, actionLog: tampered });
      const found = only(report, "gateway action log matches its anchors");
      expect(found.map((d) => [d.details!.problem, d.details!.entryId ?? d.details!.anchorId])).to.deep.include(["tampered", 2]);
      expect(report.discrepancies.every((d) => d.check === "gateway action log matches its anchors")).to.equal(true);
    });

    it("refuses a deployment record of another chain, or one that lacks a contract", async function () {
      const { deployment } = await loadFixture(historyFixture);
      await expect(auditChain({ provider: ethers.provider, deployment: { ...deployment, chainId: 1 } })).to.be.rejectedWith(/chain 1/);
      const { dataAssets: _dropped, ...rest } = deployment.contracts;
      await expect(auditChain({ provider: ethers.provider, deployment: { ...deployment, contracts: rest } })).to.be.rejectedWith(/has no DataAssetRegistry/);
    });

    it("reports a record naming an unknown contract, or code other than recorded", async function () {
      const { deployment } = await loadFixture(historyFixture);
      const anchor = deployment.contracts.auditAnchor as { address: string; codeHash: string };
      const report = await auditChain({
        provider: ethers.provider,
        deployment: { ...deployment, contracts: { ...deployment.contracts, auditAnchor: { ...anchor, codeHash: ethers.ZeroHash }, oracle: ethers.ZeroAddress } },
      });
      expect(report.discrepancies.map((d) => d.message)).to.have.members([
        `the deployment record names a contract "oracle" that this audit tool does not know, so its events were not audited`,
        `the code at AuditAnchor (${anchor.address}) is not the code the deployment record names`,
      ]);
    });
  });

  describe("participants", function () {
    it("reports an event the replay did not get, with what differs and the last event it replayed", async function () {
      await loadFixture(historyFixture);
      let suspended: AuditEvent | undefined;
      const report = await auditAltered((events) => {
        const dropped = events.findIndex((e) => e.name === "OrganizationStatusChanged" && e.args.reason === "filed");
        suspended = events[dropped - 1];
        events.splice(dropped, 1);
      });
      const found = report.discrepancies.find((d) => d.message === `organisation BIZ-B status: replayed "Suspended", on chain "Active"`);
      expect(found, JSON.stringify(report.discrepancies)).to.not.equal(undefined);
      // The last change the replay saw was the suspension; the missing reinstatement lies after it.
      expect(suspended!.args.reason).to.equal("late filing");
      expect(found!.since).to.deep.equal(at(suspended!));
    });

    it("reports an event that contradicts the history before it, at its transaction", async function () {
      let copy: AuditEvent | undefined;
      const report = await auditAltered((events, toBlock) => {
        const reinstated = events.find((e) => e.name === "OrganizationStatusChanged" && e.args.reason === "filed")!;
        copy = forged(reinstated, toBlock, 0, {});
        events.push(copy);
      });
      const found = only(report, "participant events");
      expect(found.map((d) => d.message)).to.deep.equal(["status change of BIZ-B leaves Suspended but the organisation was Active"]);
      expect(found[0].location).to.deep.equal(at(copy!));
    });

    it("reports events out of chain order", async function () {
      const report = await auditAltered((events) => {
        [events[3], events[4]] = [events[4], events[3]];
      });
      expect(report.discrepancies.some((d) => d.check === "events in chain order")).to.equal(true);
    });
  });

  describe("data assets", function () {
    it("reports a transfer to an account that was not an active participant, at the transfer", async function () {
      const { signers, ids } = await loadFixture(historyFixture);
      let altered: AuditEvent | undefined;
      const report = await auditAltered((events) => {
        altered = events.find((e) => e.name === "Transfer" && e.args.tokenId === ids.catalogue[0] && e.args.from !== ethers.ZeroAddress)!;
        altered.args = { ...altered.args, to: signers.stranger.address };
      });
      const found = only(report, "datasets go only to active participants");
      expect(found).to.have.length(1);
      expect(found[0].message).to.equal(`receiver of ${label(ids.catalogue[0])} ${signers.stranger.address.toLowerCase()} was not an active participant`);
      expect(found[0].location).to.deep.equal(at(altered!));
      // …and the chain disagrees with the replay about who holds it now.
      expect(report.discrepancies.map((d) => d.message)).to.include(
        `dataset ${label(ids.catalogue[0])} holder (ownerOf): replayed ${signers.stranger.address.toLowerCase()}, on chain ${signers.agencyB.address.toLowerCase()}`,
      );
    });

    it("reports Important data moved to a business, at the transfer", async function () {
      const { signers, ids } = await loadFixture(historyFixture);
      let altered: AuditEvent | undefined;
      const report = await auditAltered((events) => {
        altered = events.find((e) => e.name === "Transfer" && e.args.tokenId === ids.important && e.args.from !== ethers.ZeroAddress)!;
        altered.args = { ...altered.args, to: signers.businessA.address };
      });
      const found = only(report, "Core and Important data are only ever held or kept by CityAgency accounts");
      expect(found.map((d) => d.message)).to.deep.equal([`receiver of ${label(ids.important)} ${signers.businessA.address.toLowerCase()} is a Business account but the data is Important`]);
      expect(found[0].location).to.deep.equal(at(altered!));
    });

    it("reports a content hash registered twice, at the second registration", async function () {
      const { ids } = await loadFixture(historyFixture);
      let mint: AuditEvent | undefined;
      const report = await auditAltered((events, toBlock) => {
        const original = events.findIndex((e) => e.name === "DatasetRegistered" && e.args.id === ids.other);
        mint = forged(events[original - 1], toBlock, 0, {});
        events.push(mint, forged(events[original], toBlock, 1, {}));
        events[events.length - 1].txHash = mint.txHash;
      });
      const found = only(report, "every content hash is registered once");
      expect(found).to.have.length(1);
      expect(found[0].message).to.match(new RegExp(`content hash ${label(ids.other)} registered again`));
      expect(found[0].location).to.deep.equal(at(mint!));
    });

    it("reports a revoked dataset that moved, at the move", async function () {
      const { signers, ids } = await loadFixture(historyFixture);
      let move: AuditEvent | undefined;
      const report = await auditAltered((events, toBlock) => {
        const transfer = events.find((e) => e.name === "Transfer" && e.args.from !== ethers.ZeroAddress)!;
        move = forged(transfer, toBlock, 0, { from: signers.agencyA.address, to: signers.agencyB.address, tokenId: ids.catalogue[1] });
        events.push(move);
      });
      const found = only(report, "revoked datasets never move");
      expect(found.map((d) => d.message)).to.deep.equal([`revoked dataset ${label(ids.catalogue[1])} moved from ${signers.agencyA.address.toLowerCase()} to ${signers.agencyB.address.toLowerCase()}`]);
      expect(found[0].location).to.deep.equal(at(move!));
    });

    it("tells a recovery from a holder transfer: a recovery without its Transfer, and a soulbound dataset moved by its holder", async function () {
      const { ids } = await loadFixture(historyFixture);
      let recovered: AuditEvent | undefined;
      let soulboundMove: AuditEvent | undefined;
      const report = await auditAltered((events) => {
        const recoveredAt = events.findIndex((e) => e.name === "DatasetRecovered");
        recovered = events[recoveredAt];
        events.splice(recoveredAt - 1, 1); // its Transfer
        events.splice(events.findIndex((e) => e.name === "Unlocked" && e.args.tokenId === ids.soulbound), 1);
        soulboundMove = events.find((e) => e.name === "Transfer" && e.args.tokenId === ids.soulbound && e.args.from !== ethers.ZeroAddress);
      });
      expect(only(report, "dataset events follow the registry's rules").map((d) => [d.message, d.location])).to.deep.include([
        `recovery of ${label(ids.catalogue[2])} without the ERC-721 Transfer that must precede it`,
        at(recovered!),
      ]);
      const holderRules = only(report, "holder transfers respect soulbound locks, the pause and the sender's status");
      expect(holderRules.map((d) => [d.message, d.location])).to.deep.equal([[`holder transfer of ${label(ids.soulbound)} although it is soulbound`, at(soulboundMove!)]]);
    });

    it("reports a dropped transfer as a wrong holder and wrong balances, since the last event replayed", async function () {
      const { signers, ids } = await loadFixture(historyFixture);
      let custody: AuditEvent | undefined;
      const report = await auditAltered((events) => {
        custody = events.find((e) => e.name === "CustodianChanged" && e.args.id === ids.important);
        const dropped = events.findIndex((e) => e.name === "Transfer" && e.args.tokenId === ids.important && e.args.from !== ethers.ZeroAddress);
        events.splice(dropped, 1);
      });
      const messages = report.discrepancies.map((d) => d.message);
      expect(messages).to.include(`dataset ${label(ids.important)} holder (ownerOf): replayed ${signers.agencyA.address.toLowerCase()}, on chain ${signers.agencyB.address.toLowerCase()}`);
      expect(messages.some((m) => m.startsWith(`dataset balance of ${signers.agencyB.address.toLowerCase()}:`))).to.equal(true);
      const holder = report.discrepancies.find((d) => d.message.startsWith(`dataset ${label(ids.important)} holder (ownerOf)`))!;
      // The last change to that dataset the replay saw was its custody change; the missing event lies after it.
      expect(holder.since).to.deep.equal(at(custody!));
    });

    it("reports a licence whose revocation the replay missed, and the access it wrongly grants", async function () {
      const { ids, orgs, signers } = await loadFixture(historyFixture);
      const report = await auditAltered((events) => {
        events.splice(events.findIndex((e) => e.name === "LicenseRevoked"), 1);
      });
      const messages = report.discrepancies.map((d) => d.message);
      expect(messages).to.include(`licence of ${label(ids.core)} to ${orgs.businessA.id} terms hash: replayed ${ethers.id("terms: survey")}, on chain ${ethers.ZeroHash}`);
      expect(messages).to.include(`hasAccess(${label(ids.core)}, ${signers.businessA.address.toLowerCase()}): replayed true, on chain false`);
    });
  });
  describe("carbon, settlement and market", function () {
    const transfers = (events: AuditEvent[], batchId: bigint) =>
      events.filter((e) => e.name === "TransferSingle" && e.args.id === batchId && e.args.from !== ethers.ZeroAddress && e.args.to !== ethers.ZeroAddress);

    it("reports overlapping serial ranges at the later range, naming the one it overlaps", async function () {
      const { batches } = await loadFixture(historyFixture);
      let first: AuditEvent | undefined;
      let second: AuditEvent | undefined;
      const report = await auditAltered((events) => {
        [first, second] = events.filter((e) => e.name === "Retired" && e.args.batchId === batches.rice);
        second.args = { ...second.args, retirementId: 41n, serialFirst: 41n, serialLast: 60n };
      });
      const found = only(report, "retired and cancelled serial ranges are disjoint, consumed in order and inside their batch's block");
      expect(found.map((d) => d.message)).to.deep.equal([`retirement 41 of batch ${batches.rice} (serials 41–60) overlaps retirement 1 (serials 1–50)`]);
      expect(found[0].location).to.deep.equal(at(second!));
      expect(found[0].details).to.deep.equal({ overlaps: at(first!) });
      // …and the registry has no retirement 41.
      expect(report.discrepancies.some((d) => d.check === "retirement records match the registry" && d.message.startsWith("retirement 41 "))).to.equal(true);
    });

    it("reports credits sent to an account that was not an active participant, at the transfer", async function () {
      const { batches, signers } = await loadFixture(historyFixture);
      let altered: AuditEvent | undefined;
      const report = await auditAltered((events) => {
        altered = transfers(events, batches.rice)[0];
        altered.args = { ...altered.args, to: signers.stranger.address };
      });
      const found = only(report, "credits go only to active participants");
      expect(found.map((d) => d.message)).to.deep.equal([`credits of batch ${batches.rice} went to ${signers.stranger.address.toLowerCase()}, which was not an active participant`]);
      expect(found[0].location).to.deep.equal(at(altered!));
    });

    it("reports a trade whose amount was altered: price, fee and delivery no longer agree", async function () {
      let traded: AuditEvent | undefined;
      const report = await auditAltered((events) => {
        traded = events.find((e) => e.name === "Traded")!;
        traded.args = { ...traded.args, amount: (traded.args.amount as bigint) + 10n };
      });
      const found = only(report, "every trade is consistent: buyer paid amount × unit price, the fee as recorded, the credits delivered").filter(
        (d) => d.location?.txHash === traded!.txHash,
      );
      expect(found).to.have.length(3);
      for (const d of found) expect(d.location).to.deep.equal(at(traded!));
      // The listing's last fill then takes more than the replay thinks was left.
      expect(report.discrepancies.map((d) => d.message)).to.include("trade on listing 1 is inconsistent: 120 t bought with 110 t left");
      expect(found[0].message).to.match(/^trade on listing 1 is inconsistent: fee 125000 VND, but 100 bps of 15000000 VND is 150000$/);
      expect(found.map((d) => d.message)).to.include.members([
        "Traded of listing 1: the payment of 14875000 VND to the seller did not happen in its transaction",
        "Traded of listing 1: the delivery of 60 t to the buyer did not happen in its transaction",
      ]);
    });

    it("reports a dropped retirement at the burn it leaves unexplained, and the supply split it breaks", async function () {
      const { batches } = await loadFixture(historyFixture);
      let burn: AuditEvent | undefined;
      const report = await auditAltered((events) => {
        const index = events.findIndex((e) => e.name === "Retired" && e.args.batchId === batches.rice && e.args.amount === 20n);
        burn = events[index - 1];
        events.splice(index, 1);
      });
      const found = only(report, "retired and cancelled credits never move: every burn is a retirement or cancellation");
      expect(found.map((d) => [d.message, d.location])).to.deep.include([
        `20 t of batch ${batches.rice} burned from ${(burn!.args.from as string).toLowerCase()} without a retirement or cancellation record`,
        at(burn!),
      ]);
      expect(report.discrepancies.map((d) => d.message)).to.include(`batch ${batches.rice} retired: replayed 80, on chain 100`);
      expect(report.discrepancies.some((d) => d.message.startsWith(`batch ${batches.rice} replayed balances (circulating) = issued − retired − cancelled`))).to.equal(true);
    });

    it("reports a wrong balance when a transfer is missing, since the last event that touched it", async function () {
      const { batches, signers } = await loadFixture(historyFixture);
      const report = await auditAltered((events) => {
        events.splice(events.indexOf(transfers(events, batches.rice)[0]), 1);
      });
      const balance = report.discrepancies.find((d) => d.message.startsWith(`balanceOf(${signers.businessA.address.toLowerCase()}, batch ${batches.rice})`));
      expect(balance?.message).to.match(/replayed \d+, on chain \d+$/);
      expect(balance?.since).to.not.equal(undefined);
    });

    it("reports a second batch issued against the same attestation, at the issuance", async function () {
      const { batches } = await loadFixture(historyFixture);
      let forgedIssue: AuditEvent | undefined;
      const report = await auditAltered((events, toBlock) => {
        const issued = events.findIndex((e) => e.name === "BatchIssued" && e.args.batchId === batches.rice);
        forgedIssue = forged(events[issued], toBlock, 0, { batchId: 4n, serialFirst: 1801n, serialLast: 2800n });
        const mint = forged(events[issued + 1], toBlock, 1, { id: 4n });
        mint.txHash = forgedIssue.txHash;
        events.push(forgedIssue, mint);
      });
      const found = only(report, "no double issuance: one batch per attestation, one attestation per (project, period, report)");
      expect(found.map((d) => d.message)).to.deep.equal([
        `batch 4 issued against attestation ${forgedIssue!.args.attestationId}, which already backs batch ${batches.rice}`,
      ]);
      expect(found[0].location).to.deep.equal(at(forgedIssue!));
    });

    it("reports credits of a frozen batch that moved while it was frozen", async function () {
      const { batches, signers } = await loadFixture(historyFixture);
      let move: AuditEvent | undefined;
      const report = await auditAltered((events) => {
        const frozen = events.findIndex((e) => e.name === "BatchFrozen");
        const like = transfers(events, batches.rice)[0];
        move = { ...like, args: { ...like.args, id: batches.landfill, from: signers.businessB.address, to: signers.businessA.address, value: 1n }, blockNumber: events[frozen].blockNumber, logIndex: events[frozen].logIndex + 1, txHash: ethers.id("forged") };
        events.splice(frozen + 1, 0, move);
      });
      const found = only(report, "frozen batches and accounts never move while frozen");
      expect(found.map((d) => [d.message, d.location])).to.deep.equal([[`credits of frozen batch ${batches.landfill} moved from ${signers.businessB.address.toLowerCase()} to ${signers.businessA.address.toLowerCase()}`, at(move!)]]);
    });

    it("reports VND minted without the treasury's record, and conservation broken by an altered amount", async function () {
      const { signers } = await loadFixture(historyFixture);
      let mint: AuditEvent | undefined;
      const report = await auditAltered((events) => {
        const minted = events.findIndex((e) => e.name === "Minted");
        mint = events[minted - 1];
        events.splice(minted, 1);
        const transfer = events.find((e) => e.contract === "SettlementToken" && e.name === "Transfer" && e.args.value === 2_000_000n)!;
        transfer.args = { ...transfer.args, value: 3_000_000n };
      });
      expect(only(report, "every mint and burn of VND carries the treasury's Minted or Burned record").map((d) => [d.message, d.location])).to.deep.equal([
        [`100000000 VND minted to ${signers.businessB.address.toLowerCase()} without a Minted record`, at(mint!)],
      ]);
      const messages = report.discrepancies.map((d) => d.message);
      expect(messages.some((m) => m.startsWith(`VND balance of ${signers.businessA.address.toLowerCase()}: replayed`))).to.equal(true);
    });

    it("reports escrow that left the market without a listing event", async function () {
      const { marketAddress } = await loadFixture(historyFixture);
      let escrowMove: AuditEvent | undefined;
      const report = await auditAltered((events) => {
        const cancelled = events.findIndex((e) => e.name === "ListingCancelled");
        escrowMove = events[cancelled + 1];
        events.splice(cancelled, 1);
      });
      const found = only(report, "escrow: the market holds, per batch, exactly the open listings' remainders");
      expect(found[0].message).to.match(/^35 t of batch \d+ moved out of escrow without a listing event$/);
      expect(found[0].location).to.deep.equal(at(escrowMove!));
      expect((escrowMove!.args.from as string).toLowerCase()).to.equal(marketAddress.toLowerCase());
      expect(report.discrepancies.some((d) => d.message.startsWith("listing 3 (seller, batch, remaining, price, minimum fill, expiry, buyer)"))).to.equal(true);
    });
  });

  describe("data exchange", function () {
    const PAID = "every licence sale is paid in full: price − fee to the dataset's holder and the fee to the fee recipient, in its transaction";
    const LICENSED =
      "every paid licence has its sale: each licence granted as purchased is named by a sale in its transaction, with the same dataset, organisation, expiry and terms";
    const RULES = "sales follow the exchange's rules: the offer's price and fee rate, not cancelled, never past its maximum";
    const sales = (events: AuditEvent[]) => events.filter((e) => e.contract === "DataExchange" && e.name === "LicensePurchased");

    it("replays the exchange's sales clean", async function () {
      const report = await auditAltered(() => undefined);
      for (const check of [PAID, LICENSED, RULES]) expect(report.checkedCounts[check], check).to.be.greaterThan(0);
      expect(report.discrepancies).to.deep.equal([]);
    });

    it("reports a sale whose payment to the holder did not happen", async function () {
      let sale: AuditEvent | undefined;
      const report = await auditAltered((events) => {
        sale = sales(events)[0];
        const payment = events.findIndex(
          (e) => e.txHash === sale!.txHash && e.contract === "SettlementToken" && e.name === "Transfer" && (e.args.to as string).toLowerCase() === (sale!.args.holder as string).toLowerCase(),
        );
        events.splice(payment, 1);
      });
      const found = only(report, PAID);
      expect(found.map((d) => [d.message, d.location])).to.deep.equal([[`sale on offer 1: the payment of 2970000 VND to the holder did not happen in its transaction`, at(sale!)]]);
    });

    it("reports a licence granted as purchased without a sale, and a sale without its licence", async function () {
      let grant: AuditEvent | undefined;
      let sale: AuditEvent | undefined;
      const report = await auditAltered((events, toBlock) => {
        sale = sales(events)[0];
        const granted = events.findIndex((e) => e.txHash === sale!.txHash && e.contract === "DataAssetRegistry" && e.name === "LicenseGranted");
        grant = forged(events[granted], toBlock, 0, {});
        events.splice(granted, 1);
        events.push(grant);
      });
      const found = only(report, LICENSED).map((d) => [d.message, d.location]);
      expect(found).to.deep.include([`sale on offer 1: no licence with its dataset, organisation, expiry and terms was granted in its transaction`, at(sale!)]);
      expect(found).to.deep.include([`licence of dataset ${grant!.args.id} to ${grant!.args.orgId} granted as purchased without a sale in its transaction`, at(grant!)]);
    });

    it("reports a sale past the offer's maximum", async function () {
      let extra: AuditEvent | undefined;
      const report = await auditAltered((events, toBlock) => {
        const last = sales(events).find((e) => e.args.offerId === 2n)!;
        // The whole sale again in a new transaction, in its order: licence grant, sale, payments.
        const copies = events.filter((e) => e.txHash === last.txHash).map((e, i) => ({ ...forged(e, toBlock, i, {}), txHash: ethers.id("forged sale") }));
        extra = copies.find((e) => e.name === "LicensePurchased");
        events.push(...copies);
      });
      expect(only(report, RULES).map((d) => [d.message, d.location])).to.deep.include([`sale on offer 2 breaks the exchange's rules: licence 2 of at most 1`, at(extra!)]);
    });
  });
});

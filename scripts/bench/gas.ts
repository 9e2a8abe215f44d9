/**
 * Benchmark 1: gas of every public write of every contract of the system, on Hardhat's in-process network, with
 * plain OpenZeppelin ERC-721 / ERC-1155 / ERC-20 calls measured in the same run as baselines. Each figure is the
 * receipt's gasUsed (21k base included; gas price is 0 but gas is still counted); batch calls are per item.
 * The system is the production wiring (deploySystem through the test fixtures).
 */
import type { ContractTransactionResponse, Interface } from "ethers";
import type { GasEntry } from "./lib/report";
import { ratio } from "./lib/stats";

/** The contracts whose writes are measured, by the name used in the JSON keys. */
export const GAS_CONTRACTS = [
  "ParticipantRegistry",
  "DataAssetRegistry",
  "CarbonCreditRegistry",
  "SettlementToken",
  "CarbonMarket",
  "AuditAnchor",
] as const;

/** DESIGN.md "Numbers to beat" (gas includes the 21k base). */
const TARGETS: Record<string, { text: string; max?: number; maxRatio?: number }> = {
  "DataAssetRegistry.register": { text: "≤ 120k single (holder already holds)", max: 120_000 },
  "DataAssetRegistry.registerBatch": { text: "≤ 95k per item in a batch", max: 95_000 },
  "CarbonCreditRegistry.safeTransferFrom": { text: "≤ 1.2 × plain ERC-1155 (new holder)", maxRatio: 1.2 },
  "CarbonCreditRegistry.issue": { text: "≤ 160k", max: 160_000 },
  "CarbonCreditRegistry.retire": { text: "≤ 120k", max: 120_000 },
  "CarbonMarket.list": { text: "≤ 130k", max: 130_000 },
  "CarbonMarket.fill": { text: "≤ 140k", max: 140_000 },
};

const BATCH = 50;

/** The names of every state-changing function of an ABI (overloads once). */
export function writeFunctions(iface: Interface): string[] {
  const names = new Set<string>();
  iface.forEachFunction((f) => {
    if (f.stateMutability !== "view" && f.stateMutability !== "pure") names.add(f.name);
  });
  return [...names].sort();
}

export async function runGasBenchmark(log: (line: string) => void): Promise<{ gas: Record<string, GasEntry>; unmeasured: string[]; network: string }> {
  // Loaded here: only this benchmark needs Hardhat (the others talk to real nodes).
  const hre = await import("hardhat");
  const { ethers } = hre;
  const { time } = await import("@nomicfoundation/hardhat-network-helpers");
  const { carbonFixture, claim } = await import("../../test/contracts/fixtures/carbon");
  const { registration, idOf, Classification } = await import("../../test/contracts/helpers/datasets");
  const { CityAccessManager__factory, PlainERC1155__factory, PlainERC20__factory, PlainERC721__factory } = await import("../../typechain-types");
  const { DELAYS, orgKind } = await import("../lib/roles");

  const gas: Record<string, GasEntry> = {};
  const measure = async (
    key: string,
    tx: Promise<ContractTransactionResponse>,
    options: { case?: string; baseline?: string; variant?: string; per?: number; note?: string } = {},
  ): Promise<number> => {
    const receipt = await (await tx).wait();
    const used = Math.round(Number(receipt!.gasUsed) / (options.per ?? 1));
    const entry = (gas[key] ??= { gas: null, baseline: null, ratio: null });
    if (options.variant) {
      entry.variants = { ...entry.variants, [options.variant]: used };
    } else {
      entry.gas = used;
      if (options.case) entry.case = options.case;
      if (options.baseline) entry.baseline = options.baseline;
      if (options.note) entry.note = options.note;
    }
    return used;
  };

  const ctx = await carbonFixture();
  const { accessManager, participants, dataAssets, carbon, settlement, market, auditAnchor, signers, orgs, batchId } = ctx;
  const { admin, governor, registrar, issuer, verifier, treasury, agencyA, agencyB, businessA, businessB, guardian, recovery, anchorer, marketOperator, stranger } = signers;
  log("gas: system deployed on Hardhat's in-process network");

  // ---------------------------------------------------------------- baselines (plain OpenZeppelin, same run)
  const p721 = await new PlainERC721__factory(admin).deploy();
  await p721.mint(agencyA.address, 1n);
  await p721.mint(agencyA.address, 2n);
  await measure("PlainERC721.mint", p721.mint(agencyA.address, 3n), { case: "to a holder that already holds one" });
  await measure("PlainERC721.transferFrom", p721.connect(agencyA).transferFrom(agencyA.address, agencyB.address, 3n), { case: "to a new holder" });
  await measure("PlainERC721.safeTransferFrom", p721.connect(agencyA)["safeTransferFrom(address,address,uint256)"](agencyA.address, businessA.address, 2n), { case: "to a new holder" });
  await measure("PlainERC721.approve", p721.connect(agencyA).approve(agencyB.address, 1n));
  await measure("PlainERC721.setApprovalForAll", p721.connect(agencyA).setApprovalForAll(agencyB.address, true));

  const p1155 = await new PlainERC1155__factory(admin).deploy();
  await measure("PlainERC1155.mint", p1155.mint(businessA.address, 1n, 1_000n), { case: "new id, new holder" });
  await p1155.mint(businessA.address, 2n, 1_000n);
  await measure("PlainERC1155.safeTransferFrom", p1155.connect(businessA).safeTransferFrom(businessA.address, businessB.address, 1n, 10n, "0x"), { case: "to a new holder" });
  await measure("PlainERC1155.safeTransferFrom", p1155.connect(businessA).safeTransferFrom(businessA.address, businessB.address, 1n, 10n, "0x"), { variant: "existing holder" });
  await measure(
    "PlainERC1155.safeBatchTransferFrom",
    p1155.connect(businessA).safeBatchTransferFrom(businessA.address, agencyA.address, [1n, 2n], [5n, 5n], "0x"),
    { case: "2 ids to a new holder" },
  );
  await measure("PlainERC1155.setApprovalForAll", p1155.connect(businessA).setApprovalForAll(agencyB.address, true));

  const p20 = await new PlainERC20__factory(admin).deploy();
  await p20.mint(admin.address, 1n); // total supply already non-zero, as the VND token's is
  await measure("PlainERC20.mint", p20.mint(businessB.address, 1_000_000n), { case: "to a new holder" });
  await measure("PlainERC20.transfer", p20.connect(businessB).transfer(agencyB.address, 10n), { case: "to a new holder" });
  await measure("PlainERC20.transfer", p20.connect(businessB).transfer(agencyB.address, 10n), { variant: "existing holder" });
  await measure("PlainERC20.approve", p20.connect(businessB).approve(agencyA.address, 1_000n), { case: "finite allowance" });
  await measure("PlainERC20.transferFrom", p20.connect(agencyA).transferFrom(businessB.address, businessA.address, 10n), { case: "to a new holder, finite allowance" });
  log("gas: baselines measured");

  // ---------------------------------------------------------------- ParticipantRegistry (GOVERNOR)
  const gasOrg = ethers.encodeBytes32String("GAS-ORG");
  await measure("ParticipantRegistry.registerOrganization", participants.connect(governor).registerOrganization(gasOrg, orgKind("Business"), 0, ethers.id("meta"), "Gas test business"));
  await measure("ParticipantRegistry.addAccount", participants.connect(governor).addAccount(gasOrg, stranger.address), { case: "first account of the organisation" });
  await measure("ParticipantRegistry.updateOrganization", participants.connect(governor).updateOrganization(gasOrg, 4_102_444_800n, ethers.id("meta-2")));
  await measure("ParticipantRegistry.suspend", participants.connect(governor).suspend(gasOrg, "licence lapsed"), { case: "organisation with one account" });
  await measure("ParticipantRegistry.reinstate", participants.connect(governor).reinstate(gasOrg, "licence renewed"), { case: "organisation with one account" });
  await measure("ParticipantRegistry.removeAccount", participants.connect(governor).removeAccount(stranger.address));
  await measure("ParticipantRegistry.revoke", participants.connect(governor).revoke(gasOrg, "wound up"), { case: "organisation without accounts" });

  // ---------------------------------------------------------------- DataAssetRegistry (REGISTRAR, holders, GUARDIAN, RECOVERY)
  await dataAssets.connect(registrar).register(registration("first", agencyA.address));
  const open = registration("open", agencyA.address, { classification: Classification.Open });
  await measure("DataAssetRegistry.register", dataAssets.connect(registrar).register(open), {
    case: "one Open dataset to a holder that already holds one",
    baseline: "PlainERC721.mint",
  });
  await measure("DataAssetRegistry.register", dataAssets.connect(registrar).register(registration("other", agencyA.address)), { variant: "Other class (record slot written)" });
  const batchOf = (label: string, classification: number) =>
    Array.from({ length: BATCH }, (_, i) => registration(`${label}-${i}`, agencyA.address, { classification }));
  await measure("DataAssetRegistry.registerBatch", dataAssets.connect(registrar).registerBatch(batchOf("open-batch", Classification.Open)), {
    case: `per item, batch of ${BATCH} Open datasets`,
    baseline: "PlainERC721.mint",
    per: BATCH,
  });
  await measure("DataAssetRegistry.registerBatch", dataAssets.connect(registrar).registerBatch(batchOf("other-batch", Classification.Other)), {
    variant: `per item, batch of ${BATCH} Other datasets`,
    per: BATCH,
  });
  const v1 = registration("v1", agencyA.address);
  await dataAssets.connect(registrar).register(v1);
  await measure("DataAssetRegistry.registerVersion", dataAssets.connect(registrar).registerVersion(idOf(v1.contentHash), registration("v2", agencyA.address)), {
    case: "parent becomes Deprecated",
  });
  const subject = registration("subject", agencyA.address, { classification: Classification.Important });
  await dataAssets.connect(registrar).register(subject);
  const sid = idOf(subject.contentHash);
  await measure("DataAssetRegistry.updateMetadata", dataAssets.connect(registrar).updateMetadata(sid, ethers.id("meta v2"), "Traffic counts 2025 (revised)", "https://opendata.example/traffic-2025.csv"));
  await measure("DataAssetRegistry.setCustodian", dataAssets.connect(registrar).setCustodian(sid, agencyB.address));
  await measure("DataAssetRegistry.setTransferable", dataAssets.connect(registrar).setTransferable(sid, false), { case: "lock (soulbound)" });
  const expiresAt = (await time.latest()) + 365 * 24 * 3600;
  await measure("DataAssetRegistry.grantLicense", dataAssets.connect(registrar).grantLicense(sid, orgs.businessA.id, expiresAt, ethers.id("terms"), "CC BY 4.0 with city terms v2"));
  await measure("DataAssetRegistry.revokeLicense", dataAssets.connect(registrar).revokeLicense(sid, orgs.businessA.id, "terms breached"));
  await measure(
    "DataAssetRegistry.recordValuation",
    dataAssets.connect(registrar).recordValuation(sid, 250_000_000n, BigInt(await time.latest()), "cost approach", "State Audit Office", ethers.id("valuation report")),
  );
  await measure("DataAssetRegistry.setStatus", dataAssets.connect(registrar).setStatus(sid, 1, "superseded by the 2026 survey"), { case: "Active → Deprecated" });
  await measure("DataAssetRegistry.setBaseURI", dataAssets.connect(admin).setBaseURI("https://ledger.city.example/datasets/"));

  const openId = idOf(open.contentHash);
  await measure("DataAssetRegistry.approve", dataAssets.connect(agencyA).approve(agencyB.address, openId), { baseline: "PlainERC721.approve" });
  await measure("DataAssetRegistry.setApprovalForAll", dataAssets.connect(agencyA).setApprovalForAll(agencyB.address, true), { baseline: "PlainERC721.setApprovalForAll" });
  await measure("DataAssetRegistry.transferFrom", dataAssets.connect(agencyA).transferFrom(agencyA.address, businessA.address, openId), {
    case: "Open dataset to a new holder",
    baseline: "PlainERC721.transferFrom",
  });
  const moved = registration("moved", agencyA.address, { classification: Classification.Open });
  await dataAssets.connect(registrar).register(moved);
  await measure(
    "DataAssetRegistry.safeTransferFrom",
    dataAssets.connect(agencyA)["safeTransferFrom(address,address,uint256)"](agencyA.address, agencyB.address, idOf(moved.contentHash)),
    { case: "Open dataset to a new holder", baseline: "PlainERC721.safeTransferFrom" },
  );
  await measure("DataAssetRegistry.pause", dataAssets.connect(guardian).pause());
  await measure("DataAssetRegistry.unpause", dataAssets.connect(guardian).unpause());

  // Forced transfer: RECOVERY's calls wait out an execution delay, so it is scheduled, waited for and executed.
  const stuck = registration("stuck", agencyA.address, { classification: Classification.Open });
  await dataAssets.connect(registrar).register(stuck);
  const recoverData = dataAssets.interface.encodeFunctionData("recover", [idOf(stuck.contentHash), agencyB.address, "holder lost its key"]);
  const dataAssetsAddress = await dataAssets.getAddress();
  await accessManager.connect(recovery).schedule(dataAssetsAddress, recoverData, 0);
  await time.increase(DELAYS.RECOVERY_EXECUTION + 1);
  await measure("DataAssetRegistry.recover", accessManager.connect(recovery).execute(dataAssetsAddress, recoverData), {
    case: "AccessManager.execute after the delay (schedule not included)",
  });
  log("gas: participants and datasets measured");

  // ---------------------------------------------------------------- CarbonCreditRegistry
  const { businessA: a, businessB: b } = signers;
  await measure(
    "CarbonCreditRegistry.registerProject",
    carbon.connect(issuer).registerProject("VN-DN-0002", orgs.businessB.id, "GS", "GS-TPDDTEC", "Lien Chieu, Da Nang", ethers.id("doc-2")),
  );
  const now = BigInt(await time.latest());
  const period = [now - 86_400n * 30n, now - 86_400n] as const;
  await measure("CarbonCreditRegistry.attest", carbon.connect(verifier).attest(ctx.projectKey, period[0], period[1], 5_000n, ethers.id("report-gas")));
  const attestationId = await carbon.attestationIdOf(ctx.projectKey, period[0], period[1], ethers.id("report-gas"));
  await measure("CarbonCreditRegistry.issue", carbon.connect(issuer).issue(attestationId, businessB.address, 5_000n), {
    case: "a new batch (not the registry's first) to a holder",
    baseline: "PlainERC1155.mint",
  });
  const second = await carbon.lastBatchId();
  await measure("CarbonCreditRegistry.safeTransferFrom", carbon.connect(a).safeTransferFrom(a.address, b.address, batchId, 10n, "0x"), {
    case: "between active participants, to a new holder of the batch",
    baseline: "PlainERC1155.safeTransferFrom",
  });
  await measure("CarbonCreditRegistry.safeTransferFrom", carbon.connect(a).safeTransferFrom(a.address, b.address, batchId, 10n, "0x"), { variant: "existing holder" });
  await measure(
    "CarbonCreditRegistry.safeBatchTransferFrom",
    carbon.connect(b).safeBatchTransferFrom(b.address, agencyA.address, [batchId, second], [5n, 5n], "0x"),
    { case: "2 batches to a new holder", baseline: "PlainERC1155.safeBatchTransferFrom" },
  );
  await measure("CarbonCreditRegistry.setApprovalForAll", carbon.connect(agencyA).setApprovalForAll(agencyB.address, true), { baseline: "PlainERC1155.setApprovalForAll" });
  await measure("CarbonCreditRegistry.retire", carbon.connect(a).retire(batchId, 10n, claim()), { case: "certificate; first retirement of this holder and batch" });
  await measure("CarbonCreditRegistry.retire", carbon.connect(a).retire(batchId, 10n, claim()), { variant: "holder retired this batch before" });
  await measure("CarbonCreditRegistry.cancel", carbon.connect(issuer).cancel(batchId, a.address, 10n, "double counting found in audit"));
  await measure("CarbonCreditRegistry.freezeBatch", carbon.connect(issuer).freezeBatch(second, "investigation"));
  await measure("CarbonCreditRegistry.unfreezeBatch", carbon.connect(issuer).unfreezeBatch(second, "cleared"));
  await measure("CarbonCreditRegistry.freezeAccount", carbon.connect(issuer).freezeAccount(agencyB.address, "investigation"));
  await measure("CarbonCreditRegistry.unfreezeAccount", carbon.connect(issuer).unfreezeAccount(agencyB.address, "cleared"));
  await measure("CarbonCreditRegistry.setCorrespondingAdjustment", carbon.connect(issuer).setCorrespondingAdjustment(second, 2, ethers.id("letter of authorisation")));
  // retireOnBehalf is the market's: point the registry at an active participant's account for one call, then back.
  await carbon.connect(a).safeTransferFrom(a.address, marketOperator.address, batchId, 20n, "0x");
  await measure("CarbonCreditRegistry.setMarket", carbon.connect(admin).setMarket(marketOperator.address));
  await measure("CarbonCreditRegistry.retireOnBehalf", carbon.connect(marketOperator).retireOnBehalf(businessB.address, batchId, 10n, claim()), {
    case: "called by the market account (here an active operator account set as market for this call)",
  });
  await carbon.connect(admin).setMarket(ctx.marketAddress);
  await measure("CarbonCreditRegistry.pause", carbon.connect(guardian).pause());
  await measure("CarbonCreditRegistry.unpause", carbon.connect(guardian).unpause());

  // ---------------------------------------------------------------- SettlementToken
  await measure("SettlementToken.mint", settlement.connect(treasury).mint(agencyA.address, 1_000_000n, ethers.id("deposit")), {
    case: "to a new holder",
    baseline: "PlainERC20.mint",
  });
  await measure("SettlementToken.transfer", settlement.connect(businessB).transfer(agencyB.address, 10n), { case: "to a new holder", baseline: "PlainERC20.transfer" });
  await measure("SettlementToken.transfer", settlement.connect(businessB).transfer(agencyB.address, 10n), { variant: "existing holder" });
  await measure("SettlementToken.approve", settlement.connect(agencyA).approve(agencyB.address, 1_000n), { case: "finite allowance", baseline: "PlainERC20.approve" });
  await measure("SettlementToken.transferFrom", settlement.connect(agencyB).transferFrom(agencyA.address, businessA.address, 10n), {
    case: "to a new holder, finite allowance",
    baseline: "PlainERC20.transferFrom",
  });
  await (await settlement.connect(agencyA).transfer(treasury.address, 1_000n)).wait(); // the holder hands the VND in
  await measure("SettlementToken.burn", settlement.connect(treasury).burn(treasury.address, 1_000n, ethers.id("withdrawal")));
  await measure("SettlementToken.pause", settlement.connect(guardian).pause());
  await measure("SettlementToken.unpause", settlement.connect(guardian).unpause());
  log("gas: carbon registry and settlement token measured");

  // ---------------------------------------------------------------- CarbonMarket
  await measure("CarbonMarket.setFee", market.connect(admin).setFee(25, marketOperator.address));
  await measure("CarbonMarket.list", market.connect(a).list(batchId, 500n, 250_000n, 0n, 0n, ethers.ZeroAddress), { case: "credits into escrow; escrow empty for the batch" });
  await measure("CarbonMarket.list", market.connect(a).list(batchId, 100n, 250_000n, 0n, 0n, ethers.ZeroAddress), { variant: "escrow already holds the batch" });
  const listing = await market.lastListingId();
  // agencyB holds VND but none of the batch: the typical buyer.
  await settlement.connect(treasury).mint(agencyB.address, 100_000_000n, ethers.id("deposit-2"));
  await settlement.connect(agencyB).approve(ctx.marketAddress, ethers.MaxUint256);
  await measure("CarbonMarket.fill", market.connect(b).fill(listing - 1n, 10n, 2_500_000n), { variant: "first fill: the fee recipient gets its first VND" });
  await measure("CarbonMarket.fill", market.connect(b).fill(listing - 1n, 10n, 2_500_000n), { variant: "buyer already holds the batch" });
  await measure("CarbonMarket.fill", market.connect(agencyB).fill(listing - 1n, 10n, 2_500_000n), {
    case: "DvP; buyer new to the batch, seller and fee recipient already hold VND",
  });
  await measure("CarbonMarket.fillAndRetire", market.connect(b).fillAndRetire(listing - 1n, 10n, 2_500_000n, claim({ beneficiaryOrg: orgs.businessB.id })), {
    case: "DvP and retirement certificate naming the buyer",
  });
  await measure("CarbonMarket.cancelListing", market.connect(a).cancelListing(listing));
  const expiry = (await time.latest()) + 3_600;
  await market.connect(a).list(batchId, 50n, 250_000n, 0n, expiry, ethers.ZeroAddress);
  await time.increaseTo(expiry + 1);
  await measure("CarbonMarket.reclaimExpired", market.connect(a).reclaimExpired(await market.lastListingId()));
  await measure("CarbonMarket.pause", market.connect(guardian).pause());
  await measure("CarbonMarket.unpause", market.connect(guardian).unpause());

  // ---------------------------------------------------------------- AuditAnchor
  await measure("AuditAnchor.anchor", auditAnchor.connect(anchorer).anchor(ethers.id("root-1"), 1, 500, ethers.id("head-1")), { case: "first anchor" });
  await measure("AuditAnchor.anchor", auditAnchor.connect(anchorer).anchor(ethers.id("root-2"), 501, 1_000, ethers.id("head-2")), { variant: "later anchor" });

  // ---------------------------------------------------------------- setAuthority: only the authority calls it (AccessManager.updateAuthority), last
  const next = await new CityAccessManager__factory(admin).deploy(admin.address, await ctx.forwarder.getAddress());
  const nextAddress = await next.getAddress();
  const managed = { ParticipantRegistry: participants, DataAssetRegistry: dataAssets, CarbonCreditRegistry: carbon, SettlementToken: settlement, CarbonMarket: market, AuditAnchor: auditAnchor };
  for (const [name, contract] of Object.entries(managed)) {
    await measure(`${name}.setAuthority`, accessManager.connect(admin).updateAuthority(await contract.getAddress(), nextAddress), {
      case: "through AccessManager.updateAuthority (the only caller)",
    });
  }
  log("gas: market, anchor and authority changes measured");

  // Ratios and targets.
  for (const [key, entry] of Object.entries(gas)) {
    if (entry.baseline) entry.ratio = ratio(entry.gas, gas[entry.baseline]?.gas ?? null);
    const target = TARGETS[key];
    if (target) {
      entry.target = target.text;
      entry.targetMet = target.max !== undefined ? entry.gas !== null && entry.gas <= target.max : entry.ratio !== null && entry.ratio <= target.maxRatio!;
    }
  }

  // Every public write of every contract must appear: what was not measured is listed, never silently missing.
  const factories = await import("../../typechain-types");
  const unmeasured: string[] = [];
  for (const name of GAS_CONTRACTS) {
    const factory = (factories as unknown as Record<string, { createInterface(): Interface }>)[`${name}__factory`];
    for (const fn of writeFunctions(factory.createInterface())) {
      const key = `${name}.${fn}`;
      if (!gas[key] || gas[key].gas === null) {
        unmeasured.push(key);
        gas[key] ??= { gas: null, baseline: null, ratio: null, note: "not measured" };
      }
    }
  }
  await hre.network.provider.send("hardhat_reset", []);
  const hardfork = (hre.network.config as { hardfork?: string }).hardfork ?? "default";
  return { gas, unmeasured, network: `Hardhat in-process network (hardfork ${hardfork}), solc ${hre.config.solidity.compilers[0]?.version}` };
}

import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { CHECK as CARBON } from "../../scripts/audit/modules/carbon";
import { CHECK as DATA } from "../../scripts/audit/modules/data-assets";
import { CHECK as MARKET } from "../../scripts/audit/modules/market";
import { CHECK as VND } from "../../scripts/audit/modules/settlement";
import type { AuditEvent, AuditReport } from "../../scripts/audit/types";
import { historyFixture } from "./fixtures/history";
import { Forgery, at, auditEvents, recordedEvents, withFields, type ChainLie } from "./fixtures/forge";

type Fixture = Awaited<ReturnType<typeof historyFixture>>;

/**
 * One row per place where the audit tool reports a rule break (every `ctx.report`, every `expectSame` and every
 * `reportSince` of scripts/audit/engine.ts and scripts/audit/modules/*): a forged history, or a chain that answers
 * otherwise, that provokes exactly that report. Removing any one check makes its row fail. Where one condition has
 * several parts (`a || b`), each part has its own row.
 */
interface Row {
  /** Module and the rule, as the inventory names it. */
  site: string;
  check: string;
  message: string | RegExp;
  /** Forges the history; returns the event the report must point at, if it is a replay-time check. */
  forge?: (f: Forgery, x: Fixture) => AuditEvent | void;
  /** Makes the chain answer otherwise, for the checks that compare with the chain. */
  lie?: (x: Fixture) => ChainLie;
}

const low = (address: string) => address.toLowerCase();
const Zero = ethers.ZeroAddress;
const NOBODY = ethers.encodeBytes32String("NOBODY");
/** A chain that changes one view's answer (matching the contract, function and, optionally, the first argument). */
const lieAbout =
  (contract: string, fn: string, change: (answer: unknown) => unknown, firstArg?: unknown): ChainLie =>
  (c, f, args, answer) =>
    c === contract && f === fn && (firstArg === undefined || String(args[0]).toLowerCase() === String(firstArg).toLowerCase()) ? change(answer) : answer;

/** A forged burn and the Retired record after it, in one forged transaction, at the end or right after `anchor`. */
function forgeRetirement(f: Forgery, holder: string, batchId: bigint, amount: bigint, first: bigint, last: bigint, id = first, anchor?: AuditEvent): AuditEvent {
  const burnLike = f.find("TransferSingle", (a) => a.to === Zero);
  const retiredLike = f.find("Retired");
  const burnArgs = { operator: holder, from: holder, to: Zero, id: batchId, value: amount };
  const burn = anchor ? f.insertAfter(anchor, burnLike, burnArgs) : f.append(burnLike, burnArgs);
  const retiredArgs = { retirementId: id, holder, batchId, amount, serialFirst: first, serialLast: last };
  return anchor ? f.insertAfter(burn, retiredLike, retiredArgs, burn) : f.append(retiredLike, retiredArgs, burn);
}

/** A forged attestation (for a project, with a fresh report) and, if asked, a batch issued against it with its mint. */
function forgeIssue(f: Forgery, x: Fixture, attested: bigint, issue: { amount: bigint; batchId?: bigint; serialFirst?: bigint; projectKey?: string } | null) {
  const like = f.find("Attested");
  const report = ethers.id(`forged report ${attested}`);
  const attestationId = ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint64", "uint64", "bytes32"], [like.args.projectKey, like.args.periodStart, like.args.periodEnd, report]),
  );
  const attestation = f.append(like, { reportHash: report, attestationId, amount: attested });
  if (!issue) return { attestation };
  const serialFirst = issue.serialFirst ?? 1801n;
  const batchId = issue.batchId ?? 4n;
  const issued = f.append(f.find("BatchIssued"), {
    batchId,
    attestationId,
    projectKey: issue.projectKey ?? like.args.projectKey,
    amount: issue.amount,
    serialFirst,
    serialLast: serialFirst + issue.amount - 1n,
    to: x.signers.businessA.address,
  });
  const mint = f.append(f.find("TransferSingle", (a) => a.from === Zero), { from: Zero, to: x.signers.businessA.address, id: batchId, value: issue.amount }, issued);
  return { attestation, issued, mint };
}

/**
 * A forged attestation of VN-DN-0001 (a new report) whose period starts `offset` seconds after the end of the latest
 * period attested for the project (periods include both ends: 0 overlaps, 1 follows).
 */
function forgeNextPeriod(f: Forgery, offset: bigint): AuditEvent {
  const projectKey = ethers.id("VN-DN-0001");
  const last = f.findAll("Attested", (a) => a.projectKey === projectKey).pop()!;
  const periodStart = (last.args.periodEnd as bigint) + offset;
  const periodEnd = periodStart + 10n;
  const reportHash = ethers.id(`report of the period after, +${offset}`);
  const attestationId = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint64", "uint64", "bytes32"], [projectKey, periodStart, periodEnd, reportHash]));
  return f.append(last, { periodStart, periodEnd, reportHash, attestationId });
}

/** A valid trade on listing 4 (open, 70 t of batch 3 at 310,000 VND, minimum 5 t, seller BIZ-A), with some fields changed. */
function forgeTrade(f: Forgery, x: Fixture, args: Record<string, unknown> = {}): AuditEvent {
  return f.append(f.find("Traded"), {
    listingId: 4n,
    seller: x.signers.businessA.address,
    buyer: x.signers.businessB.address,
    batchId: x.batches.rice2,
    amount: 10n,
    unitPrice: 310_000n,
    fee: 31_000n,
    ...args,
  });
}

/** A forged listing 5 of BIZ-B (1 t of batch 2) with some fields changed, its escrow movement with it. */
function forgeListing(f: Forgery, x: Fixture, args: Record<string, unknown> = {}): AuditEvent {
  const listed = f.append(f.find("Listed"), { listingId: 5n, seller: x.signers.businessB.address, batchId: x.batches.landfill, amount: 1n, unitPrice: 1_000n, minFill: 0n, expiry: 0n, buyer: Zero, ...args });
  f.append(f.find("TransferSingle", (a) => a.to === x.marketAddress), { operator: x.marketAddress, from: x.signers.businessB.address, to: x.marketAddress, id: x.batches.landfill, value: 1n }, listed);
  return listed;
}

/** A pause of `contract` forged right after everything real, shaped like the registry's Paused event. */
const forgePause = (f: Forgery, contract: string, address: string) => f.append(f.find("Paused"), {}, undefined, { contract, address });

const ROWS: Row[] = [
  // ── engine ──
  {
    site: "engine: a log no ABI decodes",
    check: "events decode",
    message: /^log of unknown shape at 0x/,
    forge: (f) => {
      f.events.push({ unknown: { address: Zero, blockNumber: f.toBlock, transactionHash: ethers.ZeroHash, index: 0, topics: [ethers.ZeroHash] } } as never);
    },
  },
  {
    site: "engine: events out of chain order",
    check: "events in chain order",
    message: /^event out of order or repeated: /,
    forge: (f) => {
      [f.events[3], f.events[4]] = [f.events[4], f.events[3]];
    },
  },

  // ── access ──
  {
    site: "access: role membership",
    check: "access control matches the AccessManager",
    message: /^role 1 of 0x[0-9a-f]{40}: replayed true, on chain false$/,
    forge: (f) => f.drop(f.find("RoleRevoked", (a) => a.roleId === 1n)),
  },
  {
    site: "access: execution delay of a member",
    check: "access control matches the AccessManager",
    message: /^execution delay of role 8 for 0x[0-9a-f]{40}: replayed 0, on chain 172800$/,
    forge: (f) => void f.alter(f.find("RoleGranted", (a) => a.roleId === 8n), { delay: 0n }),
  },
  {
    site: "access: role of a function",
    check: "access control matches the AccessManager",
    message: /^role for 0x[0-9a-f]{40}\.0x[0-9a-f]{8}: replayed 7, on chain \d+$/,
    forge: (f) => void f.alter(f.find("TargetFunctionRoleUpdated", (a) => a.roleId === 2n), { roleId: 7n }),
  },
  {
    site: "access: closed flag of a target",
    check: "access control matches the AccessManager",
    message: /^closed flag of 0x[0-9a-f]{40}: replayed true, on chain false$/,
    forge: (f, x) => void f.append(f.find("TargetFunctionRoleUpdated"), { target: x.marketAddress, closed: true }, undefined, { name: "TargetClosed" }),
  },
  {
    site: "access: AuthorityUpdated of a managed contract",
    check: "managed contracts answer to the city's AccessManager",
    message: /^authority of AuditAnchor: replayed "none", on chain 0x/,
    forge: (f) => f.drop(f.find("AuthorityUpdated", (_a, e) => e.contract === "AuditAnchor")),
  },
  {
    site: "access: authority() of a managed contract",
    check: "managed contracts answer to the city's AccessManager",
    message: /^authority\(\) of CarbonMarket: replayed 0x[0-9a-f]{40}, on chain 0x0{40}$/,
    lie: () => lieAbout("CarbonMarket", "authority", () => Zero),
  },

  // ── participants ──
  {
    site: "participants: organisation registered twice",
    check: "participant events",
    message: / registered twice$/,
    forge: (f, x) => f.append(f.find("OrganizationRegistered", (a) => a.orgId === x.orgs.businessA.id)),
  },
  {
    site: "participants: event for an unknown organisation",
    check: "participant events",
    message: "OrganizationUpdated for unknown organisation NOBODY",
    forge: (f) => f.append(f.find("OrganizationUpdated"), { orgId: NOBODY }),
  },
  {
    site: "participants: status change names the status it leaves",
    check: "participant events",
    message: / leaves Suspended but the organisation was Active$/,
    forge: (f) => f.append(f.find("OrganizationStatusChanged", (a) => a.reason === "filed")),
  },
  {
    site: "participants: an account acts for one organisation",
    check: "participant events",
    message: /added while it acts for /,
    forge: (f, x) => f.append(f.find("AccountAdded", (a) => a.orgId === x.orgs.businessA.id), { orgId: x.orgs.businessB.id }),
  },
  {
    site: "participants: kind",
    check: "participants match the registry",
    message: /^organisation BIZ-A kind: replayed "CityAgency", on chain "Business"$/,
    forge: (f, x) => void f.alter(f.find("OrganizationRegistered", (a) => a.orgId === x.orgs.businessA.id), { kind: 1n }),
  },
  {
    site: "participants: status",
    check: "participants match the registry",
    message: /^organisation BIZ-B status: replayed "Suspended", on chain "Active"$/,
    forge: (f) => f.drop(f.find("OrganizationStatusChanged", (a) => a.reason === "filed")),
  },
  {
    site: "participants: expiry",
    check: "participants match the registry",
    message: /^organisation BIZ-A valid until: replayed "none", on chain "\d{4}-\d\d-\d\dT[\d:.]+Z"$/,
    forge: (f) => f.drop(f.find("OrganizationUpdated")),
  },
  {
    site: "participants: metadata",
    check: "participants match the registry",
    message: /^organisation BIZ-A metadataHash: replayed 0x0{64}, on chain 0x/,
    forge: (f) => f.drop(f.find("OrganizationUpdated")),
  },
  {
    site: "participants: accounts of an organisation",
    check: "participants match the registry",
    message: /^organisation BIZ-B accounts: replayed \[.*\], on chain \[.*\]$/,
    forge: (f, x) => void f.append(f.find("AccountAdded"), { orgId: x.orgs.businessB.id, account: x.signers.stranger.address }),
  },
  {
    site: "participants: organisation of an account",
    check: "participants match the registry",
    message: /^organisation of account 0x[0-9a-f]{40}: replayed "BIZ-B", on chain 0x0{64}$/,
    forge: (f, x) => void f.append(f.find("AccountAdded"), { orgId: x.orgs.businessB.id, account: x.signers.stranger.address }),
  },
  {
    site: "participants: isActive of an account",
    check: "participants match the registry",
    message: /^isActive\(0x[0-9a-f]{40}\): replayed true, on chain false$/,
    forge: (f, x) => void f.append(f.find("AccountAdded"), { orgId: x.orgs.businessB.id, account: x.signers.stranger.address }),
  },

  // ── data assets: replay ──
  {
    site: "data: a version extends an Active dataset",
    check: DATA.events,
    message: /versions 0x[0-9a-f]{64}, which was Deprecated$/,
    forge: (f, x) => f.append(f.find("DatasetVersioned"), { id: x.ids.catalogue[3], parentId: x.ids.open }),
  },
  {
    site: "data: a revoked dataset never changes status",
    check: DATA.revoked,
    message: /^revoked dataset 0x[0-9a-f]{64} changed status to Active$/,
    forge: (f) => f.append(f.find("DatasetStatusChanged", (a) => a.newStatus === 2n), { previousStatus: 2n, newStatus: 0n }),
  },
  {
    site: "data: a status change names the status it leaves",
    check: DATA.events,
    message: / leaves Deprecated but the dataset was Active$/,
    forge: (f, x) => f.append(f.find("DatasetStatusChanged"), { id: x.ids.catalogue[3], previousStatus: 1n, newStatus: 2n }),
  },
  {
    site: "data: nothing changes a revoked dataset",
    check: DATA.revoked,
    message: /^DatasetMetadataChanged on revoked dataset 0x/,
    forge: (f, x) => f.append(f.find("DatasetMetadataChanged"), { id: x.ids.catalogue[1] }),
  },
  {
    site: "data: a custody change names the custodian it replaces",
    check: DATA.events,
    message: /^custody change of 0x[0-9a-f]{64} names 0x[0-9a-f]{40} as previous custodian but it was 0x0{40}$/,
    forge: (f, x) => f.append(f.find("CustodianChanged"), { id: x.ids.catalogue[3], previousCustodian: x.signers.agencyB.address, newCustodian: x.signers.agencyB.address }),
  },
  {
    site: "data: custodians are active participants",
    check: DATA.activeReceiver,
    message: /^custodian of 0x[0-9a-f]{64} 0x[0-9a-f]{40} was not an active participant$/,
    forge: (f, x) => f.append(f.find("CustodianChanged"), { id: x.ids.catalogue[3], previousCustodian: Zero, newCustodian: x.signers.stranger.address }),
  },
  {
    site: "data: Important data kept only by city agencies (custody)",
    check: DATA.classified,
    message: /^custodian of 0x[0-9a-f]{64} 0x[0-9a-f]{40} is a Business account but the data is Important$/,
    forge: (f, x) => f.append(f.find("CustodianChanged"), { id: x.ids.important, previousCustodian: x.signers.agencyB.address, newCustodian: x.signers.businessA.address }),
  },
  {
    site: "data: Core data first held only by city agencies (registration)",
    check: DATA.classified,
    message: /^first holder of 0x[0-9a-f]{64} 0x[0-9a-f]{40} is a Business account but the data is Core$/,
    forge: (f, x) => {
      const mint = f.append(f.find("Transfer", (a) => a.from === Zero, "DataAssetRegistry"), { from: Zero, to: x.signers.businessA.address, tokenId: 77n });
      return f.append(f.find("DatasetRegistered", (a) => a.id === x.ids.core), { id: 77n, classification: 3n, custodian: Zero }, mint);
    },
  },
  {
    site: "data: first holders are active participants (registration)",
    check: DATA.activeReceiver,
    message: /^first holder of 0x[0-9a-f]{64} 0x[0-9a-f]{40} was not an active participant$/,
    forge: (f, x) => {
      const mint = f.append(f.find("Transfer", (a) => a.from === Zero, "DataAssetRegistry"), { from: Zero, to: x.signers.stranger.address, tokenId: 77n });
      return f.append(f.find("DatasetRegistered", (a) => a.id === x.ids.open), { id: 77n, custodian: Zero }, mint);
    },
  },
  {
    site: "data: custodians named at registration are active participants",
    check: DATA.activeReceiver,
    message: /^custodian of 0x[0-9a-f]{64} 0x[0-9a-f]{40} was not an active participant$/,
    forge: (f, x) => {
      const mint = f.append(f.find("Transfer", (a) => a.from === Zero, "DataAssetRegistry"), { from: Zero, to: x.signers.agencyA.address, tokenId: 77n });
      return f.append(f.find("DatasetRegistered", (a) => a.id === x.ids.open), { id: 77n, custodian: x.signers.stranger.address }, mint);
    },
  },
  {
    site: "data: licences go to Active organisations",
    check: DATA.events,
    message: /^licence of 0x[0-9a-f]{64} granted to organisation NOBODY, which was None$/,
    forge: (f) => f.append(f.find("LicenseGranted"), { orgId: NOBODY }),
  },
  {
    site: "data: licences are granted with an expiry still ahead",
    check: DATA.events,
    message: / granted with an expiry already past$/,
    forge: (f) => f.append(f.find("LicenseGranted"), { expiresAt: 1n }),
  },
  {
    site: "data: only a held licence is revoked",
    check: DATA.events,
    message: / revoked but none was held$/,
    forge: (f, x) => f.append(f.find("LicenseRevoked"), { orgId: x.orgs.businessB.id }),
  },
  {
    site: "data: valuations are positive",
    check: DATA.events,
    message: / of 0 VND$/,
    forge: (f) => f.append(f.find("ValuationRecorded"), { amountVnd: 0n }),
  },
  {
    site: "data: valuations are dated (not zero)",
    check: DATA.events,
    message: / dated 0, which is zero or after it was recorded$/,
    forge: (f) => f.append(f.find("ValuationRecorded"), { valuationDate: 0n }),
  },
  {
    site: "data: valuations are dated no later than recorded",
    check: DATA.events,
    message: / dated 1000000000000, which is zero or after it was recorded$/,
    forge: (f) => f.append(f.find("ValuationRecorded"), { valuationDate: 10n ** 12n }),
  },
  {
    site: "data: a recovery comes with its Transfer",
    check: DATA.events,
    message: / without the ERC-721 Transfer that must precede it$/,
    forge: (f) => f.append(f.find("DatasetRecovered")),
  },
  {
    site: "data: a content hash registers once",
    check: DATA.unique,
    message: /^content hash 0x[0-9a-f]{64} registered again/,
    forge: (f, x) => {
      const mint = f.append(f.find("Transfer", (a) => a.tokenId === x.ids.other && a.from === Zero));
      f.append(f.find("DatasetRegistered", (a) => a.id === x.ids.other), {}, mint);
      return mint;
    },
  },
  {
    site: "data: nothing is burned",
    check: DATA.events,
    message: /^dataset 0x[0-9a-f]{64} burned; the registry has no burn$/,
    forge: (f, x) => f.append(f.find("Transfer", (a) => a.tokenId === x.ids.catalogue[0] && a.from !== Zero), { from: x.signers.agencyB.address, to: Zero }),
  },
  {
    site: "data: only the holder's dataset moves",
    check: DATA.events,
    message: /^transfer of 0x[0-9a-f]{64} from 0x[0-9a-f]{40}, but the replayed holder is 0x[0-9a-f]{40}$/,
    forge: (f, x) => f.append(f.find("Transfer", (a) => a.tokenId === x.ids.catalogue[0] && a.from !== Zero)),
  },
  {
    site: "data: revoked datasets never move",
    check: DATA.revoked,
    message: /^revoked dataset 0x[0-9a-f]{64} moved from /,
    forge: (f, x) => f.append(f.find("Transfer", (a) => a.tokenId === x.ids.catalogue[0] && a.from !== Zero), { tokenId: x.ids.catalogue[1], from: x.signers.agencyA.address }),
  },
  {
    site: "data: a registration comes with its mint",
    check: DATA.events,
    message: /^DatasetRegistered for 0x[0-9a-f]{64} without its mint just before it$/,
    forge: (f, x) => f.append(f.find("DatasetRegistered", (a) => a.id === x.ids.other), { id: 77n }),
  },
  {
    site: "data: a mint comes with its registration",
    check: DATA.events,
    message: /^dataset 0x[0-9a-f]{64} minted without a DatasetRegistered record$/,
    forge: (f, x) => f.append(f.find("Transfer", (a) => a.from === Zero, "DataAssetRegistry"), { tokenId: 77n, to: x.signers.agencyA.address }),
  },
  {
    site: "data: soulbound datasets do not move by their holder",
    check: DATA.holderRules,
    message: /^holder transfer of 0x[0-9a-f]{64} although it is soulbound$/,
    forge: (f, x) => {
      f.drop(f.find("Unlocked", (a) => a.tokenId === x.ids.soulbound));
      return f.find("Transfer", (a) => a.tokenId === x.ids.soulbound && a.from !== Zero);
    },
  },
  {
    site: "data: nothing moves while the registry is paused",
    check: DATA.holderRules,
    message: /^holder transfer of 0x[0-9a-f]{64} although the registry was paused$/,
    forge: (f, x) =>
      f.insertAfter(f.find("Paused", () => true, "DataAssetRegistry"), f.find("Transfer", (a) => a.tokenId === x.ids.catalogue[0] && a.from !== Zero), {
        tokenId: x.ids.catalogue[3],
        from: x.signers.agencyA.address,
        to: x.signers.agencyB.address,
      }),
  },
  {
    site: "data: holders that send are active participants",
    check: DATA.holderRules,
    message: /^holder transfer of 0x[0-9a-f]{64} although the sender 0x[0-9a-f]{40} was not an active participant$/,
    forge: (f, x) => {
      f.append(f.find("OrganizationStatusChanged", (a) => a.reason === "late filing"), { orgId: x.orgs.businessA.id });
      return f.append(f.find("Transfer", (a) => a.tokenId === x.ids.other && a.from !== Zero), { from: x.signers.businessA.address, to: x.signers.agencyA.address });
    },
  },
  {
    site: "data: receivers are active participants",
    check: DATA.activeReceiver,
    message: /^receiver of 0x[0-9a-f]{64} 0x[0-9a-f]{40} was not an active participant$/,
    forge: (f, x) => f.alter(f.find("Transfer", (a) => a.tokenId === x.ids.catalogue[0] && a.from !== Zero), { to: x.signers.stranger.address }),
  },
  {
    site: "data: Important data received only by city agencies",
    check: DATA.classified,
    message: /^receiver of 0x[0-9a-f]{64} 0x[0-9a-f]{40} is a Business account but the data is Important$/,
    forge: (f, x) => f.alter(f.find("Transfer", (a) => a.tokenId === x.ids.important && a.from !== Zero), { to: x.signers.businessA.address }),
  },
  {
    site: "data: events name registered datasets",
    check: DATA.events,
    message: /^DatasetVersioned for unregistered dataset 0x/,
    forge: (f) => f.append(f.find("DatasetVersioned"), { id: 99n }),
  },

  // ── data assets: against the chain ──
  {
    site: "data: a replayed dataset exists",
    check: DATA.state,
    message: /^dataset 0x0{62}4d was replayed but does not exist on chain$/,
    forge: (f, x) => {
      const mint = f.append(f.find("Transfer", (a) => a.from === Zero, "DataAssetRegistry"), { from: Zero, to: x.signers.agencyA.address, tokenId: 77n });
      f.append(f.find("DatasetRegistered", (a) => a.id === x.ids.open), { id: 77n, custodian: Zero }, mint);
    },
  },
  {
    site: "data: holder (ownerOf)",
    check: DATA.state,
    message: /^dataset 0x[0-9a-f]{64} holder \(ownerOf\): replayed /,
    forge: (f, x) => f.drop(f.find("Transfer", (a) => a.tokenId === x.ids.important && a.from !== Zero)),
  },
  {
    site: "data: holder (assetOf)",
    check: DATA.state,
    message: /^dataset 0x[0-9a-f]{64} holder \(assetOf\): replayed /,
    forge: (f, x) => f.drop(f.find("Transfer", (a) => a.tokenId === x.ids.important && a.from !== Zero)),
  },
  {
    site: "data: custodian",
    check: DATA.state,
    message: /^dataset 0x[0-9a-f]{64} custodian: replayed 0x0{40}, on chain 0x/,
    forge: (f, x) => f.drop(f.find("CustodianChanged", (a) => a.id === x.ids.important)),
  },
  {
    site: "data: classification",
    check: DATA.state,
    message: /^dataset 0x[0-9a-f]{64} classification: replayed "Other", on chain "Open"$/,
    forge: (f, x) => void f.alter(f.find("DatasetRegistered", (a) => a.id === x.ids.open), { classification: 1n }),
  },
  {
    site: "data: status",
    check: DATA.state,
    message: /^dataset 0x[0-9a-f]{64} status: replayed "Active", on chain "Revoked"$/,
    forge: (f) => f.drop(f.find("DatasetStatusChanged", (a) => a.newStatus === 2n)),
  },
  {
    site: "data: transferability",
    check: DATA.state,
    message: /^dataset 0x[0-9a-f]{64} transferable: replayed false, on chain true$/,
    forge: (f) => f.drop(f.find("Unlocked")),
  },
  {
    site: "data: content hash",
    check: DATA.state,
    message: /^dataset 0x[0-9a-f]{64} content hash: replayed 0x[0-9a-f]{64}, on chain 0x0{64}$/,
    lie: (x) => lieAbout("DataAssetRegistry", "assetOf", (a) => withFields(a, { contentHash: ethers.ZeroHash }), x.ids.open),
  },
  {
    site: "data: parent",
    check: DATA.state,
    message: /^dataset 0x[0-9a-f]{64} parent: replayed 0x0{64}, on chain 0x/,
    forge: (f) => f.drop(f.find("DatasetVersioned")),
  },
  {
    site: "data: balances",
    check: DATA.balances,
    message: /^dataset balance of 0x[0-9a-f]{40}: replayed \d+, on chain \d+$/,
    forge: (f, x) => f.drop(f.find("Transfer", (a) => a.tokenId === x.ids.important && a.from !== Zero)),
  },
  {
    site: "data: licence terms",
    check: DATA.licenses,
    message: /^licence of 0x[0-9a-f]{64} to 0x[0-9a-f]{64} terms hash: replayed /,
    forge: (f) => f.drop(f.find("LicenseRevoked")),
  },
  {
    site: "data: licence expiry",
    check: DATA.licenses,
    message: /^licence of 0x[0-9a-f]{64} to 0x[0-9a-f]{64} expiry: replayed /,
    forge: (f, x) => void f.alter(f.find("LicenseGranted", (a) => a.id === x.ids.other), { expiresAt: 5n * 10n ** 9n }),
  },
  {
    site: "data: hasAccess",
    check: DATA.access,
    message: /^hasAccess\(0x[0-9a-f]{64}, 0x[0-9a-f]{40}\): replayed true, on chain false$/,
    forge: (f) => f.drop(f.find("LicenseRevoked")),
  },
  {
    site: "data: pause flag",
    check: DATA.state,
    message: "registry paused: replayed true, on chain false",
    forge: (f) => f.drop(f.find("Unpaused", () => true, "DataAssetRegistry")),
  },

  // ── carbon: replay ──
  {
    site: "carbon: a batch is not frozen twice",
    check: CARBON.events,
    message: /^batch 2 unfrozen but it already was$/,
    forge: (f) => f.append(f.find("BatchUnfrozen")),
  },
  {
    site: "carbon: an account is not frozen twice",
    check: CARBON.events,
    message: /^account 0x[0-9a-f]{40} unfrozen but it already was$/,
    forge: (f) => f.append(f.find("AccountUnfrozen")),
  },
  {
    site: "carbon: an adjustment change names the status it leaves",
    check: CARBON.events,
    message: /^adjustment change of batch 1 leaves Pending but it was Applied$/,
    forge: (f) => f.append(f.find("CorrespondingAdjustmentChanged", (a) => a.status === 3n)),
  },
  {
    site: "carbon: a project key is keccak256 of its id",
    check: CARBON.events,
    message: /^project VN-DN-9999 registered under key 0x[0-9a-f]{64}, which is not keccak256 of its id$/,
    forge: (f) => f.append(f.find("ProjectRegistered"), { projectId: "VN-DN-9999" }),
  },
  {
    site: "carbon: a project registers once",
    check: CARBON.events,
    message: /^project VN-DN-0001 registered twice$/,
    forge: (f) => f.append(f.find("ProjectRegistered")),
  },
  {
    site: "carbon: projects are for Active developers",
    check: CARBON.events,
    message: /^project VN-X registered for developer 0x[0-9a-f]{64}, which was None$/,
    forge: (f) => f.append(f.find("ProjectRegistered"), { projectId: "VN-X", projectKey: ethers.id("VN-X"), developerOrg: NOBODY }),
  },
  {
    site: "carbon: an attestation's id is that of its (project, period, report)",
    check: CARBON.issuance,
    message: /^attestation 0x[0-9a-f]{64} is not the id of its \(project, period, report\)$/,
    forge: (f) => f.append(f.find("Attested"), { attestationId: ethers.id("another id") }),
  },
  {
    site: "carbon: one attestation per (project, period, report)",
    check: CARBON.issuance,
    message: / attested twice$/,
    forge: (f) => f.append(f.find("Attested")),
  },
  {
    site: "carbon: one issuance per monitoring period (another report for a period already attested)",
    check: CARBON.periods,
    message: /^attestation 0x[0-9a-f]{64} of project VN-DN-0001 covers \S+ – \S+, which overlaps the periods attested until \S+$/,
    forge: (f, x) => forgeIssue(f, x, 10n, null).attestation,
  },
  {
    site: "carbon: one issuance per monitoring period (a period starting at the last attested second)",
    check: CARBON.periods,
    message: /^attestation 0x[0-9a-f]{64} of project VN-DN-0001 covers .*, which overlaps the periods attested until /,
    forge: (f) => forgeNextPeriod(f, 0n),
  },
  {
    site: "carbon: attestations are for registered projects",
    check: CARBON.events,
    message: / for unregistered project 0x/,
    forge: (f) => f.append(f.find("Attested"), { projectKey: ethers.id("VN-NONE") }),
  },
  {
    site: "carbon: attestations by Verifier accounts",
    check: CARBON.events,
    message: /, which was not an active Verifier account$/,
    forge: (f, x) => f.alter(forgeIssue(f, x, 10n, null).attestation, { verifier: x.signers.businessA.address }),
  },
  {
    site: "carbon: attestations by active verifiers",
    check: CARBON.events,
    message: /, which was not an active Verifier account$/,
    forge: (f, x) => {
      f.append(f.find("OrganizationStatusChanged", (a) => a.reason === "late filing"), { orgId: x.orgs.verifier.id });
      return forgeIssue(f, x, 10n, null).attestation;
    },
  },
  {
    site: "carbon: an attested period is not empty",
    check: CARBON.events,
    message: / covers a period that is empty, reversed or not over$/,
    forge: (f) => f.append(f.find("Attested"), { periodStart: f.find("Attested").args.periodEnd, reportHash: ethers.id("empty") }),
  },
  {
    site: "carbon: an attested period is over",
    check: CARBON.events,
    message: / covers a period that is empty, reversed or not over$/,
    forge: (f) => f.append(f.find("Attested"), { periodEnd: 10n ** 12n, reportHash: ethers.id("future") }),
  },
  {
    site: "carbon: batches are issued against known attestations",
    check: CARBON.issuance,
    message: /^batch 4 issued against unknown attestation 0x/,
    forge: (f, x) => f.append(f.find("BatchIssued"), { batchId: 4n, attestationId: ethers.id("none"), serialFirst: 1801n, serialLast: 2800n, to: x.signers.businessA.address }),
  },
  {
    site: "carbon: one batch per attestation",
    check: CARBON.issuance,
    message: /^batch 4 issued against attestation 0x[0-9a-f]{64}, which already backs batch 1$/,
    forge: (f) => f.append(f.find("BatchIssued"), { batchId: 4n, serialFirst: 1801n, serialLast: 2800n }),
  },
  {
    site: "carbon: no issuance beyond the attested amount",
    check: CARBON.issuance,
    message: "batch 4 issues 11 t against an attestation of 10 t",
    forge: (f, x) => forgeIssue(f, x, 10n, { amount: 11n }).issued,
  },
  {
    site: "carbon: a batch is for its attestation's project",
    check: CARBON.issuance,
    message: /^batch 4 names project 0x[0-9a-f]{64} but its attestation is for 0x/,
    forge: (f, x) => forgeIssue(f, x, 10n, { amount: 10n, projectKey: ethers.id("VN-DN-0002") }).issued,
  },
  {
    site: "carbon: batches are numbered in order",
    check: CARBON.events,
    message: "batch 7 issued after batch 3",
    forge: (f, x) => forgeIssue(f, x, 10n, { amount: 10n, batchId: 7n }).issued,
  },
  {
    site: "carbon: a batch is issued once",
    check: CARBON.issuance,
    message: "batch 3 issued twice",
    forge: (f, x) => forgeIssue(f, x, 10n, { amount: 10n, batchId: 3n }).issued,
  },
  {
    site: "carbon: serial blocks follow each other",
    check: CARBON.serials,
    message: "batch 4 has serials 1900–1909; expected 1801–1810",
    forge: (f, x) => forgeIssue(f, x, 10n, { amount: 10n, serialFirst: 1900n }).issued,
  },
  {
    site: "carbon: a batch's credits are minted with it",
    check: CARBON.issuance,
    message: "batch 4 issued without minting its credits",
    forge: (f, x) => {
      const { issued, mint } = forgeIssue(f, x, 10n, { amount: 10n });
      f.drop(mint!);
      return issued;
    },
  },
  {
    site: "carbon: every mint is a batch's issuance",
    check: CARBON.issuance,
    message: /^5 t of batch 1 minted to 0x[0-9a-f]{40} without the BatchIssued record that must precede it$/,
    forge: (f, x) => f.append(f.find("TransferSingle", (a) => a.from === Zero), { to: x.signers.businessA.address, id: 1n, value: 5n }),
  },
  {
    site: "carbon: credits go only to active participants",
    check: CARBON.activeReceiver,
    message: /^credits of batch 1 went to 0x[0-9a-f]{40}, which was not an active participant$/,
    forge: (f, x) => f.append(f.find("TransferSingle", (a) => a.from === x.signers.businessA.address && a.to === x.signers.businessB.address), { to: x.signers.stranger.address, value: 1n }),
  },
  {
    site: "carbon: nothing moves while the registry is paused",
    check: CARBON.events,
    message: "credits moved while the registry was paused",
    forge: (f, x) => {
      forgePause(f, "CarbonCreditRegistry", (x.deployment.contracts.carbon as { address: string }).address);
      return f.append(f.find("TransferSingle", (a) => a.from === x.signers.businessA.address && a.to === x.signers.businessB.address), { value: 1n });
    },
  },
  {
    site: "carbon: senders are active participants",
    check: CARBON.events,
    message: /^credits sent by 0x[0-9a-f]{40}, which was not an active participant$/,
    forge: (f, x) => f.append(f.find("TransferSingle", (a) => a.from === x.signers.businessA.address && a.to === x.signers.businessB.address), { from: x.signers.stranger.address, value: 1n }),
  },
  {
    site: "carbon: no balance goes below zero",
    check: CARBON.retiredNeverMove,
    message: /^0x[0-9a-f]{40} moved 1 t of batch 1 but held 0 t$/,
    forge: (f, x) => f.append(f.find("TransferSingle", (a) => a.from === x.signers.businessA.address && a.to === x.signers.businessB.address), { from: x.signers.stranger.address, value: 1n }),
  },
  {
    site: "carbon: nothing moves from a frozen account",
    check: CARBON.frozen,
    message: /^credits moved from frozen account 0x[0-9a-f]{40}$/,
    forge: (f, x) =>
      f.insertAfter(f.find("AccountFrozen"), f.find("TransferSingle", (a) => a.from === x.signers.businessA.address && a.to === x.signers.businessB.address), {
        from: x.signers.businessB.address,
        to: x.signers.businessA.address,
        value: 1n,
      }),
  },
  {
    site: "carbon: nothing moves from a frozen batch",
    check: CARBON.frozen,
    message: /^credits of frozen batch 2 moved from /,
    forge: (f, x) =>
      f.insertAfter(f.find("BatchFrozen"), f.find("TransferSingle", (a) => a.from === x.signers.businessA.address && a.to === x.signers.businessB.address), {
        id: x.batches.landfill,
        from: x.signers.businessB.address,
        to: x.signers.businessA.address,
        value: 1n,
      }),
  },
  {
    site: "carbon: a frozen batch is not retired",
    check: CARBON.frozen,
    message: "credits of frozen batch 2 retired",
    forge: (f, x) => forgeRetirement(f, x.signers.businessB.address, x.batches.landfill, 1n, 1001n, 1001n, 1001n, f.find("BatchFrozen")),
  },
  {
    site: "carbon: a frozen account does not retire",
    check: CARBON.frozen,
    message: /^credits of frozen account 0x[0-9a-f]{40} retired$/,
    forge: (f, x) => forgeRetirement(f, x.signers.businessB.address, x.batches.landfill, 1n, 1001n, 1001n, 1001n, f.find("AccountFrozen")),
  },
  {
    site: "carbon: credits are retired for active participants",
    check: CARBON.events,
    message: /^credits retired for 0x[0-9a-f]{40}, which was not an active participant$/,
    forge: (f, x) => forgeRetirement(f, x.signers.stranger.address, x.batches.rice2, 1n, 1501n, 1501n),
  },
  {
    site: "carbon: a retirement's id is its first serial",
    check: CARBON.events,
    message: "retirement 9 does not carry its first serial 1501 as id",
    forge: (f, x) => forgeRetirement(f, x.signers.businessA.address, x.batches.rice2, 1n, 1501n, 1501n, 9n),
  },
  {
    site: "carbon: a retirement is recorded once",
    check: CARBON.serials,
    message: "retirement 1 recorded twice",
    forge: (f, x) => forgeRetirement(f, x.signers.businessA.address, x.batches.rice, 1n, 1n, 1n),
  },
  {
    site: "carbon: a range spans its amount",
    check: CARBON.serials,
    message: /^retirement 1501 of batch 3 \(serials 1501–1502\) spans 2 serials for 1 t$/,
    forge: (f, x) => forgeRetirement(f, x.signers.businessA.address, x.batches.rice2, 1n, 1501n, 1502n),
  },
  {
    site: "carbon: a range lies inside its batch's block",
    check: CARBON.serials,
    message: /^retirement 1801 of batch 3 \(serials 1801–1801\) lies outside the batch's block 1501–1800$/,
    forge: (f, x) => forgeRetirement(f, x.signers.businessA.address, x.batches.rice2, 1n, 1801n, 1801n),
  },
  {
    site: "carbon: ranges do not overlap",
    check: CARBON.serials,
    message: /^retirement 41 of batch 1 \(serials 41–60\) overlaps retirement 1 \(serials 1–50\)$/,
    forge: (f) => f.alter(f.findAll("Retired", (a) => a.batchId === 1n)[1], { retirementId: 41n, serialFirst: 41n, serialLast: 60n }),
  },
  {
    site: "carbon: serials are consumed in order",
    check: CARBON.serials,
    message: /^retirement 1520 of batch 3 \(serials 1520–1520\) does not start at the batch's next serial 1516$/,
    forge: (f, x) => forgeRetirement(f, x.signers.businessA.address, x.batches.rice2, 1n, 1520n, 1520n),
  },
  {
    site: "carbon: serials are consumed in order (cancellation)",
    check: CARBON.serials,
    message: /^cancellation of 10 t of batch 1 \(serials 72–81\) does not start at the batch's next serial 71$/,
    forge: (f) => f.alter(f.find("Cancelled"), { serialFirst: 72n, serialLast: 81n }),
  },
  {
    site: "carbon: a retirement comes with its burn",
    check: CARBON.retiredNeverMove,
    message: "Retired of 1 t of batch 3 without the matching burn just before it",
    forge: (f, x) => f.append(f.find("Retired"), { retirementId: 1501n, holder: x.signers.businessA.address, batchId: 3n, amount: 1n, serialFirst: 1501n, serialLast: 1501n }),
  },
  {
    site: "carbon: every burn is a retirement or cancellation",
    check: CARBON.retiredNeverMove,
    message: /^20 t of batch 1 burned from 0x[0-9a-f]{40} without a retirement or cancellation record$/,
    forge: (f) => {
      const retired = f.find("Retired", (a) => a.amount === 20n);
      const burn = f.events[f.events.indexOf(retired) - 1];
      f.drop(retired);
      return burn;
    },
  },
  {
    site: "carbon: events name known batches",
    check: CARBON.events,
    message: "BatchFrozen for unknown batch 9",
    forge: (f) => f.append(f.find("BatchFrozen"), { batchId: 9n }),
  },

  // ── carbon: against the chain ──
  { site: "carbon: lastBatchId", check: CARBON.batches, message: "lastBatchId: replayed 3, on chain 4", lie: () => lieAbout("CarbonCreditRegistry", "lastBatchId", () => 4n) },
  {
    site: "carbon: replayed balances add up to each batch's circulating amount",
    check: CARBON.supply,
    message: /^batch 1 replayed balances \(circulating\) = issued − retired − cancelled: replayed \d+, on chain \d+$/,
    forge: (f) => f.drop(f.find("Retired", (a) => a.amount === 20n)),
  },
  {
    site: "carbon: a replayed batch exists",
    check: CARBON.batches,
    message: "batch 4 was replayed but does not exist on chain",
    forge: (f, x) => void forgeIssue(f, x, 10n, { amount: 10n }),
  },
  {
    site: "carbon: issued = circulating + retired + cancelled on chain",
    check: CARBON.supply,
    message: /^batch 1 on chain: issued = circulating \+ retired \+ cancelled: replayed 1001, on chain 1000$/,
    lie: () => lieAbout("CarbonCreditRegistry", "batch", (a) => withFields(a, { issued: 1001n }), 1n),
  },
  { site: "carbon: totalSupply", check: CARBON.supply, message: /^batch 1 totalSupply: replayed \d+, on chain 0$/, lie: () => lieAbout("CarbonCreditRegistry", "totalSupply", () => 0n, 1n) },
  ...(
    [
      ["project", { projectKey: ethers.ZeroHash }],
      ["attestation", { attestationId: ethers.ZeroHash }],
      ["period", { periodStart: 0n }],
      ["serial block", { serialFirst: 0n }],
      ["circulating", { circulating: 0n }],
      ["retired", { retired: 0n }],
      ["cancelled", { cancelled: 0n }],
      ["frozen", { frozen: true }],
      ["adjustment", { adjustment: 0n }],
    ] as const
  ).map(
    ([field, change]): Row => ({
      site: `carbon: batch ${field}`,
      check: CARBON.batches,
      message: new RegExp(`^batch 1 ${field}: replayed `),
      lie: () => lieAbout("CarbonCreditRegistry", "batch", (a) => withFields(a, change), 1n),
    }),
  ),
  {
    site: "carbon: batch issued",
    check: CARBON.batches,
    message: "batch 1 issued: replayed 1000, on chain 1",
    lie: () => lieAbout("CarbonCreditRegistry", "batch", (a) => withFields(a, { issued: 1n }), 1n),
  },
  {
    site: "carbon: balances",
    check: CARBON.balances,
    message: /^balanceOf\(0x[0-9a-f]{40}, batch 1\): replayed \d+, on chain \d+$/,
    forge: (f, x) => f.drop(f.find("TransferSingle", (a) => a.from === x.signers.businessA.address && a.to === x.signers.businessB.address)),
  },
  {
    site: "carbon: retired balances",
    check: CARBON.balances,
    message: /^retired balance of 0x[0-9a-f]{40} in batch 1: replayed 50, on chain 0$/,
    lie: (x) => lieAbout("CarbonCreditRegistry", "retiredBalanceOf", () => 0n, x.signers.businessA.address),
  },
  {
    site: "carbon: retirement records",
    check: CARBON.retirements,
    message: /^retirement 1 \(holder, batch, amount, serials\): replayed /,
    lie: () => lieAbout("CarbonCreditRegistry", "retirement", (a) => withFields(a, { amount: 1n }), 1n),
  },
  {
    site: "carbon: the end of a project's attested periods",
    check: CARBON.records,
    message: /^project 0x[0-9a-f]{64} \(developer, metadata, registered, attested until\): replayed \[.*,\d+\], on chain \[.*,0\]$/,
    lie: () => lieAbout("CarbonCreditRegistry", "project", (a) => withFields(a, { attestedUntil: 0n }), ethers.id("VN-DN-0001")),
  },
  { site: "carbon: project records", check: CARBON.records, message: /^project 0x[0-9a-f]{64} \(developer, metadata, registered, attested until\): replayed /, lie: () => lieAbout("CarbonCreditRegistry", "project", (a) => withFields(a, { registeredAt: 0n })) },
  {
    site: "carbon: attestation records",
    check: CARBON.records,
    message: /^attestation 0x[0-9a-f]{64} \(project, report, period, amount, batch, verifier, time\): replayed /,
    lie: () => lieAbout("CarbonCreditRegistry", "attestation", (a) => withFields(a, { amount: 0n })),
  },
  { site: "carbon: account freezes", check: CARBON.records, message: /^account 0x[0-9a-f]{40} frozen: replayed false, on chain true$/, lie: () => lieAbout("CarbonCreditRegistry", "isAccountFrozen", () => true) },
  { site: "carbon: pause flag", check: CARBON.records, message: "registry paused: replayed false, on chain true", lie: () => lieAbout("CarbonCreditRegistry", "paused", () => true) },
  { site: "carbon: market allowed to retire", check: CARBON.records, message: /^market allowed to retire on behalf: replayed 0x[0-9a-f]{40}, on chain 0x0{40}$/, lie: () => lieAbout("CarbonCreditRegistry", "market", () => Zero) },

  // ── settlement ──
  {
    site: "settlement: a Minted record follows its mint",
    check: VND.records,
    message: /^Minted 100000000 VND for 0x[0-9a-f]{40} without the matching token movement just before it$/,
    forge: (f) => f.append(f.find("Minted")),
  },
  {
    site: "settlement: a mint carries its Minted record",
    check: VND.records,
    message: /^100000000 VND minted to 0x[0-9a-f]{40} without a Minted record$/,
    forge: (f) => {
      const minted = f.find("Minted");
      const mint = f.events[f.events.indexOf(minted) - 1];
      f.drop(minted);
      return mint;
    },
  },
  {
    site: "settlement: nothing moves while paused",
    check: VND.rules,
    message: /^1 VND moved while the token was paused$/,
    forge: (f, x) => {
      forgePause(f, "SettlementToken", (x.deployment.contracts.settlement as { address: string }).address);
      return f.append(f.find("Transfer", (a) => a.value === 2_000_000n, "SettlementToken"), { value: 1n });
    },
  },
  {
    site: "settlement: VND goes only to active participants",
    check: VND.activeReceiver,
    message: /^1 VND went to 0x[0-9a-f]{40}, which was not an active participant$/,
    forge: (f, x) => f.append(f.find("Transfer", (a) => a.value === 2_000_000n, "SettlementToken"), { to: x.signers.stranger.address, value: 1n }),
  },
  {
    site: "settlement: no balance goes below zero",
    check: VND.rules,
    message: /^0x[0-9a-f]{40} sent 5 VND but held 0$/,
    forge: (f, x) => f.append(f.find("Transfer", (a) => a.value === 2_000_000n, "SettlementToken"), { from: x.signers.stranger.address, value: 5n }),
  },
  {
    site: "settlement: senders are active participants",
    check: VND.rules,
    message: /^5 VND sent by 0x[0-9a-f]{40}, which was not an active participant$/,
    forge: (f, x) => f.append(f.find("Transfer", (a) => a.value === 2_000_000n, "SettlementToken"), { from: x.signers.stranger.address, value: 5n }),
  },
  { site: "settlement: total supply", check: VND.conservation, message: /^VND total supply: replayed \d+, on chain 0$/, lie: () => lieAbout("SettlementToken", "totalSupply", () => 0n) },
  {
    site: "settlement: balances",
    check: VND.balances,
    message: /^VND balance of 0x[0-9a-f]{40}: replayed /,
    forge: (f) => void f.alter(f.find("Transfer", (a) => a.value === 2_000_000n, "SettlementToken"), { value: 3_000_000n }),
  },
  { site: "settlement: pause flag", check: VND.rules, message: "token paused: replayed false, on chain true", lie: () => lieAbout("SettlementToken", "paused", () => true) },

  // ── market ──
  { site: "market: listings are numbered in order", check: MARKET.listings, message: /^listing 9 breaks the market's rules: it follows listing 4$/, forge: (f, x) => forgeListing(f, x, { listingId: 9n }) },
  {
    site: "market: no listing while paused",
    check: MARKET.listings,
    message: /^listing 5 breaks the market's rules: the market was paused$/,
    forge: (f, x) => {
      forgePause(f, "CarbonMarket", x.marketAddress);
      return forgeListing(f, x);
    },
  },
  { site: "market: listings have an amount and a price", check: MARKET.listings, message: /^listing 5 breaks the market's rules: its amount or price is zero$/, forge: (f, x) => forgeListing(f, x, { unitPrice: 0n }) },
  { site: "market: a minimum fill within the amount", check: MARKET.listings, message: /^listing 5 breaks the market's rules: its minimum fill exceeds its amount$/, forge: (f, x) => forgeListing(f, x, { minFill: 2n }) },
  {
    site: "market: no listing reserved for its seller",
    check: MARKET.listings,
    message: /^listing 5 breaks the market's rules: its private buyer is its seller$/,
    forge: (f, x) => forgeListing(f, x, { buyer: x.signers.businessB.address }),
  },
  {
    site: "market: a closed listing returns what was left",
    check: MARKET.listings,
    message: /^listing 4 closed for 0x[0-9a-f]{40} with 35 left, but the replay has 0x[0-9a-f]{40} with 70$/i,
    forge: (f) => f.append(f.find("ListingCancelled"), { listingId: 4n }),
  },
  {
    site: "market: a listing is reclaimed only after it expired",
    check: MARKET.listings,
    message: "listing 4 reclaimed before it expired",
    forge: (f, x) => f.append(f.find("ListingReclaimed"), { listingId: 4n, seller: x.signers.businessA.address, remaining: 70n }),
  },
  {
    site: "market: an issuer's reduction names the listing's seller and what is left",
    check: MARKET.listings,
    message: /^listing 2 of 0x[0-9a-fA-F]{40} reduced by 15 t to 24 t, but the replay has 0x[0-9a-f]{40} with 40 t$/,
    forge: (f) => f.alter(f.find("ListingReduced"), { remaining: 24n }),
  },
  {
    site: "market: an issuer's reduction takes no more than is left",
    check: MARKET.listings,
    message: /^listing 2 of 0x[0-9a-fA-F]{40} reduced by 41 t to 0 t, but the replay has 0x[0-9a-f]{40} with 40 t$/,
    forge: (f) => f.alter(f.find("ListingReduced"), { amount: 41n, remaining: 0n }),
  },
  {
    site: "market: an issuer's reduction burns the credits from escrow in its transaction",
    check: MARKET.escrow,
    message: "ListingReduced of listing 2: the burn from escrow of the 15 t cancelled on listing 2 did not happen in its transaction",
    forge: (f, x) => {
      const reduced = f.find("ListingReduced");
      f.drop(f.find("TransferSingle", (a) => a.from === x.marketAddress && a.to === Zero && a.value === 15n));
      return reduced;
    },
  },
  {
    site: "market: an issuer's reduction is recorded as a cancellation from escrow",
    check: MARKET.escrow,
    message: "ListingReduced of listing 2: the cancellation of 15 t from escrow did not happen in its transaction",
    forge: (f, x) => {
      const reduced = f.find("ListingReduced");
      f.alter(f.find("Cancelled", (a) => a.holder === x.marketAddress), { holder: x.signers.businessA.address });
      return reduced;
    },
  },
  {
    site: "market: credits in escrow are cancelled only through their listing",
    check: MARKET.escrow,
    message: /^15 t of batch 3 moved out of escrow without a listing event$/,
    forge: (f, x) => {
      f.drop(f.find("ListingReduced"));
      return f.find("TransferSingle", (a) => a.from === x.marketAddress && a.to === Zero && a.value === 15n);
    },
  },
  { site: "market: a fee change names the fee it replaces", check: MARKET.listings, message: "fee change leaves 5 bps but the fee was 100 bps", forge: (f) => f.append(f.find("FeeChanged"), { previousBps: 5n }) },
  { site: "market: trades on known listings", check: MARKET.listings, message: "Traded for unknown listing 99", forge: (f, x) => forgeTrade(f, x, { listingId: 99n }) },
  { site: "market: trades on open listings", check: MARKET.listings, message: "Traded for listing 1, which was filled", forge: (f, x) => forgeTrade(f, x, { listingId: 1n }) },
  { site: "market: the fee as set", check: MARKET.trades, message: /^trade on listing 4 is inconsistent: fee 1 VND, but 100 bps of 3100000 VND is 31000$/, forge: (f, x) => forgeTrade(f, x, { fee: 1n }) },
  { site: "market: the listing's seller", check: MARKET.trades, message: /^trade on listing 4 is inconsistent: seller 0x[0-9a-f]{40}, but the listing's is 0x/, forge: (f, x) => forgeTrade(f, x, { seller: x.signers.agencyA.address }) },
  { site: "market: the listing's batch", check: MARKET.trades, message: /^trade on listing 4 is inconsistent: batch 1, but the listing's is 3$/, forge: (f, x) => forgeTrade(f, x, { batchId: 1n }) },
  {
    site: "market: the listing's price",
    check: MARKET.trades,
    message: /^trade on listing 4 is inconsistent: unit price 1 VND, but the listing's is 310000$/,
    forge: (f, x) => forgeTrade(f, x, { unitPrice: 1n, fee: 0n }),
  },
  { site: "market: no more than is left", check: MARKET.trades, message: /^trade on listing 4 is inconsistent: 71 t bought with 70 t left$/, forge: (f, x) => forgeTrade(f, x, { amount: 71n, fee: 220_100n }) },
  { site: "market: nothing below the minimum fill", check: MARKET.trades, message: /^trade on listing 4 is inconsistent: 4 t is below the minimum fill of 5 t$/, forge: (f, x) => forgeTrade(f, x, { amount: 4n, fee: 12_400n }) },
  {
    site: "market: a reserved listing only for its buyer",
    check: MARKET.trades,
    message: /^trade on listing 5 is inconsistent: bought by 0x[0-9a-f]{40}, but the listing is reserved for 0x/,
    forge: (f, x) => {
      forgeListing(f, x, { buyer: x.signers.agencyA.address });
      return forgeTrade(f, x, { listingId: 5n, seller: x.signers.businessB.address, buyer: x.signers.businessA.address, batchId: x.batches.landfill, amount: 1n, unitPrice: 1_000n, fee: 10n });
    },
  },
  {
    site: "market: no trade after expiry",
    check: MARKET.trades,
    message: /^trade on listing 5 is inconsistent: the listing had expired$/,
    forge: (f, x) => {
      forgeListing(f, x, { expiry: 1n });
      return forgeTrade(f, x, { listingId: 5n, seller: x.signers.businessB.address, buyer: x.signers.businessA.address, batchId: x.batches.landfill, amount: 1n, unitPrice: 1_000n, fee: 10n });
    },
  },
  { site: "market: no self-trade", check: MARKET.trades, message: /^trade on listing 4 is inconsistent: buyer and seller are the same account$/, forge: (f, x) => forgeTrade(f, x, { buyer: x.signers.businessA.address }) },
  {
    site: "market: no trade while paused",
    check: MARKET.trades,
    message: /^trade on listing 4 is inconsistent: the market was paused$/,
    forge: (f, x) => {
      forgePause(f, "CarbonMarket", x.marketAddress);
      return forgeTrade(f, x);
    },
  },
  {
    site: "market: escrow moves only through listings",
    check: MARKET.escrow,
    message: /^35 t of batch 2 moved out of escrow without a listing event$/,
    forge: (f) => {
      const cancelled = f.find("ListingCancelled");
      const move = f.events[f.events.indexOf(cancelled) + 1];
      f.drop(cancelled);
      return move;
    },
  },
  { site: "market: a listing's escrow happens in its transaction", check: MARKET.escrow, message: "Listed of listing 5: the escrow of listing 5 did not happen in its transaction", forge: (f, x) => f.append(f.find("Listed"), { listingId: 5n, seller: x.signers.businessB.address }) },
  { site: "market: a trade's payment and delivery happen in its transaction", check: MARKET.trades, message: /^Traded of listing 4: the payment of 3069000 VND to the seller did not happen in its transaction$/, forge: (f, x) => forgeTrade(f, x) },
  { site: "market: lastListingId", check: MARKET.state, message: "lastListingId: replayed 4, on chain 5", lie: () => lieAbout("CarbonMarket", "lastListingId", () => 5n) },
  {
    site: "market: listings",
    check: MARKET.state,
    message: /^listing 4 \(seller, batch, remaining, price, minimum fill, expiry, buyer\): replayed /,
    lie: () => lieAbout("CarbonMarket", "listing", (a) => withFields(a, { remaining: 0n }), 4n),
  },
  {
    site: "market: escrow on chain",
    check: MARKET.escrow,
    message: /^escrow of batch 3 on chain = open listings' remainders: replayed 70, on chain 0$/,
    lie: (x) => (c, fn, args, answer) => (c === "CarbonCreditRegistry" && fn === "balanceOf" && low(String(args[0])) === low(x.marketAddress) && args[1] === 3n ? 0n : answer),
  },
  {
    site: "market: escrow replayed",
    check: MARKET.escrow,
    message: /^escrow of batch 3 replayed = open listings' remainders: replayed 70, on chain 0$/,
    forge: (f, x) => f.drop(f.find("TransferSingle", (a) => a.to === x.marketAddress && a.value === 70n)),
  },
  { site: "market: fee", check: MARKET.state, message: /^fee \(bps\) and recipient: replayed /, lie: () => lieAbout("CarbonMarket", "feeBps", () => 7n) },
  { site: "market: pause flag", check: MARKET.state, message: "market paused: replayed false, on chain true", lie: () => lieAbout("CarbonMarket", "paused", () => true) },

  // ── anchors ──
  { site: "anchors: numbered from 1 without gaps", check: "anchor sequence", message: /^anchor 5 \(entries 7–8\) does not follow the previous anchor$/, forge: (f) => f.append(f.find("LogAnchored"), { anchorId: 5n, firstEntryId: 7n, lastEntryId: 8n }) },
  { site: "anchors: contiguous entry ranges", check: "anchor sequence", message: /^anchor 3 \(entries 9–9\) does not follow the previous anchor$/, forge: (f) => f.append(f.find("LogAnchored"), { anchorId: 3n, firstEntryId: 9n, lastEntryId: 9n }) },
  {
    site: "anchors: a replayed anchor exists",
    check: "anchors match the contract",
    message: "anchor 3 was replayed but does not exist on chain",
    forge: (f) => void f.append(f.find("LogAnchored"), { anchorId: 3n, firstEntryId: 7n, lastEntryId: 7n }),
  },
  { site: "anchors: count", check: "anchors match the contract", message: "anchor count: replayed 2, on chain 3", lie: () => lieAbout("AuditAnchor", "anchorCount", () => 3n) },
  { site: "anchors: root", check: "anchors match the contract", message: /^anchor 1 root: replayed /, lie: () => lieAbout("AuditAnchor", "anchorOf", (a) => withFields(a, { merkleRoot: ethers.ZeroHash }), 1) },
  { site: "anchors: head", check: "anchors match the contract", message: /^anchor 1 head: replayed /, lie: () => lieAbout("AuditAnchor", "anchorOf", (a) => withFields(a, { headHash: ethers.ZeroHash }), 1) },
  { site: "anchors: range", check: "anchors match the contract", message: /^anchor 1 range: replayed \[1,\d+\], on chain \[1,3\]$/, lie: () => lieAbout("AuditAnchor", "anchorOf", (a) => withFields(a, { lastEntryId: 3n }), 1) },
];

describe("audit tool: every rule break it reports, provoked", function () {
  let recorded: AuditEvent[];
  let toBlock: number;

  before(async function () {
    const { deployment } = await loadFixture(historyFixture);
    toBlock = await ethers.provider.getBlockNumber();
    recorded = await recordedEvents(deployment, toBlock);
  });

  it("the recorded history passes, so every report below comes from its forgery", async function () {
    const x = await loadFixture(historyFixture);
    const report = await auditEvents(x.deployment, new Forgery(recorded, toBlock).events, toBlock);
    expect(report.discrepancies).to.deep.equal([]);
  });

  it("accepts a period starting one second after the last attested (the boundary of one issuance per period)", async function () {
    const x = await loadFixture(historyFixture);
    const forgery = new Forgery(recorded, toBlock);
    forgeNextPeriod(forgery, 1n);
    const report = await auditEvents(x.deployment, forgery.events, toBlock);
    expect(report.discrepancies.filter((d) => d.check === CARBON.periods)).to.deep.equal([]);
    // The same forgery starting at the last attested second is reported: the row above proves the check runs.
    const overlapping = new Forgery(recorded, toBlock);
    forgeNextPeriod(overlapping, 0n);
    expect((await auditEvents(x.deployment, overlapping.events, toBlock)).discrepancies.filter((d) => d.check === CARBON.periods)).to.have.length(1);
  });

  for (const row of ROWS) {
    it(row.site, async function () {
      const x = await loadFixture(historyFixture);
      const forgery = new Forgery(recorded, toBlock);
      const cause = row.forge?.(forgery, x);
      const report: AuditReport = await auditEvents(x.deployment, forgery.events, toBlock, row.lie?.(x));
      const found = report.discrepancies.filter(
        (d) => d.check === row.check && (typeof row.message === "string" ? d.message === row.message || d.message.startsWith(row.message) : row.message.test(d.message)),
      );
      expect(found, `no [${row.check}] ${row.message} among:\n${report.discrepancies.map((d) => `[${d.check}] ${d.message}`).join("\n")}`).to.not.be.empty;
      if (cause) expect(found.map((d) => d.location), "reported at the forged event").to.deep.include(at(cause));
    });
  }
});

import { ZeroAddress, ZeroHash, toBeHex } from "ethers";
import { DATA_CLASSIFICATIONS, DATA_STATUSES } from "../../lib/enums";
import { VIEW_CALLS_IN_FLIGHT, expectSame, mapConcurrent } from "../engine";
import { isoTime, orgLabel } from "../labels";
import type { AuditEvent, AuditModule, Location, ReplayContext, SubjectSection } from "../types";
import type { ParticipantsModule } from "./participants";

const IMPORTANT = 2;
const ACTIVE = 0;
const REVOKED = 2;

interface DatasetModel {
  holder: string;
  custodian: string;
  classification: number;
  status: number;
  transferable: boolean;
  metadataHash: string;
  parentId: bigint;
  title: string;
  registered: Location;
  /** The last event that changed this dataset's stored state. */
  changed: Location;
}

interface LicenseModel {
  termsHash: string;
  expiresAt: bigint;
  changed: Location;
}

/** A holder-side Transfer waiting for the next event, which tells whether it was a recovery (DatasetRecovered). */
interface PendingTransfer {
  event: AuditEvent;
  id: bigint;
  from: string;
  to: string;
  locked: boolean;
  paused: boolean;
  fromActive: boolean;
}

export const CHECK = {
  events: "dataset events follow the registry's rules",
  unique: "every content hash is registered once",
  activeReceiver: "datasets go only to active participants",
  classified: "Core and Important data are only ever held or kept by CityAgency accounts",
  revoked: "revoked datasets never move",
  holderRules: "holder transfers respect soulbound locks, the pause and the sender's status",
  state: "datasets match the registry",
  balances: "dataset balances match the registry",
  licenses: "licences match the registry",
  access: "hasAccess matches the replayed rules",
} as const;

/**
 * Rebuilds every dataset (holder, custodian, class, status, lock, metadata, parent), every licence and the valuation
 * history from DataAssetRegistry events, checks the registry's rules on each event as it happened, and compares the
 * result with the registry's views at the audited block.
 */
export class DataAssetsModule implements AuditModule {
  readonly name = "data assets";
  readonly contracts = ["DataAssetRegistry"] as const;
  readonly checks = [
    `${CHECK.unique}; every mint is a DatasetRegistered and nothing is burned`,
    `${CHECK.activeReceiver} (holders at registration, transfer and recovery, and custodians), at the time`,
    CHECK.classified,
    `${CHECK.revoked} (neither by the holder nor by recovery) and are never changed again`,
    CHECK.holderRules,
    `${CHECK.events}: status changes name the status they leave, versions extend an Active dataset, licences go to Active organisations for live datasets with an expiry still ahead, valuations are positive and dated no later than recorded (the registry keeps no valuation view: their history is the events)`,
    `${CHECK.state}: holder (ownerOf and assetOf), custodian, class, status, transferability, content and metadata hashes, parent`,
    `${CHECK.balances}: balanceOf of every account that ever held a dataset`,
    `${CHECK.licenses}: terms hash and expiry of every licence ever granted`,
    `${CHECK.access}: hasAccess of every licensed organisation's accounts`,
    "the registry's pause flag matches the replayed Paused/Unpaused events",
  ] as const;

  private readonly datasets = new Map<bigint, DatasetModel>();
  private readonly licenses = new Map<string, LicenseModel>(); // `${id}:${orgId}`
  private readonly everHeld = new Map<string, Location>(); // account → last event that changed its balance
  private pendingMint: { event: AuditEvent; id: bigint; to: string } | undefined;
  private pendingTransfer: PendingTransfer | undefined;
  private lastRecoveryMatched: AuditEvent | undefined;
  private paused = false;
  private pausedChanged: Location | undefined;

  constructor(private readonly participants: ParticipantsModule) {}

  async apply(event: AuditEvent, ctx: ReplayContext): Promise<void> {
    const recovery = event.name === "DatasetRecovered" ? event : undefined;
    this.settlePendingTransfer(ctx, recovery);
    if (this.pendingMint && event.name !== "DatasetRegistered") this.settlePendingMint(ctx);
    const a = event.args;
    switch (event.name) {
      case "Transfer":
        await this.onTransfer(event, ctx);
        break;
      case "DatasetRegistered":
        await this.onRegistered(event, ctx);
        break;
      case "DatasetVersioned": {
        const child = this.require(a.id as bigint, event, ctx);
        const parent = this.require(a.parentId as bigint, event, ctx);
        ctx.checked(CHECK.events);
        if (parent && parent.status !== ACTIVE) {
          ctx.report(CHECK.events, `${label(a.id)} versions ${label(a.parentId)}, which was ${DATA_STATUSES[parent.status]}`, event);
        }
        if (child) {
          child.parentId = a.parentId as bigint;
          child.changed = event;
        }
        break;
      }
      case "DatasetStatusChanged": {
        const dataset = this.require(a.id as bigint, event, ctx);
        if (!dataset) break;
        ctx.checked(CHECK.events);
        const previous = Number(a.previousStatus);
        if (dataset.status === REVOKED) {
          ctx.report(CHECK.revoked, `revoked dataset ${label(a.id)} changed status to ${DATA_STATUSES[Number(a.newStatus)]}`, event);
        } else if (previous !== dataset.status) {
          ctx.report(CHECK.events, `status change of ${label(a.id)} leaves ${DATA_STATUSES[previous]} but the dataset was ${DATA_STATUSES[dataset.status]}`, event);
        }
        dataset.status = Number(a.newStatus);
        dataset.changed = event;
        break;
      }
      case "DatasetMetadataChanged": {
        const dataset = this.requireLive(a.id as bigint, event, ctx);
        if (!dataset) break;
        dataset.metadataHash = a.metadataHash as string;
        dataset.title = a.title as string;
        dataset.changed = event;
        break;
      }
      case "CustodianChanged": {
        const dataset = this.requireLive(a.id as bigint, event, ctx);
        if (!dataset) break;
        const previous = (a.previousCustodian as string).toLowerCase();
        const custodian = (a.newCustodian as string).toLowerCase();
        ctx.checked(CHECK.events);
        if (previous !== dataset.custodian) {
          ctx.report(CHECK.events, `custody change of ${label(a.id)} names ${previous} as previous custodian but it was ${dataset.custodian}`, event);
        }
        if (custodian !== ZeroAddress) await this.checkKeeper(custodian, dataset.classification, `custodian of ${label(a.id)}`, event, ctx);
        dataset.custodian = custodian;
        dataset.changed = event;
        break;
      }
      case "Locked":
      case "Unlocked": {
        const dataset = this.requireLive(a.tokenId as bigint, event, ctx);
        if (!dataset) break;
        dataset.transferable = event.name === "Unlocked";
        dataset.changed = event;
        break;
      }
      case "LicenseGranted": {
        const dataset = this.requireLive(a.id as bigint, event, ctx);
        const orgId = a.orgId as string;
        ctx.checked(CHECK.events);
        if (this.participants.orgStatusOf(orgId) !== "Active") {
          ctx.report(CHECK.events, `licence of ${label(a.id)} granted to organisation ${orgLabel(orgId)}, which was ${this.participants.orgStatusOf(orgId)}`, event);
        }
        const expiresAt = a.expiresAt as bigint;
        if (expiresAt !== 0n && expiresAt <= BigInt(await ctx.chain.blockTimestamp(event.blockNumber))) {
          ctx.report(CHECK.events, `licence of ${label(a.id)} to ${orgId} granted with an expiry already past`, event);
        }
        if (dataset) this.licenses.set(`${a.id}:${orgId}`, { termsHash: a.termsHash as string, expiresAt, changed: event });
        break;
      }
      case "LicenseRevoked": {
        const key = `${a.id}:${a.orgId}`;
        const license = this.licenses.get(key);
        ctx.checked(CHECK.events);
        if (!license || license.termsHash === ZeroHash) {
          ctx.report(CHECK.events, `licence of ${label(a.id)} to ${a.orgId} revoked but none was held`, event);
        }
        this.licenses.set(key, { termsHash: ZeroHash, expiresAt: 0n, changed: event });
        break;
      }
      case "ValuationRecorded": {
        this.requireLive(a.id as bigint, event, ctx);
        ctx.checked(CHECK.events);
        if ((a.amountVnd as bigint) === 0n) ctx.report(CHECK.events, `valuation of ${label(a.id)} of 0 VND`, event);
        const valuationDate = a.valuationDate as bigint;
        if (valuationDate === 0n || valuationDate > BigInt(await ctx.chain.blockTimestamp(event.blockNumber))) {
          ctx.report(CHECK.events, `valuation of ${label(a.id)} dated ${valuationDate}, which is zero or after it was recorded`, event);
        }
        break;
      }
      case "DatasetRecovered":
        // Settled above with the Transfer it belongs to; one without a Transfer just before it is a forged record.
        if (!recovery || this.lastRecoveryMatched !== event) {
          ctx.report(CHECK.events, `recovery of ${label(a.id)} without the ERC-721 Transfer that must precede it`, event);
        }
        break;
      case "Paused":
      case "Unpaused":
        this.paused = event.name === "Paused";
        this.pausedChanged = event;
        break;
      default:
        break;
    }
  }

  private async onTransfer(event: AuditEvent, ctx: ReplayContext): Promise<void> {
    const from = (event.args.from as string).toLowerCase();
    const to = (event.args.to as string).toLowerCase();
    const id = event.args.tokenId as bigint;
    if (from === ZeroAddress) {
      ctx.checked(CHECK.unique);
      if (this.datasets.has(id)) {
        ctx.report(CHECK.unique, `content hash ${label(id)} registered again (first at block ${this.datasets.get(id)!.registered.blockNumber})`, event);
      }
      this.pendingMint = { event, id, to };
      return;
    }
    if (to === ZeroAddress) {
      ctx.report(CHECK.events, `dataset ${label(id)} burned; the registry has no burn`, event);
    }
    const dataset = this.require(id, event, ctx);
    if (!dataset) return;
    ctx.checked(CHECK.events);
    if (dataset.holder !== from) {
      ctx.report(CHECK.events, `transfer of ${label(id)} from ${from}, but the replayed holder is ${dataset.holder}`, event);
    }
    ctx.checked(CHECK.revoked);
    if (dataset.status === REVOKED) ctx.report(CHECK.revoked, `revoked dataset ${label(id)} moved from ${from} to ${to}`, event);
    if (to !== ZeroAddress) await this.checkKeeper(to, dataset.classification, `receiver of ${label(id)}`, event, ctx);
    this.pendingTransfer = {
      event,
      id,
      from,
      to,
      locked: !dataset.transferable,
      paused: this.paused,
      fromActive: await this.participants.activeAtEvent(from, event, ctx),
    };
    dataset.holder = to;
    dataset.changed = event;
    this.everHeld.set(from, event);
    // A burn is reported above; the zero address holds nothing to compare (ERC-721 refuses balanceOf(0)).
    if (to !== ZeroAddress) this.everHeld.set(to, event);
  }

  private async onRegistered(event: AuditEvent, ctx: ReplayContext): Promise<void> {
    const a = event.args;
    const id = a.id as bigint;
    const mint = this.pendingMint;
    this.pendingMint = undefined;
    ctx.checked(CHECK.events);
    if (!mint || mint.id !== id || mint.event.txHash !== event.txHash) {
      ctx.report(CHECK.events, `DatasetRegistered for ${label(id)} without its mint just before it`, event);
      if (mint) this.reportOrphanMint(ctx, mint);
      return;
    }
    const classification = Number(a.classification);
    const custodian = (a.custodian as string).toLowerCase();
    await this.checkKeeper(mint.to, classification, `first holder of ${label(id)}`, event, ctx);
    if (custodian !== ZeroAddress && custodian !== mint.to) {
      await this.checkKeeper(custodian, classification, `custodian of ${label(id)}`, event, ctx);
    }
    const previous = this.datasets.get(id);
    this.datasets.set(id, {
      holder: mint.to,
      custodian,
      classification,
      status: ACTIVE,
      transferable: a.transferable as boolean,
      metadataHash: a.metadataHash as string,
      parentId: 0n,
      title: a.title as string,
      registered: previous?.registered ?? event,
      changed: event,
    });
    this.everHeld.set(mint.to, event);
  }

  private settlePendingMint(ctx: ReplayContext): void {
    if (this.pendingMint) this.reportOrphanMint(ctx, this.pendingMint);
    this.pendingMint = undefined;
  }

  private reportOrphanMint(ctx: ReplayContext, mint: { event: AuditEvent; id: bigint }): void {
    ctx.report(CHECK.events, `dataset ${label(mint.id)} minted without a DatasetRegistered record`, mint.event);
  }

  /**
   * Decides what the pending Transfer was: a recovery (the next event is its DatasetRecovered), which may ignore the
   * lock, the pause and the old holder's status, or a holder transfer, which may not.
   */
  private settlePendingTransfer(ctx: ReplayContext, recovery: AuditEvent | undefined): void {
    const pending = this.pendingTransfer;
    this.pendingTransfer = undefined;
    if (!pending) return;
    const r = recovery?.args;
    if (
      recovery &&
      recovery.txHash === pending.event.txHash &&
      (r!.id as bigint) === pending.id &&
      (r!.from as string).toLowerCase() === pending.from &&
      (r!.to as string).toLowerCase() === pending.to
    ) {
      this.lastRecoveryMatched = recovery;
      return;
    }
    ctx.checked(CHECK.holderRules);
    const problems = [
      pending.locked ? "it is soulbound" : "",
      pending.paused ? "the registry was paused" : "",
      pending.fromActive ? "" : `the sender ${pending.from} was not an active participant`,
    ].filter(Boolean);
    if (problems.length) ctx.report(CHECK.holderRules, `holder transfer of ${label(pending.id)} although ${problems.join(" and ")}`, pending.event);
  }

  /** Holders and custodians must be active participants at the time; Important and Core data CityAgency ones. */
  private async checkKeeper(account: string, classification: number, role: string, event: AuditEvent, ctx: ReplayContext): Promise<void> {
    ctx.checked(CHECK.activeReceiver);
    if (!(await this.participants.activeAtEvent(account, event, ctx))) {
      ctx.report(CHECK.activeReceiver, `${role} ${account} was not an active participant`, event, { account });
    }
    if (classification >= IMPORTANT) {
      ctx.checked(CHECK.classified);
      const kind = this.participants.kindOf(account);
      if (kind !== "CityAgency") {
        ctx.report(CHECK.classified, `${role} ${account} is a ${kind} account but the data is ${DATA_CLASSIFICATIONS[classification]}`, event, { account });
      }
    }
  }

  private require(id: bigint, event: AuditEvent, ctx: ReplayContext): DatasetModel | undefined {
    const dataset = this.datasets.get(id);
    if (!dataset) ctx.report(CHECK.events, `${event.name} for unregistered dataset ${label(id)}`, event);
    return dataset;
  }

  /** A dataset that may still be changed: registered and not revoked. */
  private requireLive(id: bigint, event: AuditEvent, ctx: ReplayContext): DatasetModel | undefined {
    const dataset = this.require(id, event, ctx);
    if (dataset && dataset.status === REVOKED) {
      ctx.report(CHECK.revoked, `${event.name} on revoked dataset ${label(id)}`, event);
    }
    return dataset;
  }

  subjects(): SubjectSection[] {
    const who = (account: string) => this.participants.labelOf(account);
    const datasets = [...this.datasets].map(([id, d]) => ({
      id: label(id),
      text:
        `"${d.title}", ${DATA_CLASSIFICATIONS[d.classification]}, ${DATA_STATUSES[d.status]}${d.transferable ? "" : ", soulbound"}, held by ${who(d.holder)}` +
        `${d.custodian !== ZeroAddress ? `, kept by ${who(d.custodian)}` : ""}${d.parentId !== 0n ? `, new version of ${label(d.parentId)}` : ""}`,
      blockNumber: d.registered.blockNumber,
    }));
    const licences = [...this.licenses].map(([key, l]) => {
      const [id, orgId] = key.split(":");
      const state = l.termsHash === ZeroHash ? "revoked" : l.expiresAt === 0n ? "no expiry" : `until ${isoTime(l.expiresAt)}`;
      return { id: `${label(BigInt(id))} → ${orgLabel(orgId)}`, text: `licence, ${state}`, blockNumber: l.changed.blockNumber };
    });
    return [
      { title: "Datasets", total: datasets.length, items: datasets },
      { title: "Dataset licences", total: licences.length, items: licences },
    ];
  }

  async reconcile(ctx: ReplayContext): Promise<void> {
    this.settlePendingTransfer(ctx, undefined);
    this.settlePendingMint(ctx);
    const call = <T>(fn: string, args: unknown[]) => ctx.chain.call<T>("DataAssetRegistry", fn, args);

    const ids = [...this.datasets.keys()];
    const onChain = await mapConcurrent(ids, VIEW_CALLS_IN_FLIGHT, async (id) => {
      const [asset, owner] = await Promise.all([call<AssetView>("assetOf", [id]).catch(() => undefined), call<string>("ownerOf", [id]).catch(() => undefined)]);
      return { asset, owner };
    });
    ids.forEach((id, i) => {
      const model = this.datasets.get(id)!;
      const { asset, owner } = onChain[i];
      const at = model.changed;
      if (!asset || !owner) {
        ctx.checked(CHECK.state);
        ctx.reportSince(CHECK.state, `dataset ${label(id)} was replayed but does not exist on chain`, at);
        return;
      }
      const what = `dataset ${label(id)}`;
      expectSame(ctx, CHECK.state, `${what} holder (ownerOf)`, model.holder, owner, at);
      expectSame(ctx, CHECK.state, `${what} holder (assetOf)`, model.holder, asset.holder, at);
      expectSame(ctx, CHECK.state, `${what} custodian`, model.custodian, asset.custodian, at);
      expectSame(ctx, CHECK.state, `${what} classification`, DATA_CLASSIFICATIONS[model.classification], DATA_CLASSIFICATIONS[Number(asset.classification)], at);
      expectSame(ctx, CHECK.state, `${what} status`, DATA_STATUSES[model.status], DATA_STATUSES[Number(asset.status)], at);
      expectSame(ctx, CHECK.state, `${what} transferable`, model.transferable, asset.transferable, at);
      expectSame(ctx, CHECK.state, `${what} content hash`, label(id), asset.contentHash, at);
      expectSame(ctx, CHECK.state, `${what} metadata hash`, model.metadataHash, asset.metadataHash, at);
      expectSame(ctx, CHECK.state, `${what} parent`, label(model.parentId), label(asset.parentId), at);
    });

    const holders = [...this.everHeld.keys()];
    const counts = new Map<string, number>();
    for (const dataset of this.datasets.values()) counts.set(dataset.holder, (counts.get(dataset.holder) ?? 0) + 1);
    const balances = await mapConcurrent(holders, VIEW_CALLS_IN_FLIGHT, (holder) => call<bigint>("balanceOf", [holder]));
    holders.forEach((holder, i) => {
      expectSame(ctx, CHECK.balances, `dataset balance of ${holder}`, counts.get(holder) ?? 0, balances[i], this.everHeld.get(holder));
    });

    const licenseKeys = [...this.licenses.keys()];
    const licenses = await mapConcurrent(licenseKeys, VIEW_CALLS_IN_FLIGHT, (key) => {
      const [id, orgId] = key.split(":");
      return call<{ termsHash: string; expiresAt: bigint }>("licenseOf", [BigInt(id), orgId]);
    });
    licenseKeys.forEach((key, i) => {
      const [id, orgId] = key.split(":");
      const model = this.licenses.get(key)!;
      const what = `licence of ${label(BigInt(id))} to ${orgId}`;
      expectSame(ctx, CHECK.licenses, `${what} terms hash`, model.termsHash, licenses[i].termsHash, model.changed);
      expectSame(ctx, CHECK.licenses, `${what} expiry`, model.expiresAt, licenses[i].expiresAt, model.changed);
    });

    await this.reconcileAccess(ctx);
    expectSame(ctx, CHECK.state, "registry paused", this.paused, await call<boolean>("paused", []), this.pausedChanged);
  }

  /** Spot checks of hasAccess: every account of every organisation that was ever licensed, for that dataset. */
  private async reconcileAccess(ctx: ReplayContext): Promise<void> {
    const now = await ctx.chain.blockTimestamp(ctx.chain.blockNumber);
    const probes: { id: bigint; account: string; expected: boolean; since: Location }[] = [];
    for (const [key, license] of this.licenses) {
      const [idText, orgId] = key.split(":");
      const id = BigInt(idText);
      if (!this.datasets.has(id)) continue;
      for (const account of this.participants.accountsOf(orgId)) {
        probes.push({ id, account, expected: this.expectedAccess(id, account, now), since: license.changed });
      }
    }
    const answers = await mapConcurrent(probes, VIEW_CALLS_IN_FLIGHT, (p) => ctx.chain.call<boolean>("DataAssetRegistry", "hasAccess", [p.id, p.account]));
    probes.forEach((p, i) => expectSame(ctx, CHECK.access, `hasAccess(${label(p.id)}, ${p.account})`, p.expected, answers[i], p.since));
  }

  /** hasAccess as the registry documents it, computed from the replayed model at `timestamp`. */
  private expectedAccess(id: bigint, account: string, timestamp: number): boolean {
    const dataset = this.datasets.get(id)!;
    if (account === dataset.holder || (dataset.custodian !== ZeroAddress && account === dataset.custodian)) return true;
    if (dataset.status === REVOKED) return false;
    if (dataset.classification === 0) return true;
    if (!this.participants.isActiveAt(account, timestamp)) return false;
    const orgId = this.participants.orgIdOf(account);
    if (orgId === this.participants.orgIdOf(dataset.holder)) return true;
    if (dataset.custodian !== ZeroAddress && orgId === this.participants.orgIdOf(dataset.custodian)) return true;
    const license = this.licenses.get(`${id}:${orgId}`);
    return !!license && license.termsHash !== ZeroHash && (license.expiresAt === 0n || BigInt(timestamp) <= license.expiresAt);
  }
}

interface AssetView {
  holder: string;
  custodian: string;
  classification: bigint;
  status: bigint;
  transferable: boolean;
  contentHash: string;
  metadataHash: string;
  parentId: bigint;
}

/** A dataset id as the content hash it is (32-byte hex). */
export function label(id: unknown): string {
  return toBeHex(id as bigint, 32);
}

import { AbiCoder, ZeroAddress, keccak256, toUtf8Bytes } from "ethers";
import { ADJUSTMENT_STATUSES } from "../../lib/enums";
import { VIEW_CALLS_IN_FLIGHT, expectSame, mapConcurrent } from "../engine";
import { isoTime, orgLabel } from "../labels";
import type { AuditEvent, AuditModule, Location, ReplayContext, SubjectSection } from "../types";
import type { ParticipantsModule } from "./participants";

interface SerialRange {
  first: bigint;
  last: bigint;
  what: string;
  at: Location;
}

interface BatchModel {
  projectKey: string;
  attestationId: string;
  serialFirst: bigint;
  serialLast: bigint;
  issued: bigint;
  retired: bigint;
  cancelled: bigint;
  frozen: boolean;
  adjustment: number;
  /** Retired and cancelled sub-ranges, in the order consumed. */
  ranges: SerialRange[];
  issuedAt?: Location;
  changed: Location;
}

interface AttestationModel {
  projectKey: string;
  reportHash: string;
  periodStart: bigint;
  periodEnd: bigint;
  amount: bigint;
  verifier: string;
  batchId: bigint;
  at: AuditEvent;
  changed: Location;
}

interface RetirementModel {
  holder: string;
  batchId: bigint;
  amount: bigint;
  serialFirst: bigint;
  serialLast: bigint;
  at: Location;
}

interface Amount {
  amount: bigint;
  changed: Location;
}

/** A burn waiting for the Retired or Cancelled record that must follow it in the same transaction. */
interface PendingBurn {
  event: AuditEvent;
  from: string;
  batchId: bigint;
  amount: bigint;
}

export const CHECK = {
  events: "carbon events follow the registry's rules",
  issuance: "no double issuance: one batch per attestation, one attestation per (project, period, report)",
  periods: "one issuance per monitoring period: a project's attested periods never overlap",
  serials: "retired and cancelled serial ranges are disjoint, consumed in order and inside their batch's block",
  retiredNeverMove: "retired and cancelled credits never move: every burn is a retirement or cancellation",
  frozen: "frozen batches and accounts never move while frozen",
  activeReceiver: "credits go only to active participants",
  balances: "credit balances match the registry",
  supply: "issued = circulating + retired + cancelled for every batch",
  batches: "batches match the registry",
  retirements: "retirement records match the registry",
  records: "projects, attestations, freezes and settings match the registry",
} as const;

const abi = AbiCoder.defaultAbiCoder();
const key = (batchId: bigint, holder: string) => `${batchId}:${holder}`;

/**
 * Rebuilds projects, attestations, batches (serial blocks, issued, retired, cancelled, freezes, adjustment status),
 * balances per holder per batch, retired balances and retirement records from CarbonCreditRegistry events, checks the
 * registry's rules on every event as it happened, and compares everything with the registry's views.
 */
export class CarbonModule implements AuditModule {
  readonly name = "carbon";
  readonly contracts = ["CarbonCreditRegistry"] as const;
  readonly checks = [
    `${CHECK.issuance}; issued amounts within the attested amount; attestations by active Verifier accounts for registered projects`,
    `${CHECK.periods} (each starts after the end of the latest one attested, both ends included), whatever the report`,
    `${CHECK.serials}; each equals the contract's record`,
    `${CHECK.retiredNeverMove}, and no balance ever goes below zero`,
    `${CHECK.frozen} (transfers and retirements; cancellation by the issuer is allowed)`,
    `${CHECK.activeReceiver} (issuance and transfers), at the time; senders active too, and nothing moves while paused`,
    `${CHECK.supply}, from the replay and on chain (batch() and totalSupply())`,
    `${CHECK.balances}: balanceOf and retiredBalanceOf of every (holder, batch) ever touched`,
    `${CHECK.batches}: project, attestation, period, serial block, issued, circulating, retired, cancelled, frozen, adjustment`,
    CHECK.retirements,
    CHECK.records,
  ] as const;

  private readonly projects = new Map<
    string,
    { projectId: string; standard: string; developerOrg: string; metadataHash: string; at: AuditEvent; attestedUntil: bigint; changed: Location }
  >();
  private readonly attestations = new Map<string, AttestationModel>();
  private readonly batches = new Map<bigint, BatchModel>();
  private readonly balances = new Map<string, Amount>(); // `${batch}:${holder}`
  private readonly retiredBalances = new Map<string, Amount>();
  private readonly retirements = new Map<bigint, RetirementModel>();
  private readonly frozenAccounts = new Map<string, { frozen: boolean; changed: Location }>();
  private pendingIssue: { event: AuditEvent; batchId: bigint; to: string; amount: bigint } | undefined;
  private pendingBurn: PendingBurn | undefined;
  private serialsIssued = 0n;
  private paused = false;
  private pausedChanged: Location | undefined;
  private market = ZeroAddress;
  private marketChanged: Location | undefined;

  constructor(private readonly participants: ParticipantsModule) {}

  /** An account as people know it (its organisation's code, then the address). */
  labelOf(account: string): string {
    return this.participants.labelOf(account);
  }

  /** The replayed balance of a holder in a batch (the market module reads its escrow here). */
  balanceOf(holder: string, batchId: bigint): bigint {
    return this.balances.get(key(batchId, holder.toLowerCase()))?.amount ?? 0n;
  }

  async apply(event: AuditEvent, ctx: ReplayContext): Promise<void> {
    this.settle(event, ctx);
    const a = event.args;
    switch (event.name) {
      case "ProjectRegistered":
        this.onProject(event, ctx);
        break;
      case "Attested":
        await this.onAttested(event, ctx);
        break;
      case "BatchIssued":
        this.onIssued(event, ctx);
        break;
      case "TransferSingle":
        await this.onMove(event, ctx, [a.id as bigint], [a.value as bigint]);
        break;
      case "TransferBatch":
        await this.onMove(event, ctx, a.ids as bigint[], a.values as bigint[]);
        break;
      case "Retired":
        await this.onRetired(event, ctx);
        break;
      case "Cancelled":
        this.onCancelled(event, ctx);
        break;
      case "BatchFrozen":
      case "BatchUnfrozen": {
        const batch = this.requireBatch(a.batchId as bigint, event, ctx);
        if (!batch) break;
        const frozen = event.name === "BatchFrozen";
        ctx.checked(CHECK.events);
        if (batch.frozen === frozen) ctx.report(CHECK.events, `batch ${a.batchId} ${frozen ? "frozen" : "unfrozen"} but it already was`, event);
        batch.frozen = frozen;
        batch.changed = event;
        break;
      }
      case "AccountFrozen":
      case "AccountUnfrozen": {
        const account = (a.account as string).toLowerCase();
        const frozen = event.name === "AccountFrozen";
        ctx.checked(CHECK.events);
        if ((this.frozenAccounts.get(account)?.frozen ?? false) === frozen) {
          ctx.report(CHECK.events, `account ${account} ${frozen ? "frozen" : "unfrozen"} but it already was`, event);
        }
        this.frozenAccounts.set(account, { frozen, changed: event });
        break;
      }
      case "CorrespondingAdjustmentChanged": {
        const batch = this.requireBatch(a.batchId as bigint, event, ctx);
        if (!batch) break;
        ctx.checked(CHECK.events);
        if (Number(a.previous) !== batch.adjustment) {
          ctx.report(CHECK.events, `adjustment change of batch ${a.batchId} leaves ${ADJUSTMENT_STATUSES[Number(a.previous)]} but it was ${ADJUSTMENT_STATUSES[batch.adjustment]}`, event);
        }
        batch.adjustment = Number(a.status);
        batch.changed = event;
        break;
      }
      case "MarketChanged":
        this.market = (a.market as string).toLowerCase();
        this.marketChanged = event;
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

  private onProject(event: AuditEvent, ctx: ReplayContext): void {
    const a = event.args;
    const projectKey = a.projectKey as string;
    ctx.checked(CHECK.events);
    if (keccak256(toUtf8Bytes(a.projectId as string)) !== projectKey) {
      ctx.report(CHECK.events, `project ${a.projectId} registered under key ${projectKey}, which is not keccak256 of its id`, event);
    }
    if (this.projects.has(projectKey)) ctx.report(CHECK.events, `project ${a.projectId} registered twice`, event);
    if (this.participants.orgStatusOf(a.developerOrg as string) !== "Active") {
      ctx.report(CHECK.events, `project ${a.projectId} registered for developer ${a.developerOrg}, which was ${this.participants.orgStatusOf(a.developerOrg as string)}`, event);
    }
    this.projects.set(projectKey, {
      projectId: a.projectId as string,
      standard: a.standard as string,
      developerOrg: a.developerOrg as string,
      metadataHash: a.metadataHash as string,
      at: event,
      attestedUntil: 0n,
      changed: event,
    });
  }

  private async onAttested(event: AuditEvent, ctx: ReplayContext): Promise<void> {
    const a = event.args;
    const id = a.attestationId as string;
    const verifier = (a.verifier as string).toLowerCase();
    ctx.checked(CHECK.issuance);
    const expectedId = keccak256(abi.encode(["bytes32", "uint64", "uint64", "bytes32"], [a.projectKey, a.periodStart, a.periodEnd, a.reportHash]));
    if (expectedId !== id) ctx.report(CHECK.issuance, `attestation ${id} is not the id of its (project, period, report)`, event);
    if (this.attestations.has(id)) ctx.report(CHECK.issuance, `(project, period, report) of attestation ${id} attested twice`, event);
    const project = this.projects.get(a.projectKey as string);
    ctx.checked(CHECK.periods);
    if (project && (a.periodStart as bigint) <= project.attestedUntil) {
      ctx.report(
        CHECK.periods,
        `attestation ${id} of project ${project.projectId} covers ${isoTime(a.periodStart as bigint)} – ${isoTime(a.periodEnd as bigint)}, which overlaps the periods attested until ${isoTime(project.attestedUntil)}`,
        event,
      );
    }
    if (project && (a.periodEnd as bigint) > project.attestedUntil) {
      project.attestedUntil = a.periodEnd as bigint;
      project.changed = event;
    }
    ctx.checked(CHECK.events);
    if (!project) ctx.report(CHECK.events, `attestation ${id} for unregistered project ${a.projectKey}`, event);
    if (this.participants.kindOf(verifier) !== "Verifier" || !(await this.participants.activeAtEvent(verifier, event, ctx))) {
      ctx.report(CHECK.events, `attestation ${id} by ${verifier}, which was not an active Verifier account`, event);
    }
    const timestamp = BigInt(await ctx.chain.blockTimestamp(event.blockNumber));
    if ((a.periodStart as bigint) >= (a.periodEnd as bigint) || (a.periodEnd as bigint) > timestamp) {
      ctx.report(CHECK.events, `attestation ${id} covers a period that is empty, reversed or not over`, event);
    }
    this.attestations.set(id, {
      projectKey: a.projectKey as string,
      reportHash: a.reportHash as string,
      periodStart: a.periodStart as bigint,
      periodEnd: a.periodEnd as bigint,
      amount: a.amount as bigint,
      verifier,
      batchId: 0n,
      at: event,
      changed: event,
    });
  }

  private onIssued(event: AuditEvent, ctx: ReplayContext): void {
    const a = event.args;
    const batchId = a.batchId as bigint;
    const amount = a.amount as bigint;
    const attestation = this.attestations.get(a.attestationId as string);
    ctx.checked(CHECK.issuance);
    if (!attestation) {
      ctx.report(CHECK.issuance, `batch ${batchId} issued against unknown attestation ${a.attestationId}`, event);
    } else {
      if (attestation.batchId !== 0n) {
        ctx.report(CHECK.issuance, `batch ${batchId} issued against attestation ${a.attestationId}, which already backs batch ${attestation.batchId}`, event);
      }
      if (amount > attestation.amount) ctx.report(CHECK.issuance, `batch ${batchId} issues ${amount} t against an attestation of ${attestation.amount} t`, event);
      if (attestation.projectKey !== a.projectKey) ctx.report(CHECK.issuance, `batch ${batchId} names project ${a.projectKey} but its attestation is for ${attestation.projectKey}`, event);
      attestation.batchId = batchId;
      attestation.changed = event;
    }
    ctx.checked(CHECK.events);
    if (batchId !== BigInt(this.batches.size) + 1n) ctx.report(CHECK.events, `batch ${batchId} issued after batch ${this.batches.size}`, event);
    if (this.batches.has(batchId)) ctx.report(CHECK.issuance, `batch ${batchId} issued twice`, event);
    ctx.checked(CHECK.serials);
    const serialFirst = a.serialFirst as bigint;
    const serialLast = a.serialLast as bigint;
    if (serialFirst !== this.serialsIssued + 1n || serialLast !== serialFirst + amount - 1n) {
      ctx.report(CHECK.serials, `batch ${batchId} has serials ${serialFirst}–${serialLast}; expected ${this.serialsIssued + 1n}–${this.serialsIssued + amount}`, event);
    }
    if (serialLast > this.serialsIssued) this.serialsIssued = serialLast;
    this.batches.set(batchId, {
      projectKey: a.projectKey as string,
      attestationId: a.attestationId as string,
      serialFirst,
      serialLast,
      issued: amount,
      retired: 0n,
      cancelled: 0n,
      frozen: false,
      adjustment: 0,
      ranges: [],
      issuedAt: event,
      changed: event,
    });
    this.pendingIssue = { event, batchId, to: (a.to as string).toLowerCase(), amount };
  }

  private async onMove(event: AuditEvent, ctx: ReplayContext, ids: bigint[], values: bigint[]): Promise<void> {
    const from = (event.args.from as string).toLowerCase();
    const to = (event.args.to as string).toLowerCase();
    const isTransfer = from !== ZeroAddress && to !== ZeroAddress;
    if (to !== ZeroAddress) {
      ctx.checked(CHECK.activeReceiver);
      if (!(await this.participants.activeAtEvent(to, event, ctx))) {
        ctx.report(CHECK.activeReceiver, `credits of batch ${ids.join(", ")} went to ${to}, which was not an active participant`, event, { account: to });
      }
    }
    ctx.checked(CHECK.events);
    if (this.paused) ctx.report(CHECK.events, `credits moved while the registry was paused`, event);
    if (isTransfer) {
      if (!(await this.participants.activeAtEvent(from, event, ctx))) ctx.report(CHECK.events, `credits sent by ${from}, which was not an active participant`, event);
      ctx.checked(CHECK.frozen);
      if (this.frozenAccounts.get(from)?.frozen) ctx.report(CHECK.frozen, `credits moved from frozen account ${from}`, event);
    }
    for (let i = 0; i < ids.length; i++) {
      const batchId = ids[i];
      const value = values[i];
      const batch = this.requireBatch(batchId, event, ctx);
      if (from === ZeroAddress) this.checkMint(event, ctx, batchId, to, value);
      if (to === ZeroAddress) {
        if (this.pendingBurn) this.reportUnrecordedBurn(ctx, this.pendingBurn);
        this.pendingBurn = { event, from, batchId, amount: value };
      }
      if (isTransfer && batch?.frozen) ctx.report(CHECK.frozen, `credits of frozen batch ${batchId} moved from ${from} to ${to}`, event);
      if (from !== ZeroAddress) {
        const balance = this.balances.get(key(batchId, from))?.amount ?? 0n;
        ctx.checked(CHECK.retiredNeverMove);
        if (balance < value) {
          ctx.report(CHECK.retiredNeverMove, `${from} moved ${value} t of batch ${batchId} but held ${balance} t`, event);
        }
        this.balances.set(key(batchId, from), { amount: balance - value, changed: event });
      }
      if (to !== ZeroAddress) {
        this.balances.set(key(batchId, to), { amount: (this.balances.get(key(batchId, to))?.amount ?? 0n) + value, changed: event });
      }
    }
  }

  private checkMint(event: AuditEvent, ctx: ReplayContext, batchId: bigint, to: string, value: bigint): void {
    const issue = this.pendingIssue;
    this.pendingIssue = undefined;
    ctx.checked(CHECK.issuance);
    if (!issue || issue.event.txHash !== event.txHash || issue.batchId !== batchId || issue.to !== to || issue.amount !== value) {
      ctx.report(CHECK.issuance, `${value} t of batch ${batchId} minted to ${to} without the BatchIssued record that must precede it`, event);
    }
  }

  private async onRetired(event: AuditEvent, ctx: ReplayContext): Promise<void> {
    const a = event.args;
    const batchId = a.batchId as bigint;
    const holder = (a.holder as string).toLowerCase();
    const amount = a.amount as bigint;
    const burn = this.takeBurn(event, ctx, batchId, amount, (from) => from === holder || (from === this.market && from !== ZeroAddress));
    const batch = this.requireBatch(batchId, event, ctx);
    ctx.checked(CHECK.frozen);
    if (batch?.frozen) ctx.report(CHECK.frozen, `credits of frozen batch ${batchId} retired`, event);
    for (const account of new Set([holder, burn?.from].filter((x): x is string => !!x))) {
      if (this.frozenAccounts.get(account)?.frozen) ctx.report(CHECK.frozen, `credits of frozen account ${account} retired`, event);
    }
    ctx.checked(CHECK.events);
    if (!(await this.participants.activeAtEvent(holder, event, ctx))) ctx.report(CHECK.events, `credits retired for ${holder}, which was not an active participant`, event);
    if (a.retirementId !== a.serialFirst) ctx.report(CHECK.events, `retirement ${a.retirementId} does not carry its first serial ${a.serialFirst} as id`, event);
    if (this.retirements.has(a.retirementId as bigint)) ctx.report(CHECK.serials, `retirement ${a.retirementId} recorded twice`, event);
    if (batch) this.consume(batch, batchId, a.serialFirst as bigint, a.serialLast as bigint, amount, `retirement ${a.retirementId}`, event, ctx);
    if (batch) batch.retired += amount;
    this.retirements.set(a.retirementId as bigint, { holder, batchId, amount, serialFirst: a.serialFirst as bigint, serialLast: a.serialLast as bigint, at: event });
    const retired = this.retiredBalances.get(key(batchId, holder))?.amount ?? 0n;
    this.retiredBalances.set(key(batchId, holder), { amount: retired + amount, changed: event });
  }

  private onCancelled(event: AuditEvent, ctx: ReplayContext): void {
    const a = event.args;
    const batchId = a.batchId as bigint;
    const holder = (a.holder as string).toLowerCase();
    const amount = a.amount as bigint;
    this.takeBurn(event, ctx, batchId, amount, (from) => from === holder);
    const batch = this.requireBatch(batchId, event, ctx);
    if (!batch) return;
    this.consume(batch, batchId, a.serialFirst as bigint, a.serialLast as bigint, amount, `cancellation of ${amount} t`, event, ctx);
    batch.cancelled += amount;
  }

  /** Checks a retired or cancelled range: inside the batch, overlapping nothing consumed before, next in order. */
  private consume(batch: BatchModel, batchId: bigint, first: bigint, last: bigint, amount: bigint, what: string, event: AuditEvent, ctx: ReplayContext): void {
    ctx.checked(CHECK.serials);
    const where = `${what} of batch ${batchId} (serials ${first}–${last})`;
    if (last - first + 1n !== amount) ctx.report(CHECK.serials, `${where} spans ${last - first + 1n} serials for ${amount} t`, event);
    if (first < batch.serialFirst || last > batch.serialLast) {
      ctx.report(CHECK.serials, `${where} lies outside the batch's block ${batch.serialFirst}–${batch.serialLast}`, event);
    }
    const overlap = batch.ranges.find((r) => first <= r.last && r.first <= last);
    if (overlap) {
      ctx.report(CHECK.serials, `${where} overlaps ${overlap.what} (serials ${overlap.first}–${overlap.last})`, event, {
        overlaps: { blockNumber: overlap.at.blockNumber, txHash: overlap.at.txHash, logIndex: overlap.at.logIndex },
      });
    } else {
      const next = batch.serialFirst + batch.retired + batch.cancelled;
      if (first !== next) ctx.report(CHECK.serials, `${where} does not start at the batch's next serial ${next}`, event);
    }
    batch.ranges.push({ first, last, what, at: event });
    batch.changed = event;
  }

  /** The burn that must precede a retirement or cancellation in the same transaction. */
  private takeBurn(event: AuditEvent, ctx: ReplayContext, batchId: bigint, amount: bigint, fromOk: (from: string) => boolean): PendingBurn | undefined {
    const burn = this.pendingBurn;
    this.pendingBurn = undefined;
    ctx.checked(CHECK.retiredNeverMove);
    if (!burn || burn.event.txHash !== event.txHash || burn.batchId !== batchId || burn.amount !== amount || !fromOk(burn.from)) {
      ctx.report(CHECK.retiredNeverMove, `${event.name} of ${amount} t of batch ${batchId} without the matching burn just before it`, event);
      if (burn) this.reportUnrecordedBurn(ctx, burn);
      return undefined;
    }
    return burn;
  }

  /** Anything pending must be resolved by the event right after it; otherwise it is reported where it happened. */
  private settle(event: AuditEvent | undefined, ctx: ReplayContext): void {
    if (this.pendingIssue && !(event && isMint(event))) {
      ctx.report(CHECK.issuance, `batch ${this.pendingIssue.batchId} issued without minting its credits`, this.pendingIssue.event);
      this.pendingIssue = undefined;
    }
    if (this.pendingBurn && !(event && (event.name === "Retired" || event.name === "Cancelled"))) {
      this.reportUnrecordedBurn(ctx, this.pendingBurn);
      this.pendingBurn = undefined;
    }
  }

  private reportUnrecordedBurn(ctx: ReplayContext, burn: PendingBurn): void {
    ctx.report(CHECK.retiredNeverMove, `${burn.amount} t of batch ${burn.batchId} burned from ${burn.from} without a retirement or cancellation record`, burn.event);
  }

  private requireBatch(batchId: bigint, event: AuditEvent, ctx: ReplayContext): BatchModel | undefined {
    const batch = this.batches.get(batchId);
    if (!batch) ctx.report(CHECK.events, `${event.name} for unknown batch ${batchId}`, event);
    return batch;
  }

  subjects(): SubjectSection[] {
    const projectName = (key: string) => this.projects.get(key)?.projectId ?? key;
    const projects = [...this.projects.values()].map((p) => ({ id: p.projectId, text: `${p.standard}, developer ${orgLabel(p.developerOrg)}`, blockNumber: p.at.blockNumber }));
    const batches = [...this.batches].map(([id, b]) => {
      const attestation = this.attestations.get(b.attestationId);
      const period = attestation ? `monitoring period ${isoTime(attestation.periodStart)} – ${isoTime(attestation.periodEnd)}` : "no known attestation";
      return {
        id: `batch ${id}`,
        text:
          `project ${projectName(b.projectKey)}, ${period}, serials ${b.serialFirst}–${b.serialLast}, issued ${b.issued} t, retired ${b.retired} t, cancelled ${b.cancelled} t` +
          `${b.frozen ? ", Frozen" : ""}, corresponding adjustment ${ADJUSTMENT_STATUSES[b.adjustment]}`,
        blockNumber: (b.issuedAt ?? b.changed).blockNumber,
      };
    });
    const retirements = [...this.retirements].map(([id, r]) => ({
      id: `retirement ${id}`,
      text: `${r.amount} t of batch ${r.batchId} (serials ${r.serialFirst}–${r.serialLast}) for ${this.participants.labelOf(r.holder)}`,
      blockNumber: r.at.blockNumber,
    }));
    return [
      { title: "Carbon projects", total: projects.length, items: projects },
      { title: "Carbon credit batches", total: batches.length, items: batches },
      { title: "Retirements", total: retirements.length, items: retirements },
    ];
  }

  async reconcile(ctx: ReplayContext): Promise<void> {
    this.settle(undefined, ctx);
    const call = <T>(fn: string, args: unknown[] = []) => ctx.chain.call<T>("CarbonCreditRegistry", fn, args);
    expectSame(ctx, CHECK.batches, "lastBatchId", this.batches.size, await call<bigint>("lastBatchId"), [...this.batches.values()].pop()?.changed);

    const circulating = new Map<bigint, bigint>();
    for (const [k, { amount }] of this.balances) {
      const batchId = BigInt(k.split(":")[0]);
      circulating.set(batchId, (circulating.get(batchId) ?? 0n) + amount);
    }
    const batchIds = [...this.batches.keys()];
    const views = await mapConcurrent(batchIds, VIEW_CALLS_IN_FLIGHT, async (id) => {
      const [info, supply] = await Promise.all([call<BatchView>("batch", [id]).catch(() => undefined), call<bigint>("totalSupply", [id])]);
      return { info, supply };
    });
    batchIds.forEach((id, i) => {
      const model = this.batches.get(id)!;
      const { info, supply } = views[i];
      const at = model.changed;
      const replayedCirculating = circulating.get(id) ?? 0n;
      expectSame(ctx, CHECK.supply, `batch ${id} replayed balances (circulating) = issued − retired − cancelled`, replayedCirculating, model.issued - model.retired - model.cancelled, at);
      if (!info) {
        ctx.checked(CHECK.batches);
        ctx.reportSince(CHECK.batches, `batch ${id} was replayed but does not exist on chain`, at);
        return;
      }
      expectSame(ctx, CHECK.supply, `batch ${id} on chain: issued = circulating + retired + cancelled`, info.issued, info.circulating + info.retired + info.cancelled, at);
      expectSame(ctx, CHECK.supply, `batch ${id} totalSupply`, replayedCirculating, supply, at);
      const attestation = this.attestations.get(model.attestationId);
      const what = `batch ${id}`;
      expectSame(ctx, CHECK.batches, `${what} project`, model.projectKey, info.projectKey, at);
      expectSame(ctx, CHECK.batches, `${what} attestation`, model.attestationId, info.attestationId, at);
      expectSame(ctx, CHECK.batches, `${what} period`, [attestation?.periodStart ?? 0n, attestation?.periodEnd ?? 0n], [info.periodStart, info.periodEnd], at);
      expectSame(ctx, CHECK.batches, `${what} serial block`, [model.serialFirst, model.serialLast], [info.serialFirst, info.serialLast], at);
      expectSame(ctx, CHECK.batches, `${what} issued`, model.issued, info.issued, at);
      expectSame(ctx, CHECK.batches, `${what} circulating`, replayedCirculating, info.circulating, at);
      expectSame(ctx, CHECK.batches, `${what} retired`, model.retired, info.retired, at);
      expectSame(ctx, CHECK.batches, `${what} cancelled`, model.cancelled, info.cancelled, at);
      expectSame(ctx, CHECK.batches, `${what} frozen`, model.frozen, info.frozen, at);
      expectSame(ctx, CHECK.batches, `${what} adjustment`, ADJUSTMENT_STATUSES[model.adjustment], ADJUSTMENT_STATUSES[Number(info.adjustment)], at);
    });

    await this.reconcileBalances(ctx, "balanceOf", this.balances, (keys) => call<bigint[]>("balanceOfBatch", [keys.map((k) => k.split(":")[1]), keys.map((k) => BigInt(k.split(":")[0]))]));
    const retiredKeys = [...this.retiredBalances.keys()];
    const retired = await mapConcurrent(retiredKeys, VIEW_CALLS_IN_FLIGHT, (k) => call<bigint>("retiredBalanceOf", [k.split(":")[1], BigInt(k.split(":")[0])]));
    retiredKeys.forEach((k, i) => {
      const [batchId, holder] = k.split(":");
      const model = this.retiredBalances.get(k)!;
      expectSame(ctx, CHECK.balances, `retired balance of ${holder} in batch ${batchId}`, model.amount, retired[i], model.changed);
    });

    const retirementIds = [...this.retirements.keys()];
    const records = await mapConcurrent(retirementIds, VIEW_CALLS_IN_FLIGHT, (id) => call<RetirementView>("retirement", [id]).catch(() => undefined));
    retirementIds.forEach((id, i) => {
      const model = this.retirements.get(id)!;
      const record = records[i];
      const replayed = [model.holder, model.batchId, model.amount, model.serialFirst, model.serialLast];
      const onChain = record ? [record.holder.toLowerCase(), record.batchId, record.amount, record.serialFirst, record.serialLast] : "no record";
      expectSame(ctx, CHECK.retirements, `retirement ${id} (holder, batch, amount, serials)`, replayed, onChain, model.at);
    });

    await this.reconcileRecords(ctx, call);
  }

  private async reconcileBalances(
    ctx: ReplayContext,
    fn: string,
    model: Map<string, Amount>,
    fetch: (keys: string[]) => Promise<bigint[]>,
  ): Promise<void> {
    const keys = [...model.keys()];
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += 200) chunks.push(keys.slice(i, i + 200));
    const answers = (await mapConcurrent(chunks, 16, fetch)).flat();
    keys.forEach((k, i) => {
      const [batchId, holder] = k.split(":");
      expectSame(ctx, CHECK.balances, `${fn}(${holder}, batch ${batchId})`, model.get(k)!.amount, answers[i], model.get(k)!.changed);
    });
  }

  private async reconcileRecords(ctx: ReplayContext, call: <T>(fn: string, args?: unknown[]) => Promise<T>): Promise<void> {
    for (const [projectKey, project] of this.projects) {
      const onChain = await call<{ developerOrg: string; metadataHash: string; registeredAt: bigint; attestedUntil: bigint }>("project", [projectKey]);
      const registeredAt = await ctx.chain.blockTimestamp(project.at.blockNumber);
      expectSame(
        ctx,
        CHECK.records,
        `project ${projectKey} (developer, metadata, registered, attested until)`,
        [project.developerOrg, project.metadataHash, registeredAt, project.attestedUntil],
        [onChain.developerOrg, onChain.metadataHash, onChain.registeredAt, onChain.attestedUntil],
        project.changed,
      );
    }
    for (const [id, model] of this.attestations) {
      const onChain = await call<AttestationView>("attestation", [id]);
      const attestedAt = await ctx.chain.blockTimestamp(model.at.blockNumber);
      expectSame(
        ctx,
        CHECK.records,
        `attestation ${id} (project, report, period, amount, batch, verifier, time)`,
        [model.projectKey, model.reportHash, model.periodStart, model.periodEnd, model.amount, model.batchId, model.verifier, attestedAt],
        [onChain.projectKey, onChain.reportHash, onChain.periodStart, onChain.periodEnd, onChain.amount, onChain.batchId, onChain.verifier.toLowerCase(), onChain.attestedAt],
        model.changed,
      );
    }
    for (const [account, { frozen, changed }] of this.frozenAccounts) {
      expectSame(ctx, CHECK.records, `account ${account} frozen`, frozen, await call<boolean>("isAccountFrozen", [account]), changed);
    }
    expectSame(ctx, CHECK.records, "registry paused", this.paused, await call<boolean>("paused"), this.pausedChanged);
    expectSame(ctx, CHECK.records, "market allowed to retire on behalf", this.market, (await call<string>("market")).toLowerCase(), this.marketChanged);
  }
}

function isMint(event: AuditEvent): boolean {
  return (event.name === "TransferSingle" || event.name === "TransferBatch") && (event.args.from as string) === ZeroAddress;
}

interface BatchView {
  projectKey: string;
  attestationId: string;
  periodStart: bigint;
  periodEnd: bigint;
  serialFirst: bigint;
  serialLast: bigint;
  issued: bigint;
  circulating: bigint;
  retired: bigint;
  cancelled: bigint;
  frozen: boolean;
  adjustment: bigint;
}

interface RetirementView {
  holder: string;
  batchId: bigint;
  amount: bigint;
  serialFirst: bigint;
  serialLast: bigint;
}

interface AttestationView {
  projectKey: string;
  reportHash: string;
  periodStart: bigint;
  periodEnd: bigint;
  amount: bigint;
  batchId: bigint;
  verifier: string;
  attestedAt: bigint;
}

import type { Provider } from "ethers";
import type { CarbonCreditRegistry } from "../../../typechain-types";
import { ContractEvents, chainRef, type ChainEvent, type ChainRef } from "./contract-events";


export interface ProjectRecord {
  key: string;
  id: string;
  developerOrg: string;
  standard: string;
  methodology: string;
  location: string;
  metadataHash: string;
  registered: ChainRef;
}

export interface AttestationRecord {
  id: string;
  projectKey: string;
  reportHash: string;
  periodStart: number;
  periodEnd: number;
  amount: bigint;
  /** 0 until a batch is issued against it. */
  batchId: bigint;
  verifier: string;
  attested: ChainRef | null;
}

export interface BatchRecord {
  id: bigint;
  projectKey: string;
  attestationId: string;
  periodStart: number;
  periodEnd: number;
  serialFirst: bigint;
  serialLast: bigint;
  issued: bigint;
  circulating: bigint;
  retired: bigint;
  cancelled: bigint;
  frozen: boolean;
  /** Index into ADJUSTMENT_STATUSES. */
  adjustment: number;
  firstHolder: string | null;
  issuance: ChainRef | null;
}

export interface RetirementRecord {
  id: bigint;
  holder: string;
  batchId: bigint;
  amount: bigint;
  serialFirst: bigint;
  serialLast: bigint;
  beneficiaryName: string;
  beneficiaryOrg: string;
  reason: string;
  consumptionStart: number;
  consumptionEnd: number;
  retired: ChainRef;
}

/** Credits an account holds and has retired, per batch (only batches where either is non-zero). */
export interface CreditHolding {
  batchId: bigint;
  balance: bigint;
  retired: bigint;
}

export const ADJUSTMENT_STATUSES = ["Unspecified", "NotRequired", "Pending", "Applied"] as const;
export type AdjustmentStatusName = (typeof ADJUSTMENT_STATUSES)[number];

/**
 * The carbon registry's state as the gateway shows it. Records come from the contract's views; what only events
 * carry (project strings, retirement claims, where each thing happened) from its logs. The indexer takes these
 * queries over later: services depend on this interface, not on how it is answered.
 */
export interface CarbonReader {
  project(key: string): Promise<ProjectRecord | undefined>;
  /** Attestations of a project and batches issued for it, oldest first. */
  projectActivity(key: string): Promise<{ attestations: string[]; batches: bigint[] }>;
  attestation(id: string): Promise<AttestationRecord | undefined>;
  /** Undefined for an unknown batch. */
  batch(id: bigint): Promise<BatchRecord | undefined>;
  /** Undefined for an unknown retirement id. */
  retirement(id: bigint): Promise<RetirementRecord | undefined>;
  holdings(account: string): Promise<CreditHolding[]>;
  balanceOf(account: string, batchId: bigint): Promise<bigint>;
  isAccountFrozen(account: string): Promise<boolean>;
  isMarketApproved(account: string, market: string): Promise<boolean>;
}

/** CarbonReader answered by the node (views and logs). */
export class ChainCarbonReader implements CarbonReader {
  private readonly events: ContractEvents;

  constructor(
    private readonly provider: Provider,
    private readonly registry: CarbonCreditRegistry,
    address: string,
    fromBlock: number,
  ) {
    this.events = new ContractEvents(provider, registry.interface, address, fromBlock);
  }

  async project(key: string): Promise<ProjectRecord | undefined> {
    const [record, event] = await Promise.all([this.registry.project(key), this.events.first("ProjectRegistered", key)]);
    if (record.registeredAt === 0n || !event) return undefined;
    const a = event.args;
    return {
      key,
      id: a.projectId as string,
      developerOrg: record.developerOrg,
      standard: a.standard as string,
      methodology: a.methodology as string,
      location: a.location as string,
      metadataHash: record.metadataHash,
      registered: await this.ref(event),
    };
  }

  async projectActivity(key: string): Promise<{ attestations: string[]; batches: bigint[] }> {
    const [attested, issued] = await Promise.all([this.events.named("Attested", null, key), this.events.named("BatchIssued", null, key)]);
    return { attestations: attested.map((e) => e.args.attestationId as string), batches: issued.map((e) => e.args.batchId as bigint) };
  }

  async attestation(id: string): Promise<AttestationRecord | undefined> {
    const [record, event] = await Promise.all([this.registry.attestation(id), this.events.first("Attested", id)]);
    if (record.attestedAt === 0n) return undefined;
    return {
      id,
      projectKey: record.projectKey,
      reportHash: record.reportHash,
      periodStart: Number(record.periodStart),
      periodEnd: Number(record.periodEnd),
      amount: record.amount,
      batchId: record.batchId,
      verifier: record.verifier,
      attested: event ? await this.ref(event) : null,
    };
  }

  async batch(id: bigint): Promise<BatchRecord | undefined> {
    const last = await this.registry.lastBatchId();
    if (id < 1n || id > last) return undefined;
    const [info, event] = await Promise.all([this.registry.batch(id), this.events.first("BatchIssued", id)]);
    return {
      id,
      projectKey: info.projectKey,
      attestationId: info.attestationId,
      periodStart: Number(info.periodStart),
      periodEnd: Number(info.periodEnd),
      serialFirst: info.serialFirst,
      serialLast: info.serialLast,
      issued: info.issued,
      circulating: info.circulating,
      retired: info.retired,
      cancelled: info.cancelled,
      frozen: info.frozen,
      adjustment: Number(info.adjustment),
      firstHolder: event ? (event.args.to as string) : null,
      issuance: event ? await this.ref(event) : null,
    };
  }

  async retirement(id: bigint): Promise<RetirementRecord | undefined> {
    const event = await this.events.first("Retired", id);
    if (!event) return undefined;
    // The view is the authority for the record; the event adds the claim and where it happened.
    const record = await this.registry.retirement(id);
    const claim = event.args.claim as { beneficiaryName: string; beneficiaryOrg: string; reason: string; consumptionStart: bigint; consumptionEnd: bigint };
    return {
      id,
      holder: record.holder,
      batchId: record.batchId,
      amount: record.amount,
      serialFirst: record.serialFirst,
      serialLast: record.serialLast,
      beneficiaryName: claim.beneficiaryName,
      beneficiaryOrg: claim.beneficiaryOrg,
      reason: claim.reason,
      consumptionStart: Number(claim.consumptionStart),
      consumptionEnd: Number(claim.consumptionEnd),
      retired: await this.ref(event),
    };
  }

  async holdings(account: string): Promise<CreditHolding[]> {
    const last = Number(await this.registry.lastBatchId());
    if (last === 0) return [];
    const ids = Array.from({ length: last }, (_, i) => BigInt(i + 1));
    const [balances, retired] = await Promise.all([
      this.registry.balanceOfBatch(ids.map(() => account), ids),
      Promise.all(ids.map((id) => this.registry.retiredBalanceOf(account, id))),
    ]);
    return ids
      .map((batchId, i) => ({ batchId, balance: balances[i], retired: retired[i] }))
      .filter((h) => h.balance > 0n || h.retired > 0n);
  }

  balanceOf(account: string, batchId: bigint): Promise<bigint> {
    return this.registry.balanceOf(account, batchId);
  }

  isAccountFrozen(account: string): Promise<boolean> {
    return this.registry.isAccountFrozen(account);
  }

  isMarketApproved(account: string, market: string): Promise<boolean> {
    return this.registry.isApprovedForAll(account, market);
  }

  private ref(event: ChainEvent): Promise<ChainRef> {
    return chainRef(this.provider, event);
  }
}

import type { ChainRef } from "./types";


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

export { ADJUSTMENT_STATUSES, type AdjustmentStatusName } from "../../../scripts/lib/enums";

/**
 * The carbon registry's state as the gateway shows it, answered by the event index (server/indexer/readers).
 * Services depend on this interface, not on how it is answered.
 */
export interface CarbonReader {
  project(key: string): Promise<ProjectRecord | undefined>;
  /** Attestations of a project and batches issued for it, oldest first. */
  /** The project's attestations and batches, and `attestedUntil`: the end of its latest attested period (0 before the first). */
  projectActivity(key: string): Promise<{ attestations: string[]; batches: bigint[]; attestedUntil: number }>;
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

import type Database from "better-sqlite3";
import { ZeroAddress } from "ethers";
import type { CarbonCreditRegistry } from "../../../typechain-types";
import { ADJUSTMENT_STATUSES } from "../../../scripts/lib/enums";
import type { AttestationRecord, BatchRecord, CarbonReader, CreditHolding, ProjectRecord, RetirementRecord } from "../../services/readers/carbon";
import {
  getAttestation,
  getBatch,
  getProject,
  getRetirement,
  isAccountFrozen,
  listAttestations,
  listBatches,
  listCreditBalances,
  MAX_PAGE_SIZE,
} from "../queries";
import { allPages, checksum, refOf } from "./refs";

/** CarbonReader answered by the index; only the market approval (not an event the index projects) asks the node. */
export class IndexCarbonReader implements CarbonReader {
  constructor(
    private readonly db: Database.Database,
    private readonly registry: CarbonCreditRegistry,
  ) {}

  async project(key: string): Promise<ProjectRecord | undefined> {
    const p = getProject(this.db, key);
    if (!p) return undefined;
    return {
      key: p.projectKey,
      id: p.projectId,
      developerOrg: p.developerOrg,
      standard: p.standard,
      methodology: p.methodology,
      location: p.location,
      metadataHash: p.metadataHash,
      registered: refOf(p.registered),
    };
  }

  async projectActivity(key: string): Promise<{ attestations: string[]; batches: bigint[]; attestedUntil: number }> {
    const attestations = allPages((after) => listAttestations(this.db, { projectKey: key }, { after, limit: MAX_PAGE_SIZE }));
    const batches = allPages((after) => listBatches(this.db, { projectKey: key }, { after, limit: MAX_PAGE_SIZE }));
    // Periods are consecutive per project (the registry refuses overlaps), so the latest end is the largest.
    const attestedUntil = attestations.reduce((max, a) => Math.max(max, a.periodEnd), 0);
    return { attestations: attestations.map((a) => a.attestationId), batches: batches.map((b) => BigInt(b.batchId)), attestedUntil };
  }

  async attestation(id: string): Promise<AttestationRecord | undefined> {
    const a = getAttestation(this.db, id);
    if (!a) return undefined;
    return {
      id: a.attestationId,
      projectKey: a.projectKey,
      reportHash: a.reportHash,
      periodStart: a.periodStart,
      periodEnd: a.periodEnd,
      amount: BigInt(a.amount),
      batchId: a.batchId === null ? 0n : BigInt(a.batchId),
      verifier: checksum(a.verifier)!,
      attested: refOf(a.attested),
    };
  }

  async batch(id: bigint): Promise<BatchRecord | undefined> {
    const b = getBatch(this.db, id);
    if (!b) return undefined;
    return {
      id,
      projectKey: b.projectKey,
      attestationId: b.attestationId,
      periodStart: b.periodStart ?? 0,
      periodEnd: b.periodEnd ?? 0,
      serialFirst: BigInt(b.serialFirst),
      serialLast: BigInt(b.serialLast),
      issued: BigInt(b.issued),
      circulating: BigInt(b.circulating),
      retired: BigInt(b.retired),
      cancelled: BigInt(b.cancelled),
      frozen: b.frozen,
      adjustment: ADJUSTMENT_STATUSES.indexOf(b.adjustment),
      firstHolder: checksum(b.firstHolder),
      issuance: refOf(b.issuedAt),
    };
  }

  async retirement(id: bigint): Promise<RetirementRecord | undefined> {
    const r = getRetirement(this.db, id);
    if (!r) return undefined;
    return {
      id,
      holder: checksum(r.holder) ?? ZeroAddress,
      batchId: BigInt(r.batchId),
      amount: BigInt(r.amount),
      serialFirst: BigInt(r.serialFirst),
      serialLast: BigInt(r.serialLast),
      beneficiaryName: r.beneficiaryName,
      beneficiaryOrg: r.beneficiaryOrg,
      reason: r.reason,
      consumptionStart: r.consumptionStart,
      consumptionEnd: r.consumptionEnd,
      retired: refOf(r.retired),
    };
  }

  async holdings(account: string): Promise<CreditHolding[]> {
    const rows = allPages((after) => listCreditBalances(this.db, { account }, { after, limit: MAX_PAGE_SIZE }));
    return rows
      .map((r) => ({ batchId: BigInt(r.batchId), balance: BigInt(r.balance), retired: BigInt(r.retired) }))
      .sort((x, y) => (x.batchId < y.batchId ? -1 : x.batchId > y.batchId ? 1 : 0));
  }

  async balanceOf(account: string, batchId: bigint): Promise<bigint> {
    const [row] = listCreditBalances(this.db, { account, batchId: batchId.toString() }, { limit: 1 }).items;
    return row ? BigInt(row.balance) : 0n;
  }

  async isAccountFrozen(account: string): Promise<boolean> {
    return isAccountFrozen(this.db, account);
  }

  isMarketApproved(account: string, market: string): Promise<boolean> {
    return this.registry.isApprovedForAll(account, market);
  }
}

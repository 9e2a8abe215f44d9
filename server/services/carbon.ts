import { AbiCoder, ZeroHash, keccak256, toUtf8Bytes, type Interface, type TransactionReceipt } from "ethers";
import type { ChainContracts } from "../chain/contracts";
import { ADJUSTMENT_STATUSES, type AdjustmentStatusName, type BatchRecord, type CarbonReader, type RetirementRecord } from "./readers/carbon";
import type { ChainRef } from "./readers/types";
import type { OperationRegistry } from "../chain/tx/operations";
import type { SubmitOutcome, TxCall, TxPipeline } from "../chain/tx/pipeline";
import { eventIn } from "../chain/tx/receipt-events";
import { ConflictError, NotFoundError } from "../errors";
import { isoOf } from "../util/time";
import { readChain } from "./chain-read";
import type { AccountRef, OrgDirectory } from "./org-directory";
import { orgIdOf, type ParticipantService } from "./participants";
import type { Principal } from "./principal";

type Claim = { orgCode: string; key: string };

export interface ProjectInput {
  id: string;
  developer: string;
  standard: string;
  methodology: string;
  location: string;
  metadataHash: string;
}

export interface AttestationInput {
  project: string;
  /** Unix seconds. */
  periodStart: number;
  periodEnd: number;
  amount: string;
  reportHash: string;
}

export interface RetirementClaimInput {
  beneficiary: { name: string; organization?: string };
  reason: string;
  /** Unix seconds. */
  consumptionStart: number;
  consumptionEnd: number;
}

export const txRefDto = (ref: ChainRef | null) =>
  ref ? { transactionHash: ref.transactionHash, blockNumber: ref.blockNumber, timestamp: isoOf(ref.timestamp) } : null;

/** The key of a project id string, as the registry computes it. */
export const projectKeyOf = (id: string): string => keccak256(toUtf8Bytes(id));

/** The tuple the registry takes for a retirement claim. */
export const claimTuple = (claim: RetirementClaimInput) => ({
  beneficiaryName: claim.beneficiary.name,
  beneficiaryOrg: claim.beneficiary.organization ? orgIdOf(claim.beneficiary.organization) : ZeroHash,
  reason: claim.reason,
  consumptionStart: claim.consumptionStart,
  consumptionEnd: claim.consumptionEnd,
});

export const retirementHref = (id: string | bigint) => `/v1/carbon/retirements/${id.toString()}`;
export const batchHref = (id: string | bigint) => `/v1/carbon/batches/${id.toString()}`;

/**
 * The carbon registry through the gateway: projects and issuance signed by the issuer's key, attestations by the
 * verifier's, transfers and retirements by the holder's. Reads go through a CarbonReader.
 */
export class CarbonService {
  constructor(
    private readonly contracts: ChainContracts,
    private readonly pipeline: TxPipeline,
    private readonly participants: ParticipantService,
    private readonly directory: OrgDirectory,
    readonly reader: CarbonReader,
    operations: OperationRegistry,
  ) {
    const passThrough = ({ params }: { params: unknown }) => params;
    const event = (receipts: TransactionReceipt[], name: string) => eventIn(receipts, this.registry.interface, this.address, name);
    for (const op of ["project.register", "attest", "batch.freeze", "batch.unfreeze", "account.freeze", "account.unfreeze", "transfer"]) {
      operations.register(`carbon.${op}`, passThrough);
    }
    operations.register<Record<string, unknown>>("carbon.issue", ({ params, receipts }) => {
      const e = event(receipts, "BatchIssued");
      const batchId = (e.batchId as bigint).toString();
      return { ...params, batchId, serialFirst: (e.serialFirst as bigint).toString(), serialLast: (e.serialLast as bigint).toString(), href: batchHref(batchId) };
    });
    operations.register<Record<string, unknown>>("carbon.cancel", ({ params, receipts }) => {
      const e = event(receipts, "Cancelled");
      return { ...params, serialFirst: (e.serialFirst as bigint).toString(), serialLast: (e.serialLast as bigint).toString() };
    });
    operations.register<Record<string, unknown>>("carbon.cancel.escrow", ({ params, receipts }) => {
      const e = event(receipts, "Cancelled");
      const reduced = eventIn(receipts, this.contracts.market.interface, this.contracts.addresses.market, "ListingReduced");
      return {
        ...params,
        serialFirst: (e.serialFirst as bigint).toString(),
        serialLast: (e.serialLast as bigint).toString(),
        listingRemaining: (reduced.remaining as bigint).toString(),
        listingClosed: reduced.remaining === 0n,
      };
    });
    operations.register<Record<string, unknown>>("carbon.batch.adjustment", ({ params, receipts }) => {
      const e = event(receipts, "CorrespondingAdjustmentChanged");
      return { ...params, previous: ADJUSTMENT_STATUSES[Number(e.previous)] };
    });
    operations.register<Record<string, unknown>>("carbon.retire", ({ params, receipts }) => {
      const e = event(receipts, "Retired");
      const id = (e.retirementId as bigint).toString();
      return { ...params, retirementId: id, serialFirst: (e.serialFirst as bigint).toString(), serialLast: (e.serialLast as bigint).toString(), href: retirementHref(id) };
    });
  }

  private get registry() {
    return this.contracts.carbon;
  }

  private get address(): string {
    return this.contracts.addresses.carbon;
  }

  private call(fn: string, args: unknown[]): TxCall {
    return { to: this.address, data: (this.registry.interface as Interface).encodeFunctionData(fn, args) };
  }

  private async submit(caller: Principal, operation: string, params: unknown, calls: TxCall[], idempotency?: Claim): Promise<SubmitOutcome> {
    return this.pipeline.submit({ orgCode: caller.orgCode, wallet: await this.participants.walletOf(caller.orgCode), operation, params, calls, idempotency });
  }

  /** The account the caller signs with. */
  private own(caller: Principal): string {
    return this.participants.addressOf(caller.orgCode);
  }

  // ---------------------------------------------------------------- writes

  registerProject(caller: Principal, input: ProjectInput, idempotency?: Claim): Promise<SubmitOutcome> {
    const developerOrg = orgIdOf(input.developer);
    return this.submit(
      caller,
      "carbon.project.register",
      { ...input, projectKey: projectKeyOf(input.id), href: `/v1/carbon/projects/${encodeURIComponent(input.id)}` },
      [this.call("registerProject", [input.id, developerOrg, input.standard, input.methodology, input.location, input.metadataHash])],
      idempotency,
    );
  }

  attest(caller: Principal, input: AttestationInput, idempotency?: Claim): Promise<SubmitOutcome> {
    const projectKey = projectKeyOf(input.project);
    const attestationId = keccak256(
      AbiCoder.defaultAbiCoder().encode(["bytes32", "uint64", "uint64", "bytes32"], [projectKey, input.periodStart, input.periodEnd, input.reportHash]),
    );
    return this.submit(
      caller,
      "carbon.attest",
      {
        attestationId,
        project: input.project,
        projectKey,
        periodStart: isoOf(input.periodStart),
        periodEnd: isoOf(input.periodEnd),
        amount: input.amount,
        reportHash: input.reportHash,
        verifier: caller.orgCode,
        href: `/v1/carbon/attestations/${attestationId}`,
      },
      [this.call("attest", [projectKey, input.periodStart, input.periodEnd, BigInt(input.amount), input.reportHash])],
      idempotency,
    );
  }

  async issue(caller: Principal, input: { attestationId: string; to: string; amount: string }, idempotency?: Claim): Promise<SubmitOutcome> {
    const to = await this.directory.accountOf(input.to);
    return this.submit(caller, "carbon.issue", { ...input }, [this.call("issue", [input.attestationId, to, BigInt(input.amount)])], idempotency);
  }

  /**
   * Cancels a holder's credits, or (with `listingId`) credits of the batch held in the market's escrow for that
   * listing: the market, restricted to ISSUER, reduces or closes the listing and has the registry cancel from escrow.
   */
  async cancel(
    caller: Principal,
    batchId: bigint,
    input: { holder?: string; listingId?: bigint; amount: string; reason: string },
    idempotency?: Claim,
  ): Promise<SubmitOutcome> {
    if (input.listingId !== undefined) return this.cancelEscrowed(caller, batchId, input.listingId, input, idempotency);
    const holder = await this.directory.accountOf(input.holder!);
    return this.submit(
      caller,
      "carbon.cancel",
      { batchId: batchId.toString(), ...input },
      [this.call("cancel", [batchId, holder, BigInt(input.amount), input.reason])],
      idempotency,
    );
  }

  private async cancelEscrowed(caller: Principal, batchId: bigint, listingId: bigint, input: { amount: string; reason: string }, idempotency?: Claim): Promise<SubmitOutcome> {
    const listing = await readChain(() => this.contracts.market.listing(listingId));
    if (listing.batchId !== batchId) {
      throw new ConflictError("LISTING_OF_ANOTHER_BATCH", `Listing ${listingId} sells batch ${listing.batchId}, not batch ${batchId}`, {
        listingId: listingId.toString(),
        batchId: listing.batchId.toString(),
      });
    }
    const market = this.contracts.market.interface as Interface;
    return this.submit(
      caller,
      "carbon.cancel.escrow",
      { batchId: batchId.toString(), listingId: listingId.toString(), amount: input.amount, reason: input.reason },
      [{ to: this.contracts.addresses.market, data: market.encodeFunctionData("cancelEscrowed", [listingId, BigInt(input.amount), input.reason]) }],
      idempotency,
    );
  }

  setBatchFrozen(caller: Principal, batchId: bigint, frozen: boolean, reason: string, idempotency?: Claim): Promise<SubmitOutcome> {
    return this.submit(
      caller,
      frozen ? "carbon.batch.freeze" : "carbon.batch.unfreeze",
      { batchId: batchId.toString(), frozen, reason },
      [this.call(frozen ? "freezeBatch" : "unfreezeBatch", [batchId, reason])],
      idempotency,
    );
  }

  setAdjustment(caller: Principal, batchId: bigint, status: AdjustmentStatusName, evidenceHash: string, idempotency?: Claim): Promise<SubmitOutcome> {
    return this.submit(
      caller,
      "carbon.batch.adjustment",
      { batchId: batchId.toString(), status, evidenceHash },
      [this.call("setCorrespondingAdjustment", [batchId, ADJUSTMENT_STATUSES.indexOf(status), evidenceHash])],
      idempotency,
    );
  }

  /** Freezes (or unfreezes) every account of an organisation, in one submission. */
  async setAccountFrozen(caller: Principal, organization: string, frozen: boolean, reason: string, idempotency?: Claim): Promise<SubmitOutcome> {
    const accounts = await this.directory.accountsOf(organization);
    if (accounts.length === 0) throw new NotFoundError("PARTICIPANT_NOT_FOUND", `No participant ${organization}`, { code: organization });
    return this.submit(
      caller,
      frozen ? "carbon.account.freeze" : "carbon.account.unfreeze",
      { organization, accounts, frozen, reason },
      accounts.map((account) => this.call(frozen ? "freezeAccount" : "unfreezeAccount", [account, reason])),
      idempotency,
    );
  }

  async transfer(caller: Principal, input: { batchId: bigint; to: string; amount: string }, idempotency?: Claim): Promise<SubmitOutcome> {
    const to = await this.directory.accountOf(input.to);
    return this.submit(
      caller,
      "carbon.transfer",
      { batchId: input.batchId.toString(), from: caller.orgCode, to: input.to, amount: input.amount },
      [this.call("safeTransferFrom", [this.own(caller), to, input.batchId, BigInt(input.amount), "0x"])],
      idempotency,
    );
  }

  retire(caller: Principal, input: { batchId: bigint; amount: string } & RetirementClaimInput, idempotency?: Claim): Promise<SubmitOutcome> {
    return this.submit(
      caller,
      "carbon.retire",
      {
        batchId: input.batchId.toString(),
        amount: input.amount,
        holder: caller.orgCode,
        beneficiary: { name: input.beneficiary.name, organization: input.beneficiary.organization ?? null },
        reason: input.reason,
        consumptionPeriod: { start: isoOf(input.consumptionStart), end: isoOf(input.consumptionEnd) },
      },
      [this.call("retire", [input.batchId, BigInt(input.amount), claimTuple(input)])],
      idempotency,
    );
  }

  // ---------------------------------------------------------------- reads

  async project(id: string) {
    const key = projectKeyOf(id);
    const [record, activity] = await readChain(() => Promise.all([this.reader.project(key), this.reader.projectActivity(key)]));
    if (!record) throw new NotFoundError("PROJECT_NOT_FOUND", `No project ${id}`, { id });
    return {
      id: record.id,
      key: record.key,
      developer: { organization: this.directory.codeOf(record.developerOrg), orgId: record.developerOrg },
      standard: record.standard,
      methodology: record.methodology,
      location: record.location,
      metadataHash: record.metadataHash,
      registered: txRefDto(record.registered),
      attestations: activity.attestations,
      attestedUntil: activity.attestedUntil === 0 ? null : isoOf(activity.attestedUntil),
      batches: activity.batches.map((b) => ({ id: b.toString(), href: batchHref(b) })),
    };
  }

  async attestation(id: string) {
    const record = await readChain(() => this.reader.attestation(id));
    if (!record) throw new NotFoundError("ATTESTATION_NOT_FOUND", `No attestation ${id}`, { id });
    const project = await readChain(() => this.reader.project(record.projectKey));
    return {
      id: record.id,
      project: { id: project?.id ?? null, key: record.projectKey },
      monitoringPeriod: { start: isoOf(record.periodStart), end: isoOf(record.periodEnd) },
      amount: record.amount.toString(),
      reportHash: record.reportHash,
      verifier: await this.directory.ref(record.verifier),
      batchId: record.batchId === 0n ? null : record.batchId.toString(),
      attested: txRefDto(record.attested),
    };
  }

  async batch(id: bigint) {
    const record = await readChain(() => this.reader.batch(id));
    if (!record) throw new NotFoundError("BATCH_NOT_FOUND", `No batch ${id}`, { id: id.toString() });
    return this.batchDto(record);
  }

  async retirement(id: bigint) {
    const record = await readChain(() => this.reader.retirement(id));
    if (!record) throw new NotFoundError("RETIREMENT_NOT_FOUND", `No retirement ${id}`, { id: id.toString() });
    return this.certificate(record);
  }

  /** The project id string of a batch (for balances and certificates). */
  async projectIdOfBatch(batchId: bigint): Promise<string | null> {
    const batch = await readChain(() => this.reader.batch(batchId));
    if (!batch) return null;
    return (await readChain(() => this.reader.project(batch.projectKey)))?.id ?? null;
  }

  private async batchDto(b: BatchRecord) {
    const project = await readChain(() => this.reader.project(b.projectKey));
    return {
      id: b.id.toString(),
      project: { id: project?.id ?? null, key: b.projectKey },
      attestationId: b.attestationId,
      monitoringPeriod: { start: isoOf(b.periodStart), end: isoOf(b.periodEnd) },
      serials: { first: b.serialFirst.toString(), last: b.serialLast.toString(), next: (b.serialFirst + b.retired + b.cancelled).toString() },
      supply: { issued: b.issued.toString(), circulating: b.circulating.toString(), retired: b.retired.toString(), cancelled: b.cancelled.toString() },
      frozen: b.frozen,
      correspondingAdjustment: ADJUSTMENT_STATUSES[b.adjustment] ?? "Unspecified",
      issuedTo: b.firstHolder ? await this.directory.ref(b.firstHolder) : null,
      issuance: txRefDto(b.issuance),
    };
  }

  private async certificate(r: RetirementRecord) {
    const batch = await readChain(() => this.reader.batch(r.batchId));
    const project = batch ? await readChain(() => this.reader.project(batch.projectKey)) : undefined;
    const holder: AccountRef | null = await this.directory.ref(r.holder);
    return {
      id: r.id.toString(),
      batchId: r.batchId.toString(),
      project: { id: project?.id ?? null, key: batch?.projectKey ?? null },
      monitoringPeriod: batch ? { start: isoOf(batch.periodStart), end: isoOf(batch.periodEnd) } : null,
      holder,
      amount: r.amount.toString(),
      serials: { first: r.serialFirst.toString(), last: r.serialLast.toString() },
      beneficiary: { name: r.beneficiaryName, organization: r.beneficiaryOrg === ZeroHash ? null : this.directory.codeOf(r.beneficiaryOrg) },
      reason: r.reason,
      consumptionPeriod: { start: isoOf(r.consumptionStart), end: isoOf(r.consumptionEnd) },
      transaction: txRefDto(r.retired),
      links: { self: retirementHref(r.id), batch: batchHref(r.batchId), project: project ? `/v1/carbon/projects/${encodeURIComponent(project.id)}` : null },
    };
  }
}

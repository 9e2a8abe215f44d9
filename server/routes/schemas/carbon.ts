import { z } from "../../http/zod";
import { ADJUSTMENT_STATUSES } from "../../services/readers/carbon";
import { REAL_DATE_MESSAGE, isRealDate, secondsOf } from "../../util/time";
import { PositiveAmount, Bytes32, OrgCode, Reason } from "./common";

const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;

/** A token, batch, listing or retirement id: a whole number as a decimal string that fits uint256. */
export const uintId = (what: string) =>
  z
    .string()
    .regex(/^(0|[1-9]\d{0,77})$/, `a ${what} id: a whole number as a decimal string`)
    .transform((v) => BigInt(v))
    .refine((v) => v <= MAX_UINT256, "does not fit in uint256")
    .openapi({ type: "string", example: "1" });

export const BatchId = uintId("batch");
export const RetirementId = uintId("retirement");

/** A project id as the registry knows it, e.g. VN-DN-0001. */
export const ProjectId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, "1–64 characters: letters, digits, '.', '_', ':' or '-', starting with a letter or digit")
  .openapi("ProjectId", { example: "VN-CT-0001" });

/** A date (00:00 UTC that day) or a date-time with a zone, kept on chain as unix seconds (uint64). */
export const Moment = z
  .string()
  .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v), {
    message: "must be a date (2024-12-31) or an ISO 8601 date-time with a time zone",
  })
  .refine((v) => !/^\d{4}-\d{2}-\d{2}/.test(v) || isRealDate(v), REAL_DATE_MESSAGE)
  .transform(secondsOf)
  .refine((s) => s >= 0 && BigInt(s) <= MAX_UINT64, "must be after 1970-01-01")
  .openapi({ type: "string", example: "2024-12-31" });

const Period = z
  .strictObject({ start: Moment, end: Moment })
  .openapi({ description: "From start to end (unix seconds on chain; a date means 00:00 UTC that day)" });

export const RegisterProjectBody = z
  .strictObject({
    id: ProjectId.openapi({ description: "The registry's project id; its keccak256 is the on-chain key" }),
    developer: OrgCode.openapi({ description: "The developer organisation, an active participant" }),
    standard: z.string().trim().min(1).max(100).openapi({ example: "Domestic" }),
    methodology: z.string().trim().min(1).max(200).openapi({ example: "AMS-I.D Grid-connected renewable electricity" }),
    location: z.string().trim().min(1).max(200).openapi({ example: "Can Tho, Ninh Kieu district" }),
    metadataHash: Bytes32.openapi({ description: "Hash of the project document" }),
  })
  .openapi("RegisterProject");

export const ProjectParams = z.strictObject({ id: ProjectId });

export const AttestBody = z
  .strictObject({
    project: ProjectId,
    monitoringPeriod: Period,
    amount: PositiveAmount.openapi({ description: "Reductions attested, in tCO2e (at most 2^56-1: the contract refuses more)" }),
    reportHash: Bytes32.openapi({ description: "Hash of the monitoring report" }),
  })
  .openapi("Attest");

export const AttestationParams = z.strictObject({ id: Bytes32 });

export const IssueBody = z
  .strictObject({
    attestationId: Bytes32.openapi({ description: "The verifier's attestation the batch is issued against (once)" }),
    to: OrgCode.openapi({ description: "The first holder (usually the project developer)" }),
    amount: PositiveAmount.openapi({ description: "tCO2e, at most the amount attested" }),
  })
  .openapi("IssueBatch");

export const BatchParams = z.strictObject({ id: BatchId });
export const RetirementParams = z.strictObject({ id: RetirementId });
export const AccountParams = z.strictObject({ org: OrgCode });

export const CancelBody = z
  .strictObject({
    holder: OrgCode.optional().openapi({ description: "Whose credits are invalidated (in the holder's account); or give listingId" }),
    listingId: uintId("listing")
      .optional()
      .openapi({ description: "Invalidate credits held in the market's escrow for this open listing of the batch: the listing shrinks by the amount and closes at 0; or give holder" }),
    amount: PositiveAmount,
    reason: Reason,
  })
  .refine((b) => (b.holder === undefined) !== (b.listingId === undefined), { message: "give either holder or listingId", path: ["holder"] })
  .openapi("CancelCredits");

export const ReasonBody = z.strictObject({ reason: Reason }).openapi("Reason");

export const AdjustmentStatus = z.enum(ADJUSTMENT_STATUSES).openapi("AdjustmentStatus");
export const AdjustmentBody = z
  .strictObject({ status: AdjustmentStatus, evidenceHash: Bytes32.openapi({ description: "Hash of the supporting document (e.g. the authority's letter)" }) })
  .openapi("SetAdjustment");

export const TransferCreditsBody = z
  .strictObject({ batchId: BatchId, to: OrgCode, amount: PositiveAmount })
  .openapi("TransferCredits", { description: "Moves the caller's own credits of a batch to another active participant" });

export const RetirementClaim = z.strictObject({
  beneficiary: z
    .strictObject({
      name: z.string().trim().min(1).max(200).openapi({ description: "Who the reduction is claimed for" }),
      organization: OrgCode.optional().openapi({ description: "The beneficiary's organisation, when it is a participant" }),
    })
    .openapi("Beneficiary"),
  reason: Reason.openapi({ example: "Offsetting 2025 fleet emissions" }),
  consumptionPeriod: Period,
});

/** A retirement claim as the services take it. */
export const claimOf = (body: z.output<typeof RetirementClaim>) => ({
  beneficiary: body.beneficiary,
  reason: body.reason,
  consumptionStart: body.consumptionPeriod.start,
  consumptionEnd: body.consumptionPeriod.end,
});

export const RetireBody = z
  .strictObject({ batchId: BatchId, amount: PositiveAmount, ...RetirementClaim.shape })
  .openapi("Retire", { description: "Retires the caller's own credits for a beneficiary; the answer names the certificate" });

const ChainPlace = z
  .object({ transactionHash: z.string(), blockNumber: z.number().int(), timestamp: z.string() })
  .nullable()
  .openapi("ChainPlace");
const AccountRef = z.object({ address: z.string(), organization: z.string().nullable() }).nullable();
const PeriodOut = z.object({ start: z.string(), end: z.string() });

export const Project = z
  .object({
    id: z.string(),
    key: z.string(),
    developer: z.object({ organization: z.string(), orgId: z.string() }),
    standard: z.string(),
    methodology: z.string(),
    location: z.string(),
    metadataHash: z.string(),
    registered: ChainPlace,
    attestations: z.array(z.string()),
    attestedUntil: z
      .string()
      .nullable()
      .describe("End of the latest attested monitoring period (inclusive); the next attestation must start after it. Null before the first"),
    batches: z.array(z.object({ id: z.string(), href: z.string() })),
  })
  .openapi("Project");

export const Attestation = z
  .object({
    id: z.string(),
    project: z.object({ id: z.string().nullable(), key: z.string() }),
    monitoringPeriod: PeriodOut,
    amount: z.string(),
    reportHash: z.string(),
    verifier: AccountRef,
    batchId: z.string().nullable(),
    attested: ChainPlace,
  })
  .openapi("Attestation");

export const Batch = z
  .object({
    id: z.string(),
    project: z.object({ id: z.string().nullable(), key: z.string() }),
    attestationId: z.string(),
    monitoringPeriod: PeriodOut,
    serials: z.object({ first: z.string(), last: z.string(), next: z.string().openapi({ description: "Next serial a retirement or cancellation consumes" }) }),
    supply: z
      .object({ issued: z.string(), circulating: z.string(), retired: z.string(), cancelled: z.string() })
      .openapi({ description: "issued = circulating + retired + cancelled, always" }),
    frozen: z.boolean(),
    correspondingAdjustment: AdjustmentStatus,
    issuedTo: AccountRef,
    issuance: ChainPlace,
  })
  .openapi("Batch");

export const RetirementCertificate = z
  .object({
    id: z.string().openapi({ description: "The certificate number: the first serial retired" }),
    batchId: z.string(),
    project: z.object({ id: z.string().nullable(), key: z.string().nullable() }),
    monitoringPeriod: PeriodOut.nullable(),
    holder: AccountRef,
    amount: z.string(),
    serials: z.object({ first: z.string(), last: z.string() }),
    beneficiary: z.object({ name: z.string(), organization: z.string().nullable() }),
    reason: z.string(),
    consumptionPeriod: PeriodOut,
    transaction: ChainPlace,
    links: z.object({ self: z.string(), batch: z.string(), project: z.string().nullable() }),
  })
  .openapi("RetirementCertificate");

export const Balances = z
  .object({
    organization: z.string(),
    accounts: z.array(
      z.object({ address: z.string(), creditsFrozen: z.boolean(), marketApproved: z.object({ credits: z.boolean(), vnd: z.boolean() }) }),
    ),
    datasets: z.object({ count: z.number().int(), ids: z.array(z.string()) }),
    credits: z.array(
      z.object({
        batchId: z.string(),
        project: z.string().nullable(),
        held: z.string(),
        listed: z.string().openapi({ description: "In the market's escrow for the organisation's open listings" }),
        href: z.string(),
      }),
    ),
    retired: z.array(z.object({ batchId: z.string(), project: z.string().nullable(), amount: z.string(), href: z.string() })),
    vnd: z.object({
      balance: z.string(),
      earnedFromData: z.string().optional().openapi({ description: "VND received for licences of the organisation's datasets sold on the data exchange (after fees)" }),
    }),
    licencesBought: z
      .array(z.object({ offerId: z.string(), datasetId: z.string(), priceVnd: z.string(), expiresAt: z.string(), transactionHash: z.string(), href: z.string() }))
      .optional()
      .openapi({ description: "Licences the organisation bought on the data exchange, oldest first" }),
  })
  .openapi("Balances");

export const CarbonWriteResult = z.record(z.string(), z.unknown()).openapi("CarbonWriteResult");

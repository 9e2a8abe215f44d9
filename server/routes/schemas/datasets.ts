import { z } from "../../http/zod";
import { ASSET_STATUSES, CLASSIFICATIONS } from "../../services/datasets";
import { REAL_DATE_MESSAGE, isRealDate } from "../../util/time";
import { Bytes32, Instant, Limit, OrgCode, PageCursor, Reason, uintString } from "./common";

const MAX_UINT256 = (1n << 256n) - 1n;

/** A sha256 as `sha256sum` prints it, with or without 0x; normalised to 0x + lowercase hex. */
export const Sha256 = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]{64}$/, "must be a sha256: 64 hex digits, optionally 0x-prefixed")
  .transform((v) => `0x${v.replace(/^0x/, "").toLowerCase()}`)
  .openapi("Sha256", { type: "string", example: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" });

/** A dataset id: its content hash as 0x + 64 hex digits, or the same number (the ERC-721 token id) in decimal. */
export const DatasetId = z
  .string()
  .regex(/^(0x[0-9a-fA-F]{64}|0|[1-9]\d{0,77})$/, "a dataset id: 0x + 64 hex digits (its content hash), or the token id in decimal")
  .transform((v) => BigInt(v))
  .refine((v) => v <= MAX_UINT256, "does not fit in uint256")
  .openapi({ type: "string", example: `0x${"9f".repeat(32)}` });

export const Classification = z.enum(CLASSIFICATIONS).openapi("Classification");
export const AssetStatus = z.enum(ASSET_STATUSES).openapi("AssetStatus");

const Title = z.string().trim().min(1).max(300);
const Uri = z.url({ protocol: /^(https?|ipfs|s3|ftp)$/ }).max(2048);

export const RegisterDatasetBody = z
  .strictObject({
    contentHash: Sha256.openapi({ description: "sha256 of the distribution (the file); becomes the dataset id" }),
    metadataHash: Bytes32.openapi({ description: "Hash of the metadata document" }),
    holder: OrgCode.optional().openapi({ description: "Holding organisation; the caller when omitted" }),
    custodian: OrgCode.optional().openapi({ description: "Agency that keeps the data for the holder" }),
    classification: Classification,
    transferable: z.boolean().default(true).openapi({ description: "false makes it soulbound (ERC-5192)" }),
    title: Title,
    uri: Uri,
  })
  .openapi("RegisterDataset");

const DcatDistribution = z.strictObject({
  "@type": z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  downloadURL: Uri,
  accessURL: Uri.optional(),
  mediaType: z.string().optional(),
  format: z.string().optional(),
  byteSize: z.number().int().nonnegative().optional(),
  checksum: z.strictObject({ algorithm: z.literal("sha256"), checksumValue: Sha256 }),
});

const DcatDataset = z.strictObject({
  "@type": z.string().optional(),
  identifier: z.string().trim().min(1).max(200),
  title: Title,
  description: z.string().max(10_000).optional(),
  publisher: z.strictObject({ "@type": z.string().optional(), name: z.string(), code: z.string().optional() }).optional(),
  contactPoint: z.strictObject({ "@type": z.string().optional(), fn: z.string(), hasEmail: z.string() }).optional(),
  theme: z.array(z.string()).optional(),
  keyword: z.array(z.string()).optional(),
  license: z.string().optional(),
  rights: z.string().optional(),
  accessLevel: z.enum(["public", "restricted public", "non-public"]).optional(),
  classification: Classification.optional().openapi({ description: "Law on Data class; from accessLevel when omitted" }),
  issued: z.string().optional(),
  modified: z.string().optional(),
  landingPage: Uri.optional(),
  spatial: z.string().optional(),
  temporal: z.string().optional(),
  language: z.array(z.string()).optional(),
  distribution: z.array(DcatDistribution).min(1),
});

export const RegisterBatchBody = z
  .strictObject({
    holder: OrgCode.optional().openapi({ description: "Holder of every dataset without a publisher mapping; the caller when omitted" }),
    holderByPublisher: z
      .record(z.string(), OrgCode)
      .optional()
      .openapi({ description: "publisher.code → holding organisation", example: { DONRE: "DONRE", DOT: "AGENCY-TRANSPORT" } }),
    transferable: z.boolean().default(true),
    catalogue: z.strictObject({
      "@context": z.string().optional(),
      "@id": z.string().optional(),
      "@type": z.literal("dcat:Catalog").optional(),
      conformsTo: z.string().optional(),
      describedBy: z.string().optional(),
      title: z.string().optional(),
      description: z.string().optional(),
      publisher: z.strictObject({ "@type": z.string().optional(), name: z.string() }).optional(),
      dataset: z.array(DcatDataset).min(1).max(2_000),
    }),
  })
  .openapi("RegisterCatalogue", {
    description:
      "A DCAT (Project Open Data 1.1 / ckanext-dcat) catalogue. Each dataset's first distribution's sha256 is its content hash, " +
      "its downloadURL the URI, and the sha256 of the dataset entry as canonical JSON (keys sorted) its metadata hash.",
  });

export const DatasetParams = z.strictObject({ id: DatasetId });
export const DatasetLicenseParams = z.strictObject({ id: DatasetId, org: OrgCode });
export const HashParams = z.strictObject({ sha256: Sha256 });

export const TransferBody = z.strictObject({ to: OrgCode }).openapi("TransferDataset");
export const StatusBody = z.strictObject({ status: AssetStatus, reason: Reason }).openapi("SetDatasetStatus");
export const LicenseBody = z
  .strictObject({
    organization: OrgCode,
    expiresAt: Instant.optional().openapi({ description: "End of the licence; none when omitted" }),
    termsHash: Bytes32.openapi({ description: "Hash of the licence terms document" }),
    terms: z.string().trim().min(1).max(2_000).openapi({ description: "Licence text or a link to it (kept in the event)" }),
  })
  .openapi("GrantLicense");
export const RevokeLicenseQuery = z.strictObject({ reason: Reason.optional() });
export const ValuationBody = z
  .strictObject({
    amountVnd: uintString(256)
      .refine((v) => v !== "0", "must be more than 0")
      .openapi({ description: "Appraised value in whole VND, as a decimal string (more than 0)" }),
    valuationDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "a date like 2025-06-30")
      .refine((v) => !/^\d{4}-\d{2}-\d{2}$/.test(v) || isRealDate(v), REAL_DATE_MESSAGE),
    method: z.string().trim().min(1).max(200),
    appraiser: z.string().trim().min(1).max(200),
    reportHash: Bytes32.openapi({ description: "Hash of the valuation report" }),
  })
  .openapi("RecordValuation");

export const ListDatasetsQuery = z.strictObject({
  holder: OrgCode.optional(),
  classification: Classification.optional(),
  status: AssetStatus.optional(),
  text: z.string().trim().min(1).max(200).optional().openapi({ description: "Case-insensitive match on title or URI" }),
  limit: Limit,
  cursor: DatasetId.optional().openapi({ description: "nextCursor of the previous page" }),
});

export const VerifyBody = z.strictObject({ sha256: Sha256 }).openapi("VerifyHash");

const AccountRef = z.object({ address: z.string(), organization: z.string().nullable() }).nullable();

export const Dataset = z
  .object({
    id: z.string(),
    tokenId: z.string(),
    contentHash: z.string(),
    metadataHash: z.string(),
    title: z.string().nullable(),
    uri: z.string().nullable(),
    classification: Classification,
    status: AssetStatus,
    transferable: z.boolean(),
    holder: AccountRef,
    custodian: AccountRef,
    parentId: z.string().nullable(),
    children: z.array(z.string()),
    version: z.number().int(),
    registered: z.object({ blockNumber: z.number(), transactionHash: z.string() }).nullable(),
    licenses: z.array(z.object({ organization: z.string(), orgId: z.string(), expiresAt: z.string().nullable(), termsHash: z.string(), terms: z.string() })),
    valuations: z.array(
      z.object({
        amountVnd: z.string(),
        valuationDate: z.string(),
        method: z.string(),
        appraiser: z.string(),
        reportHash: z.string(),
        blockNumber: z.number(),
        transactionHash: z.string(),
      }),
    ),
  })
  .openapi("Dataset");

export const DatasetPage = z.object({ items: z.array(Dataset), nextCursor: z.string().nullable() }).openapi("DatasetPage");

export const Verification = z
  .object({
    sha256: z.string(),
    registered: z.boolean(),
    registeredBy: AccountRef.optional(),
    registeredAt: z.string().nullable().optional(),
    version: z.number().int().optional(),
    latestVersion: z.boolean().optional(),
    dataset: Dataset.optional(),
  })
  .openapi("Verification");

export const DatasetWriteResult = z.record(z.string(), z.unknown()).openapi("DatasetWriteResult");
export const CataloguePreview = z
  .object({
    valid: z.boolean().openapi({ description: "No entry has a problem: the catalogue can be registered as it is" }),
    count: z.number().int(),
    items: z.array(
      z.object({
        identifier: z.string(),
        title: z.string(),
        uri: z.string(),
        contentHash: z.string(),
        classification: z.string(),
        holder: z.string().nullable(),
        problems: z.array(z.string()).openapi({ description: "ALREADY_REGISTERED, or DUPLICATE_IN_BATCH:<identifier of the first>" }),
      }),
    ),
  })
  .openapi("CataloguePreview");

export const BatchResult = z
  .object({ registered: z.number().int(), datasets: z.array(z.object({ identifier: z.string(), id: z.string(), holder: z.string(), classification: z.string() })) })
  .openapi("CatalogueRegistered");

export const ListLicencesQuery = z.strictObject({
  organization: OrgCode.optional().openapi({ description: "The licensee; the caller's own organisation when omitted" }),
  inForce: z
    .enum(["true"])
    .transform(() => true)
    .optional()
    .openapi({ description: "Only licences in force now (not revoked, not expired)" }),
  limit: Limit,
  cursor: PageCursor,
});

export const HeldLicence = z
  .object({
    datasetId: z.string(),
    title: z.string().nullable(),
    organization: z.string().nullable().openapi({ description: "The licensee" }),
    expiresAt: z.string().nullable().openapi({ description: "ISO 8601; null for no expiry" }),
    inForce: z.boolean().openapi({ description: "Not revoked and not expired now (the dataset's own status is not considered)" }),
    revoked: z.boolean(),
    termsHash: z.string().openapi({ description: "The terms hash on chain (an exchange offer's policy hash for a bought licence)" }),
    terms: z.string(),
    granted: z.object({ transactionHash: z.string(), timestamp: z.string() }).openapi({ description: "The first grant" }),
  })
  .openapi("HeldLicence");

export const HeldLicencePage = z.object({ items: z.array(HeldLicence), nextCursor: z.string().nullable() }).openapi("HeldLicencePage");

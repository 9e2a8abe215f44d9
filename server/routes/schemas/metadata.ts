import { z } from "../../http/zod";
import { DatasetId } from "./datasets";

const MAX_UINT256 = (1n << 256n) - 1n;

export const DatasetMetadataParams = z.strictObject({ id: DatasetId });

/** ERC-1155 clients substitute `{id}` with 64 lower-case hex digits (no 0x); people write the decimal batch id. */
export const CreditMetadataParams = z.strictObject({
  id: z
    .string()
    .regex(/^([0-9a-f]{64}|0|[1-9]\d{0,77})$/, "a batch id: decimal, or 64 lower-case hex digits as ERC-1155 clients substitute {id}")
    .transform((v) => (v.length === 64 ? BigInt(`0x${v}`) : BigInt(v)))
    .refine((v) => v <= MAX_UINT256, "does not fit in uint256")
    .openapi({ type: "string", example: "1" }),
});

const Attribute = z.object({ trait_type: z.string(), value: z.string() });

export const DatasetMetadata = z
  .object({
    name: z.string().openapi({ description: "The dataset's title" }),
    description: z.string(),
    external_url: z.string().openapi({ description: "Where the data is published (its distribution URL)" }),
    properties: z.object({
      class: z.literal("dataset"),
      contentHash: z.string().openapi({ description: "The token id: sha256 of the distribution (0x-hex)" }),
      classification: z.string().openapi({ description: "Law on Data class: Open, Other, Important or Core" }),
      status: z.string().openapi({ description: "Active, Deprecated or Revoked" }),
      holder: z.string().openapi({ description: "The holding organisation's code (or the account when unknown)" }),
      transferable: z.boolean(),
      parentId: z.string().nullable().openapi({ description: "The previous version's id, if any" }),
      metadataHash: z.string().nullable().openapi({ description: "Hash of the dataset's metadata document" }),
      uri: z.string(),
      registeredAt: z.string().nullable().openapi({ description: "When it was registered (ISO 8601)" }),
    }),
    attributes: z.array(Attribute),
  })
  .openapi("DatasetMetadata", { description: "ERC-721 metadata JSON of a dataset token" });

export const CreditMetadata = z
  .object({
    name: z.string(),
    description: z.string(),
    decimals: z.literal(0).openapi({ description: "Whole tonnes only" }),
    properties: z.object({
      class: z.string(),
      batchId: z.string(),
      status: z.string().openapi({ description: "Active, Frozen, or Closed (nothing left in circulation)" }),
      project: z.record(z.string(), z.string()).openapi({ description: "id, standard, methodology, location, developer (organisation code)" }),
      vintage: z.object({ start: z.string().nullable(), end: z.string().nullable() }).openapi({ description: "The monitoring period (ISO 8601)" }),
      serials: z.object({ first: z.string(), last: z.string() }),
      supply: z.object({ issued: z.string(), circulating: z.string(), retired: z.string(), cancelled: z.string() }).openapi({ description: "tCO2e: issued = circulating + retired + cancelled" }),
      correspondingAdjustment: z.string().openapi({ description: "Paris Art. 6 status: Unspecified, NotRequired, Pending or Applied" }),
      attestationId: z.string(),
    }),
    attributes: z.array(Attribute),
  })
  .openapi("CreditMetadata", { description: "ERC-1155 metadata JSON of a carbon-credit batch" });

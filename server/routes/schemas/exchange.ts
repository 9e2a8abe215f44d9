import { z } from "../../http/zod";
import { OFFER_STATUSES } from "../../indexer/queries/exchange";
import { Moment, uintId } from "./carbon";
import { Amount, Limit, OrgCode, PageCursor } from "./common";
import { DatasetId } from "./datasets";
import { OdrlPolicy } from "./policy";

export const OfferId = uintId("offer");
export const OfferParams = z.strictObject({ id: OfferId });
export const OfferStatus = z.enum(OFFER_STATUSES).openapi("OfferStatus");

export const CreateOfferBody = z
  .strictObject({
    priceVnd: Amount.openapi({ description: "VND per licence, at least 1", example: "5000000" }),
    termDays: z.number().int().min(1).max(36_500).optional().openapi({ description: "Licence duration in days (or give licenceEndsAt)" }),
    licenceEndsAt: Moment.optional().openapi({ description: "A fixed end of every licence sold, instead of termDays" }),
    policy: OdrlPolicy,
    allowed: z.array(OrgCode).max(50).optional().openapi({ description: "The only organisations allowed to buy; required (city agencies only) for Core and Important data" }),
    maxLicences: z.number().int().min(1).max(4_294_967_295).optional().openapi({ description: "Most licences sold; no limit when omitted" }),
    expiresAt: Moment.optional().openapi({ description: "Last moment a purchase is accepted; never when omitted" }),
  })
  .refine((b) => (b.termDays === undefined) !== (b.licenceEndsAt === undefined), {
    message: "give exactly one of termDays and licenceEndsAt",
    path: ["termDays"],
  })
  .openapi("CreateOffer");

export const PurchaseBody = z
  .strictObject({
    maxPrice: Amount.openapi({ description: "The most VND the buyer pays; refused when the price is above it" }),
  })
  .openapi("PurchaseLicence");

export const ListOffersQuery = z.strictObject({
  dataset: DatasetId.optional(),
  holder: OrgCode.optional().openapi({ description: "Offers made by this organisation's accounts (holder or custodian)" }),
  open: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional()
    .openapi({ description: "Only offers open now (true) or closed (false)" }),
  limit: Limit,
  cursor: PageCursor,
});

const AccountRef = z.object({ address: z.string(), organization: z.string().nullable() }).nullable();

export const Offer = z
  .object({
    id: z.string(),
    datasetId: z.string(),
    offerer: AccountRef,
    priceVnd: z.string(),
    termDays: z.number().nullable(),
    licenceEndsAt: z.string().nullable(),
    termsHash: z.string().openapi({ description: "sha256 of the policy's canonical JSON, as on chain" }),
    allowed: z.array(z.string()).openapi({ description: "Organisation codes allowed to buy; empty for any active participant" }),
    maxLicences: z.number().nullable(),
    sold: z.number().int(),
    expiresAt: z.string().nullable(),
    status: OfferStatus,
    offered: z.object({ transactionHash: z.string(), blockNumber: z.number().int(), timestamp: z.string() }),
    links: z.object({ self: z.string(), dataset: z.string(), purchase: z.string() }),
  })
  .openapi("Offer");

export const OfferDetail = Offer.extend({
  policy: OdrlPolicy.nullable().openapi({ description: "The policy document (null if this gateway never stored it; the hash is still on chain)" }),
}).openapi("OfferDetail");

export const OfferPage = z.object({ items: z.array(Offer), nextCursor: z.string().nullable() }).openapi("OfferPage");

export const ExchangeWriteResult = z.record(z.string(), z.unknown()).openapi("ExchangeWriteResult");

import { z } from "../../http/zod";
import { LISTING_STATUSES } from "../../services/readers/market";
import { BatchId, Moment, RetirementClaim, uintId } from "./carbon";
import { Amount, PositiveAmount, Limit, OrgCode } from "./common";

export const ListingId = uintId("listing");
export const ListingParams = z.strictObject({ id: ListingId });
export const ListingStatus = z.enum(LISTING_STATUSES).openapi("ListingStatus");

export const CreateListingBody = z
  .strictObject({
    batchId: BatchId,
    amount: PositiveAmount.openapi({ description: "tCO2e to sell; they move into the market's escrow" }),
    unitPrice: Amount.openapi({ description: "VND per tCO2e", example: "250000" }),
    minFill: Amount.optional().openapi({ description: "Smallest fill accepted (unless it takes the whole remainder); none when omitted" }),
    expiresAt: Moment.optional().openapi({ description: "Last moment a fill is accepted; never when omitted" }),
    buyer: OrgCode.optional().openapi({ description: "The only organisation allowed to buy (a private listing)" }),
  })
  .openapi("CreateListing");

export const FillBody = z
  .strictObject({
    amount: PositiveAmount.openapi({ description: "tCO2e to buy" }),
    maxCost: Amount.openapi({ description: "The most VND the buyer pays (amount × unit price, fee included); refused above it" }),
    retire: RetirementClaim.optional().openapi({ description: "Retire the credits on purchase (they never reach the buyer's wallet)" }),
  })
  .openapi("FillListing");

export const ListListingsQuery = z.strictObject({
  seller: OrgCode.optional(),
  batchId: BatchId.optional(),
  status: ListingStatus.optional(),
  limit: Limit,
  cursor: ListingId.optional().openapi({ description: "nextCursor of the previous page" }),
});

export const ListTradesQuery = z.strictObject({
  listingId: ListingId.optional(),
  batchId: BatchId.optional(),
  seller: OrgCode.optional(),
  buyer: OrgCode.optional(),
  limit: Limit,
  cursor: z
    .string()
    .regex(/^\d{1,12}:\d{1,6}$/, "nextCursor of the previous page (block:logIndex)")
    .optional()
    .openapi({ description: "nextCursor of the previous page" }),
});

const AccountRef = z.object({ address: z.string(), organization: z.string().nullable() }).nullable();
const ChainPlace = z.object({ transactionHash: z.string(), blockNumber: z.number().int(), timestamp: z.string() }).nullable();

export const Listing = z
  .object({
    id: z.string(),
    seller: AccountRef,
    batchId: z.string(),
    amount: z.string().openapi({ description: "Listed at first" }),
    remaining: z.string(),
    filled: z.string(),
    unitPrice: z.string(),
    minFill: z.string(),
    expiresAt: z.string().nullable(),
    buyer: AccountRef,
    status: ListingStatus,
    listed: ChainPlace,
    links: z.object({ self: z.string(), batch: z.string() }),
  })
  .openapi("Listing");

export const ListingPage = z.object({ items: z.array(Listing), nextCursor: z.string().nullable() }).openapi("ListingPage");

export const Trade = z
  .object({
    listingId: z.string(),
    seller: AccountRef,
    buyer: AccountRef,
    batchId: z.string(),
    amount: z.string(),
    unitPrice: z.string(),
    cost: z.string(),
    fee: z.string(),
    transaction: ChainPlace,
    logIndex: z.number().int(),
  })
  .openapi("Trade");

export const TradePage = z.object({ items: z.array(Trade), nextCursor: z.string().nullable() }).openapi("TradePage");

export const MarketWriteResult = z.record(z.string(), z.unknown()).openapi("MarketWriteResult");

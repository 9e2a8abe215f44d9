import { z } from "../../http/zod";
import { BatchId } from "./carbon";
import { Address, Bytes32, OrgCode, pageLimit } from "./common";
import { DatasetId } from "./datasets";
import { ListingId } from "./market";

const SUBJECTS = ["dataset", "batch", "listing", "org", "account"] as const;

export const AuditEventsQuery = z
  .strictObject({
    dataset: DatasetId.optional().openapi({ description: "A dataset's id (its content hash)" }),
    batch: BatchId.optional().openapi({ description: "A carbon-credit batch id" }),
    listing: ListingId.optional().openapi({ description: "A market listing id" }),
    org: z.union([OrgCode, Bytes32]).optional().openapi({ description: "An organisation: its code, or its on-chain id (bytes32)" }),
    account: Address.optional().openapi({ description: "An account address" }),
    limit: pageLimit(500, 100),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "nextCursor of the previous page")
      .optional()
      .openapi({ description: "nextCursor of the previous page" }),
  })
  .refine((q) => SUBJECTS.filter((k) => q[k] !== undefined).length === 1, {
    message: `exactly one of ${SUBJECTS.join(", ")} is required`,
    path: ["subject"],
  });

export const AuditEvent = z
  .object({
    blockNumber: z.number().int(),
    blockHash: z.string().openapi({ description: "The block's hash: with blockNumber, a chain position to resume the event feed from (afterBlock, afterBlockHash)" }),
    timestamp: z.string().openapi({ description: "The block's time (ISO 8601)" }),
    transactionHash: z.string(),
    logIndex: z.number().int(),
    actor: z.string().nullable().openapi({ description: "The account that sent the transaction" }),
    organization: z
      .object({ orgId: z.string(), code: z.string() })
      .nullable()
      .openapi({ description: "The organisation the sender acted for when it happened (code when known, else the id)" }),
    contract: z.string().openapi({ example: "DataAssetRegistry" }),
    address: z.string(),
    event: z.string().openapi({ example: "DatasetRegistered" }),
    args: z.record(z.string(), z.unknown()).openapi({
      description: "Decoded fields, for people: enum values by name (Suspended, Core), dates in ISO 8601 (null for none), dataset ids in 0x-hex as in the rest of the API, amounts and other ids as decimal strings",
    }),
  })
  .openapi("AuditEvent");

export const AuditEventPage = z
  .object({
    subject: z.record(z.string(), z.string()),
    items: z.array(AuditEvent),
    nextCursor: z.string().nullable(),
    indexedBlock: z.number().int().openapi({ description: "The last block the index holds: the history is complete up to it" }),
  })
  .openapi("AuditEventPage");

export const ReconcileReport = z
  .record(z.string(), z.unknown())
  .openapi("ReconcileReport", {
    description: "The audit report of the index against the chain at the block the index has reached (checks, counts, discrepancies)",
  });

import { z } from "../../http/zod";
import { AuditEvent } from "./audit";
import { BatchId } from "./carbon";
import { Bytes32, OrgCode, pageLimit } from "./common";
import { DatasetId } from "./datasets";
import { ListingId } from "./market";

/** A feed offset: a whole number in decimal, nothing else (no exponent, no hex, no spaces). */
const Offset = z
  .string()
  .regex(/^(0|[1-9]\d{0,14})$/, "a feed offset: a whole number in decimal")
  .transform(Number)
  .openapi({ type: "string", pattern: "^(0|[1-9]\\d{0,14})$", example: "120" });

const ContractName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, "a contract name, e.g. DataAssetRegistry")
  .openapi({ description: "Only events of this contract (its name, e.g. CarbonCreditRegistry)", example: "CarbonCreditRegistry" });
const EventName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "an event name, e.g. BatchIssued")
  .openapi({ description: "Only events of this name", example: "BatchIssued" });

const filterFields = {
  contract: ContractName.optional(),
  event: EventName.optional(),
  dataset: DatasetId.optional().openapi({ description: "Only events about this dataset (0x + 64 hex digits, or the decimal token id)" }),
  batch: BatchId.optional().openapi({ description: "Only events about this carbon-credit batch" }),
  listing: ListingId.optional().openapi({ description: "Only events about this market listing" }),
  org: z.union([OrgCode, Bytes32]).optional().openapi({ description: "Only events that concern this organisation (its code or on-chain id): what its accounts did or received" }),
};

export const EventFilterBody = z.strictObject(filterFields).openapi("EventFilter", {
  description: "Every criterion given must match. An empty filter matches every event the subscriber may read.",
});

export const CreateSubscriptionBody = z
  .strictObject({
    url: z
      .string()
      .max(2_000)
      .openapi({ description: "Where the events are POSTed: http or https, no credentials in the URL", example: "https://city-system.example/hooks/ledger" }),
    secret: z
      .string()
      .min(16)
      .max(200)
      .openapi({ description: "Shared secret (16–200 characters) for the HMAC-SHA256 signature of each delivery; never shown again, never logged" }),
    filter: EventFilterBody.optional(),
    after: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .openapi({ description: "Deliver the entries after this feed offset (0: the whole history). Default: the newest offset, i.e. from now on" }),
  })
  .openapi("CreateSubscription");

export const SubscriptionParams = z.strictObject({
  id: z.string().regex(/^sub_[0-9a-f-]{36}$/, "a subscription id (sub_…)").openapi({ example: "sub_3f0c5a44-7c1e-4b58-9d43-1b6f3e0f6a10" }),
});

export const Subscription = z
  .object({
    id: z.string().openapi({ description: "The subscription's id" }),
    organization: z.string().openapi({ description: "The organisation that created it (its read scopes bound what it receives)" }),
    url: z.string().openapi({ description: "The webhook URL" }),
    filter: z.record(z.string(), z.string()).openapi({ description: "The filter, as given (organisations by code)" }),
    createdAt: z.string().openapi({ description: "When it was created (ISO 8601)" }),
    cursor: z.number().int().openapi({ description: "Feed offset of the last entry acknowledged by the receiver (or skipped as not matching)" }),
    lag: z
      .object({
        events: z.number().int().openapi({ description: "Feed entries after the cursor, matching or not" }),
        seconds: z.number().int().openapi({ description: "Age of the oldest entry not yet acknowledged (0 when caught up)" }),
      })
      .openapi({ description: "How far delivery is behind the index" }),
    lastDelivery: z
      .object({
        status: z.number().int().nullable().openapi({ description: "HTTP status of the last attempt (null: no answer, or none yet)" }),
        error: z.string().nullable().openapi({ description: "Why the last attempt failed (null after a success)" }),
        attemptedAt: z.string().nullable().openapi({ description: "When the last attempt was made (ISO 8601)" }),
        deliveredAt: z.string().nullable().openapi({ description: "When the receiver last answered 2xx (ISO 8601)" }),
        consecutiveFailures: z.number().int().openapi({ description: "Failed attempts since the last success; retries back off exponentially" }),
      })
      .openapi({ description: "The state of delivery" }),
  })
  .openapi("Subscription");

export const SubscriptionList = z
  .object({
    items: z.array(Subscription),
    head: z.number().int().openapi({ description: "The newest offset of the event feed" }),
  })
  .openapi("SubscriptionList");

export const Deleted = z.object({ id: z.string(), deleted: z.literal(true) }).openapi("DeletedSubscription");

export const FeedItem = AuditEvent.extend({
  id: z.number().int().openapi({ description: "The entry's offset in the feed: stable, increasing, never reused; use it as `after` or Last-Event-ID" }),
  removed: z.boolean().openapi({ description: "true: a reorganisation of the chain removed this event (announced before the events that replace it)" }),
}).openapi("FeedItem");

/** Where a reader resumes: by offset in a known numbering (`epoch`), or by chain position after a renumbering. */
const resumeFields = {
  epoch: z
    .string()
    .regex(/^[0-9a-f]{32}$/, "a feed epoch: 32 lowercase hex digits, as EventPage.epoch gives it")
    .optional()
    .openapi({
      description:
        "The numbering the offset (`after`, or Last-Event-ID) belongs to. If the feed now has another (the index was rebuilt), the " +
        "request is refused 409 FEED_RENUMBERED instead of reading from an offset that means something else here",
      example: "5d0c3ab1f4e2467f9a3c2b7d8e9f0a1b",
    }),
  afterBlock: Offset.optional().openapi({
    description: "Resume by chain position: the `blockNumber` of the last event processed (with `afterBlockHash`; not with `after`)",
    example: "1200",
  }),
  afterBlockHash: Bytes32.optional().openapi({ description: "The `blockHash` of that event: the entries start with the first event of a later block" }),
};

export const EventsQuery = z
  .strictObject({
    ...filterFields,
    after: Offset.optional().openapi({ description: "Entries after this offset (default 0: from the beginning)" }),
    ...resumeFields,
    limit: pageLimit(500, 100),
  })
  .openapi("EventsQuery");

export const EventPage = z
  .object({
    items: z.array(FeedItem),
    next: z.number().int().openapi({ description: "Pass as `after` for the next page (past entries that did not match)" }),
    head: z.number().int().openapi({ description: "The newest offset of the feed" }),
    epoch: z.string().openapi({
      description:
        "The feed's numbering. A rebuilt index numbers its feed afresh: offsets kept from another epoch mean nothing here, " +
        "so a reader that sees it change resumes by chain position (`afterBlock` and `afterBlockHash` of the last event it " +
        "processed), as webhook subscriptions do. Pass it back as `epoch` with `after` to be told of a renumbering",
    }),
  })
  .openapi("EventPage");

export const StreamQuery = z
  .strictObject({
    ...filterFields,
    after: Offset.optional().openapi({ description: "Start after this offset when there is no Last-Event-ID header (default: from now on)" }),
    ...resumeFields,
  })
  .openapi("EventStreamQuery");

export const WebhookDelivery = z
  .object({
    subscriptionId: z.string(),
    deliveryId: z.string().openapi({ description: "Unique per attempt" }),
    events: z.array(FeedItem),
  })
  .openapi("WebhookDelivery", { description: "The body POSTed to a subscription's URL" });

import type { Request, Response } from "express";
import type { GatewayServices } from "../core";
import { ValidationError } from "../errors";
import type { RouteBuilder } from "../http/route";
import { normaliseFilter, type EventFilter, type EventFilterInput } from "../services/events";
import type { Principal } from "../services/principal";
import { SCOPE } from "../services/scopes";
import { SIGNATURE_HEADER } from "../services/webhooks";
import { Waker } from "../util/wake";
import {
  CreateSubscriptionBody,
  Deleted,
  EventPage,
  EventsQuery,
  FeedItem,
  StreamQuery,
  Subscription,
  SubscriptionList,
  SubscriptionParams,
} from "./schemas/events";

const pickFilter = (q: EventFilterInput): EventFilter =>
  normaliseFilter({ contract: q.contract, event: q.event, dataset: q.dataset, batch: q.batch, listing: q.listing, org: q.org });

export function eventRoutes(routes: RouteBuilder, s: GatewayServices): void {
  routes.add({
    method: "post",
    path: "/v1/subscriptions",
    operationId: "createSubscription",
    summary: "Subscribe a webhook to the event feed",
    description:
      "Every indexed event that matches the filter (and that the caller's read scopes show) is POSTed to `url` as a " +
      "`WebhookDelivery`, at least once and in feed order, several per request. Each request carries " +
      `\`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under the secret>\`, and ` +
      "`X-Ledger-Timestamp`. Any answer but 2xx (or none within the timeout) is retried with exponential backoff, " +
      "for as long as it takes; the cursor moves only on 2xx. An event a reorganisation removes is delivered again " +
      "with `removed: true`, before the events that replace it.",
    tags: ["events"],
    scope: SCOPE.EVENTS_READ,
    body: CreateSubscriptionBody,
    success: { status: 201, description: "Created; delivery starts at once", schema: Subscription },
    errors: [],
    handler: async ({ body, principal }) => ({ status: 201, body: s.subscriptions.create(principal, body) }),
  });

  routes.add({
    method: "get",
    path: "/v1/subscriptions",
    operationId: "listSubscriptions",
    summary: "The organisation's subscriptions (the administrator's: all) with cursor, lag and delivery state",
    tags: ["events"],
    scope: SCOPE.EVENTS_READ,
    success: { status: 200, description: "Subscriptions", schema: SubscriptionList },
    errors: [],
    handler: async ({ principal }) => ({ status: 200, body: s.subscriptions.list(principal) }),
  });

  routes.add({
    method: "get",
    path: "/v1/subscriptions/{id}",
    operationId: "getSubscription",
    summary: "One subscription with its cursor, lag and delivery state",
    tags: ["events"],
    scope: SCOPE.EVENTS_READ,
    params: SubscriptionParams,
    success: { status: 200, description: "The subscription", schema: Subscription },
    errors: [404],
    handler: async ({ params, principal }) => ({ status: 200, body: s.subscriptions.get(principal, params.id) }),
  });

  routes.add({
    method: "delete",
    path: "/v1/subscriptions/{id}",
    operationId: "deleteSubscription",
    summary: "Stop and delete a subscription",
    tags: ["events"],
    scope: SCOPE.EVENTS_READ,
    params: SubscriptionParams,
    success: { status: 200, description: "Deleted; no delivery starts after this answer", schema: Deleted },
    errors: [404],
    handler: async ({ params, principal }) => {
      await s.subscriptions.delete(principal, params.id);
      return { status: 200, body: { id: params.id, deleted: true } };
    },
  });

  routes.add({
    method: "get",
    path: "/v1/events",
    operationId: "listEvents",
    summary: "The event feed by offset (the same entries webhooks receive)",
    description:
      "Entries after `after`, oldest first, filtered and limited to what the caller's read scopes show. Continue with " +
      "`after=next`; `next` also moves past entries that did not match, so a sparse filter never stalls. With `epoch` " +
      "(from an earlier page) a renumbered feed is refused (409 FEED_RENUMBERED) rather than read from a wrong offset; " +
      "`afterBlock` with `afterBlockHash` (those of the last event processed) resume by chain position in any numbering.",
    tags: ["events"],
    scope: SCOPE.EVENTS_READ,
    query: EventsQuery,
    success: { status: 200, description: "A page of the feed", schema: EventPage },
    errors: [409, 503],
    handler: async ({ query, principal }) => {
      checkStart(query, query.after !== undefined ? "after" : undefined);
      const from = await s.events.startAfter(query, () => 0);
      const page = s.events.read(from, { limit: query.limit, filter: pickFilter(query), scopes: principal.scopes });
      return { status: 200, body: { ...page, head: s.events.head(), epoch: s.events.epoch() } };
    },
  });

  routes.add({
    method: "get",
    path: "/v1/events/stream",
    operationId: "streamEvents",
    summary: "Follow the event feed as Server-Sent Events",
    description:
      "Each entry is an SSE message with `id: <offset>`, `event: event` (or `removed`) and the `FeedItem` as JSON " +
      "`data`. A reconnecting client sends `Last-Event-ID` and resumes right after it; without it the stream starts " +
      "after `after`, after the block `afterBlock` with `afterBlockHash`, or with new events. With `epoch`, an offset " +
      "of another numbering (the index was rebuilt) is refused 409 FEED_RENUMBERED before the stream opens. A comment " +
      "line (`: heartbeat`) is sent every 15 s when idle.",
    tags: ["events"],
    scope: SCOPE.EVENTS_READ,
    query: StreamQuery,
    stream: { contentType: "text/event-stream" },
    success: { status: 200, description: "An endless stream of events (text/event-stream); `data` is a FeedItem", schema: FeedItem },
    errors: [409, 503],
    handler: async ({ query, principal }, req, res) => {
      checkStart(query, query.after !== undefined ? "after" : undefined);
      // A reconnecting EventSource sends Last-Event-ID to the same URL: the offset it had wins over the URL's start.
      const reconnected = lastEventId(req);
      const resumeFrom =
        reconnected !== undefined ? await s.events.startAfter({ after: reconnected, epoch: query.epoch }, () => reconnected) : await s.events.startAfter(query, () => s.events.head());
      await stream(s, req, res, { after: resumeFrom, filter: pickFilter(query), principal });
      return { status: 200, body: null };
    },
  });
}

/** A chain position is a block and its hash, given together, and not beside an offset. */
function checkStart(query: { afterBlock?: number; afterBlockHash?: string }, offset: string | undefined): void {
  const issues: { path: string; message: string; code: string }[] = [];
  if ((query.afterBlock === undefined) !== (query.afterBlockHash === undefined)) {
    issues.push({ path: query.afterBlock === undefined ? "afterBlock" : "afterBlockHash", message: "afterBlock and afterBlockHash go together", code: "custom" });
  }
  if (offset && query.afterBlock !== undefined) issues.push({ path: offset, message: `give either ${offset} or afterBlock with afterBlockHash`, code: "custom" });
  if (issues.length > 0) throw new ValidationError("query", issues);
}

function lastEventId(req: Request): number | undefined {
  const header = req.get("last-event-id");
  if (header === undefined) return undefined;
  if (!/^(0|[1-9]\d{0,14})$/.test(header)) {
    throw new ValidationError("headers", [{ path: "Last-Event-ID", message: "a feed offset: a whole number in decimal", code: "invalid_string" }]);
  }
  return Number(header);
}

/** Writes entries as they come until the client goes away; the cursor lives in the connection (and the client's Last-Event-ID). */
async function stream(s: GatewayServices, req: Request, res: Response, options: { after: number; filter: EventFilter; principal: Principal }): Promise<void> {
  res.status(200);
  res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
  res.setHeader("Cache-Control", "no-cache, no-transform");
  res.setHeader("X-Accel-Buffering", "no");
  res.flushHeaders();
  res.write(": connected\n\n");
  let cursor = options.after;
  let closed = false;
  const waker = new Waker();
  req.on("close", () => {
    closed = true;
    waker.wake();
  });
  const { heartbeatMs, pollMs } = s.eventStreamTiming;
  let lastWrite = Date.now();
  while (!closed) {
    const { items, next } = s.events.read(cursor, { limit: 100, filter: options.filter, scopes: options.principal.scopes });
    for (const item of items) res.write(`id: ${item.id}\nevent: ${item.removed ? "removed" : "event"}\ndata: ${JSON.stringify(item)}\n\n`);
    if (items.length > 0) lastWrite = Date.now();
    const moved = next !== cursor;
    cursor = next;
    if (moved) continue;
    if (Date.now() - lastWrite >= heartbeatMs) {
      res.write(": heartbeat\n\n");
      lastWrite = Date.now();
    }
    await waker.sleep(pollMs);
  }
  res.end();
}

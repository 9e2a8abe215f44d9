import crypto from "node:crypto";
import type { SubscriptionRow, SubscriptionsRepository } from "../db/repositories/subscriptions";
import { BadRequestError, NotFoundError } from "../errors";
import { firstPendingTimestamp } from "../indexer/queries/feed";
import type Database from "better-sqlite3";
import { describeFilter, normaliseFilter, type EventFeed, type EventFilter, type EventFilterInput } from "./events";
import type { OrgDirectory } from "./org-directory";
import type { Principal } from "./principal";
import type { WebhookDispatcher } from "./webhooks";

export interface CreateSubscription {
  url: string;
  secret: string;
  filter?: EventFilterInput;
  /** Start after this feed offset (0: from the beginning of the index); default: the newest offset, i.e. from now on. */
  after?: number;
}

/**
 * A webhook URL must be http(s) and carry no credentials: the URL is shown in listings and logs, and the receiver
 * authenticates the gateway by the signature, not the other way round.
 */
export function checkWebhookUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadRequestError("INVALID_WEBHOOK_URL", "The webhook URL is not a valid absolute URL", { url: raw });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BadRequestError("INVALID_WEBHOOK_URL", "The webhook URL must use http or https", { scheme: url.protocol.replace(/:$/, "") });
  }
  if (url.username || url.password) {
    throw new BadRequestError("INVALID_WEBHOOK_URL", "The webhook URL must not carry credentials; the signature authenticates the gateway", {});
  }
  if (url.hash) throw new BadRequestError("INVALID_WEBHOOK_URL", "The webhook URL must not have a fragment", {});
  return url.toString();
}

/** Subscriptions as their owners (and the administrator) see them: never the secret. */
export class SubscriptionService {
  constructor(
    private readonly repo: SubscriptionsRepository,
    private readonly feed: EventFeed,
    private readonly indexDb: Database.Database,
    private readonly directory: OrgDirectory,
    private readonly dispatcher: WebhookDispatcher,
    private readonly adminOrg: string,
  ) {}

  create(principal: Principal, input: CreateSubscription) {
    const url = checkWebhookUrl(input.url);
    const head = this.feed.head();
    if (input.after !== undefined && input.after > head) {
      throw new BadRequestError("OFFSET_AHEAD", `The feed's newest offset is ${head}`, { after: input.after, head });
    }
    const row = this.repo.insert({
      id: `sub_${crypto.randomUUID()}`,
      orgCode: principal.orgCode,
      apiKeyId: principal.keyId,
      scopes: [...principal.scopes],
      url,
      filter: normaliseFilter(input.filter ?? {}),
      secret: input.secret,
      at: { cursor: input.after ?? head, epoch: this.feed.epoch(), mark: this.feed.mark(input.after ?? head) },
    });
    this.dispatcher.added(row.id);
    return this.dto(row, head);
  }

  list(principal: Principal) {
    const head = this.feed.head();
    return { items: this.repo.list(this.seesAll(principal) ? undefined : principal.orgCode).map((r) => this.dto(r, head)), head };
  }

  get(principal: Principal, id: string) {
    return this.dto(this.owned(principal, id), this.feed.head());
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const row = this.owned(principal, id);
    await this.dispatcher.removed(row.id);
    this.repo.delete(row.id);
  }

  private seesAll(principal: Principal): boolean {
    return principal.orgCode === this.adminOrg;
  }

  /** Another organisation's subscription is answered as absent, so ids reveal nothing. */
  private owned(principal: Principal, id: string): SubscriptionRow {
    const row = this.repo.get(id);
    if (!row || (!this.seesAll(principal) && row.org_code !== principal.orgCode)) {
      throw new NotFoundError("SUBSCRIPTION_NOT_FOUND", `No subscription ${id}`, { id });
    }
    return row;
  }

  private dto(row: SubscriptionRow, head: number) {
    const pendingSince = row.cursor < head ? firstPendingTimestamp(this.indexDb, row.cursor) : null;
    return {
      id: row.id,
      organization: row.org_code,
      url: row.url,
      filter: describeFilter(JSON.parse(row.filter) as EventFilter, this.directory),
      createdAt: row.created_at,
      cursor: row.cursor,
      lag: {
        events: Math.max(0, head - row.cursor),
        seconds: pendingSince === null ? 0 : Math.max(0, Math.floor(Date.now() / 1000) - pendingSince),
      },
      lastDelivery: {
        status: row.last_status,
        error: row.last_error,
        attemptedAt: row.last_attempt_at,
        deliveredAt: row.last_delivered_at,
        consecutiveFailures: row.attempts,
      },
    };
  }
}

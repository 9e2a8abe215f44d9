import crypto from "node:crypto";
import type { ApiKeysRepository } from "../db/repositories/api-keys";
import type { CursorAt, SubscriptionRow, SubscriptionsRepository } from "../db/repositories/subscriptions";
import type { Logger } from "../logger";
import { Waker } from "../util/wake";
import type { EventFeed, EventFilter, FeedItem } from "./events";

export interface WebhookOptions {
  /** A receiver that has not answered within this long has failed the attempt. */
  timeoutMs: number;
  /** First retry delay; doubled after each consecutive failure up to `maxBackoffMs`. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Most events per POST. */
  batchSize: number;
  /** How often an idle worker looks for new events. */
  pollMs: number;
}

export const SIGNATURE_HEADER = "X-Ledger-Signature";
const WATCH_MS = 25;

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>`: the timestamp is signed with the body,
 * so a receiver that refuses old timestamps also refuses replays (the scheme of Stripe's webhooks).
 */
export function signBody(secret: string, body: string, timestamp: number): string {
  const mac = crypto.createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/** The next retry delay after `failures` consecutive failures: exponential, capped. */
export const backoffMs = (failures: number, options: Pick<WebhookOptions, "minBackoffMs" | "maxBackoffMs">): number =>
  Math.min(options.maxBackoffMs, options.minBackoffMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));

/**
 * Delivers the event feed to every subscription's webhook: one worker per subscription, so a slow or dead receiver
 * delays only itself. A worker POSTs the next events after its cursor and moves the cursor only on a 2xx; anything
 * else is retried with capped exponential backoff, for as long as it takes. A crash between the receiver's 2xx and the
 * cursor's update delivers those events again: at least once, in order.
 */
export class WebhookDispatcher {
  private readonly workers = new Map<string, Worker>();
  private running = false;
  private watcher: NodeJS.Timeout | undefined;

  constructor(
    private readonly repo: SubscriptionsRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly feed: EventFeed,
    private readonly log: Logger,
    readonly options: WebhookOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const row of this.repo.list()) this.spawn(row.id);
    // Idle workers sleep; a cheap look at the feed's newest offset wakes them as soon as the indexer adds something.
    this.watcher = setInterval(() => {
      const head = this.feed.head();
      for (const worker of this.workers.values()) worker.newHead(head);
    }, WATCH_MS);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.watcher);
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(workers.map((w) => w.stop()));
  }

  /** A new subscription starts delivering at once (when the dispatcher runs). */
  added(id: string): void {
    if (this.running) this.spawn(id);
  }

  async removed(id: string): Promise<void> {
    const worker = this.workers.get(id);
    this.workers.delete(id);
    await worker?.stop();
  }

  private spawn(id: string): void {
    if (this.workers.has(id)) return;
    const worker = new Worker(id, this.repo, this.apiKeys, this.feed, this.log.child({ subscription: id }), this.options);
    this.workers.set(id, worker);
    worker.start();
  }
}

class Worker {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly waker = new Waker();
  private inFlight: AbortController | undefined;
  /** The cursor at which the worker went idle (nothing after it), if it is idle. */
  private idleAt: number | undefined;

  constructor(
    private readonly id: string,
    private readonly repo: SubscriptionsRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly feed: EventFeed,
    private readonly log: Logger,
    private readonly options: WebhookOptions,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  newHead(head: number): void {
    if (this.idleAt !== undefined && head > this.idleAt) this.waker.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.inFlight?.abort();
    this.waker.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const row = this.repo.get(this.id);
        if (!row) return;
        await this.step(row);
      } catch (err) {
        this.log.error({ err }, "webhook worker step failed; retrying");
        await this.sleep(this.options.maxBackoffMs);
      }
    }
  }

  /** One round: deliver the next batch after the cursor, skip what does not match, or wait for new events. */
  private async step(row: SubscriptionRow): Promise<void> {
    const key = this.apiKeys.get(row.api_key_id);
    if (!key || key.revokedAt) {
      if (row.last_error !== "the API key that created this subscription is revoked") {
        this.repo.failed(row.id, null, "the API key that created this subscription is revoked");
      }
      await this.sleep(this.options.maxBackoffMs);
      return;
    }
    const epoch = this.feed.epoch();
    if (row.feed_epoch !== epoch) {
      await this.rebase(row, epoch);
      return;
    }
    const filter = JSON.parse(row.filter) as EventFilter;
    const { items, next } = this.feed.read(row.cursor, { limit: this.options.batchSize, filter, scopes: new Set(JSON.parse(row.scopes) as string[]) });
    if (next === row.cursor) {
      this.idleAt = row.cursor;
      await this.sleep(this.options.pollMs);
      this.idleAt = undefined;
      return;
    }
    if (items.length === 0) {
      this.repo.delivered(row.id, this.at(next, epoch), null);
      return;
    }
    const outcome = await this.post(row, items);
    if (!this.running) return; // stopped mid-request: the cursor stays, the next start delivers again
    if (outcome.ok) {
      this.repo.delivered(row.id, this.at(next, epoch), outcome.status);
      return;
    }
    this.repo.failed(row.id, outcome.status, outcome.error);
    const delay = backoffMs(row.attempts + 1, this.options);
    this.log.warn({ status: outcome.status, error: outcome.error, retryInMs: delay, firstEvent: items[0].id }, "webhook delivery failed");
    await this.sleep(delay);
  }

  private at(cursor: number, epoch: string): CursorAt {
    return { cursor, epoch, mark: this.feed.mark(cursor) };
  }

  /**
   * The index was rebuilt (or the row predates numberings): offsets now count differently, so the cursor moves to the
   * same place on the chain. A subscription from before numberings were told apart keeps its cursor.
   */
  private async rebase(row: SubscriptionRow, epoch: string): Promise<void> {
    if (row.feed_epoch === null || row.cursor === 0) {
      this.repo.rebase(row.id, this.at(row.cursor, epoch));
      return;
    }
    const mark = row.mark_block === null ? null : { block: row.mark_block, blockHash: row.mark_block_hash! };
    const resumed = this.feed.resume(mark);
    if (resumed === null) {
      // The rebuilt index has not reached the cursor's place yet: delivering now would repeat what was delivered.
      await this.sleep(this.options.pollMs);
      return;
    }
    this.repo.rebase(row.id, this.at(resumed.offset, epoch));
    const context = { from: row.cursor, to: resumed.offset, markBlock: mark?.block ?? null };
    if (resumed.exact) this.log.info(context, "the event feed was renumbered (index rebuilt): cursor moved to the same place on the chain");
    else this.log.warn(context, "the event feed was renumbered and the cursor's block is no longer on the chain: delivering again from the beginning");
  }

  private async post(row: SubscriptionRow, events: FeedItem[]): Promise<{ ok: boolean; status: number | null; error: string }> {
    const body = JSON.stringify({ subscriptionId: row.id, deliveryId: crypto.randomUUID(), events });
    const timestamp = Math.floor(Date.now() / 1000);
    let secret: string;
    try {
      secret = this.repo.secretOf(row);
    } catch {
      // Sealed under another KEYSTORE_PASSWORD: nothing is sent unsigned; the subscription shows why it is stuck.
      return { ok: false, status: null, error: "the subscription's secret cannot be decrypted with this KEYSTORE_PASSWORD" };
    }
    const controller = new AbortController();
    this.inFlight = controller;
    const timer = setTimeout(() => controller.abort(new Error("timeout")), this.options.timeoutMs);
    try {
      const res = await fetch(row.url, {
        method: "POST",
        redirect: "manual",
        signal: controller.signal,
        headers: {
          "content-type": "application/json",
          "user-agent": "city-asset-ledger-webhooks/1",
          [SIGNATURE_HEADER]: signBody(secret, body, timestamp),
          "X-Ledger-Timestamp": String(timestamp),
          "X-Ledger-Subscription": row.id,
        },
        body,
      });
      await res.body?.cancel().catch(() => undefined);
      const ok = res.status >= 200 && res.status < 300;
      return { ok, status: res.status, error: ok ? "" : `the receiver answered HTTP ${res.status}` };
    } catch (err) {
      const reason = controller.signal.aborted
        ? `no answer within ${this.options.timeoutMs} ms`
        : `cannot reach the receiver (${((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message).slice(0, 100)})`;
      return { ok: false, status: null, error: reason };
    } finally {
      clearTimeout(timer);
      this.inFlight = undefined;
    }
  }

  private sleep(ms: number): Promise<void> {
    return this.running ? this.waker.sleep(ms) : Promise.resolve();
  }
}

import crypto from "node:crypto";
import { WebhookReceiver } from "../lib/webhook-receiver";
import type { BenchGateway } from "./lib/gateway-system";
import { rate, summariseLatencies, type LatencySummary } from "./lib/stats";

export interface WebhookBenchResult {
  /** Events already indexed when the subscription was created, delivered from its `after` offset. */
  backlogEvents: number;
  /** Backlog events acknowledged per second by a receiver that answers at once (up to 100 per POST). */
  deliveryEventsPerSecond: number | null;
  posts: number;
  /** From the block's first sighting on the node (polled every 5 ms) to the event's arrival at the receiver. */
  latency: LatencySummary;
  via: string;
}

const dataset = () => {
  const sha = crypto.randomBytes(32).toString("hex");
  return { contentHash: sha, metadataHash: `0x${sha}`, holder: "AGENCY-TRANSPORT", classification: "Open", title: `Bench ${sha.slice(0, 8)}`, uri: "https://opendata.example/bench.csv" };
};

async function until(what: string, deadlineMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Webhook delivery on the running gateway: (1) rate: a backlog of `backlog` dataset registrations is indexed first,
 * then a subscription from before it drains it to a local receiver; (2) latency: `samples` registrations one at a
 * time, each timed from the moment its block appears on the node to the arrival of its events at the receiver.
 */
export async function runWebhookBenchmark(
  sys: BenchGateway,
  plan: { backlog: number; samples: number },
  log: (line: string) => void,
): Promise<WebhookBenchResult> {
  const key = sys.apiKeys["DATA-OFFICE"];
  const register = async () => {
    const res = await sys.call(key, "POST", "/v1/datasets", dataset());
    if (res.status !== 201) throw new Error(`registering a dataset: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    return res.body.transaction.blockNumber as number;
  };
  const head = async () => (await sys.call(key, "GET", "/v1/events?limit=1")).body.head as number;
  const receiver = new WebhookReceiver();
  const port = await receiver.listen();
  const subscriptions: string[] = [];
  const subscribe = async (after: number) => {
    const res = await sys.call(key, "POST", "/v1/subscriptions", { url: `http://127.0.0.1:${port}/`, secret: crypto.randomBytes(16).toString("hex"), after, filter: { contract: "DataAssetRegistry" } });
    if (res.status !== 201) throw new Error(`subscribing: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    subscriptions.push(res.body.id);
  };
  try {
    const from = await head();
    let left = plan.backlog;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (left-- > 0) await register();
    }));
    const backlogEnd = await head();
    const expected = await countMatching(sys, key, from);
    const started = performance.now();
    await subscribe(from);
    await until("the backlog's delivery", 300_000, () => receiver.firstAcknowledged().length >= expected);
    const seconds = (performance.now() - started) / 1000;
    const posts = receiver.acknowledged.length;
    log(`webhooks: ${expected} backlog events (offsets ${from + 1}–${backlogEnd}) delivered in ${seconds.toFixed(2)} s, ${posts} POSTs`);

    // Latency: the node is polled for new blocks; each registration's events are timed from their block's sighting.
    const seenAt = new Map<number, number>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const n = await sys.provider.getBlockNumber();
        if (!seenAt.has(n)) seenAt.set(n, Date.now());
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const latencies: number[] = [];
    try {
      for (let i = 0; i < plan.samples; i++) {
        const before = receiver.acknowledged.length;
        const block = await register();
        await until("the sample's delivery", 30_000, () => receiver.acknowledged.slice(before).some((d) => d.body.includes(`"blockNumber":${block},`)));
        const arrival = receiver.acknowledged.slice(before).find((d) => d.body.includes(`"blockNumber":${block},`))!.receivedAt;
        const mined = seenAt.get(block);
        if (mined !== undefined) latencies.push(arrival - mined);
      }
    } finally {
      polling = false;
      await poller;
    }
    const latency = summariseLatencies(latencies);
    log(`webhooks: block → receiver p50 ${latency.p50ms} ms, p95 ${latency.p95ms} ms over ${latency.count} writes`);
    return {
      backlogEvents: expected,
      deliveryEventsPerSecond: rate(expected, seconds),
      posts,
      latency,
      via: "one subscription (filter contract=DataAssetRegistry) to a receiver in the benchmark process answering 204; gateway defaults (INDEXER_POLL_INTERVAL_MS 500)",
    };
  } finally {
    for (const id of subscriptions) await sys.call(key, "DELETE", `/v1/subscriptions/${id}`);
    await receiver.close();
  }
}

/** How many DataAssetRegistry entries the feed holds after `from`. */
async function countMatching(sys: BenchGateway, key: string, from: number): Promise<number> {
  let count = 0;
  for (let after = from; ; ) {
    const page = (await sys.call(key, "GET", `/v1/events?after=${after}&contract=DataAssetRegistry&limit=500`)).body;
    count += page.items.length;
    if (page.next >= page.head || page.next === after) return count;
    after = page.next;
  }
}

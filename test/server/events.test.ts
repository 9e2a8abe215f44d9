import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Database from "better-sqlite3";
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { ethers, network } from "hardhat";
import pino from "pino";
import request from "supertest";
import { WebhookReceiver } from "../../scripts/lib/webhook-receiver";
import { SubscriptionsRepository } from "../../server/db/repositories/subscriptions";
import { ApiError } from "../../server/errors";
import { migrateIndexer } from "../../server/indexer/schema";
import { EventFeed } from "../../server/services/events";
import type { OrgDirectory } from "../../server/services/org-directory";
import { SecretBox } from "../../server/db/secret-box";
import { signBody, WebhookDispatcher } from "../../server/services/webhooks";
import { startTestGateway, type TestGateway } from "./helpers/gateway";
import { expectError } from "./helpers/http";

const SECRET = "a-webhook-secret-of-some-length";

function datasetBody(holder = "AGENCY-TRANSPORT") {
  const sha = crypto.randomBytes(32).toString("hex");
  return {
    contentHash: sha,
    metadataHash: ethers.sha256(ethers.toUtf8Bytes(`metadata ${sha}`)),
    holder,
    classification: "Core",
    title: `Water quality ${sha.slice(0, 6)}`,
    uri: `https://opendata.cantho.gov.vn/dataset/${sha.slice(0, 8)}.csv`,
  };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function freePort(): Promise<number> {
  const probe = new WebhookReceiver();
  const port = await probe.listen();
  await probe.close();
  return port;
}

describe("events: feed, webhook subscriptions, Server-Sent Events", function () {
  let gw: TestGateway;
  before(async function () {
    gw = await startTestGateway({ env: { WEBHOOK_TIMEOUT_MS: "300", WEBHOOK_MAX_BACKOFF_MS: "200", EVENT_STREAM_HEARTBEAT_MS: "200" } });
  });
  after(async () => gw?.stop());

  const as = (org: string) => ({
    get: (path: string) => request(gw.app).get(path).set(gw.auth(org)),
    post: (path: string, body: object) => request(gw.app).post(path).set(gw.auth(org)).send(body),
    del: (path: string) => request(gw.app).delete(path).set(gw.auth(org)),
  });
  const register = async (holder?: string) => {
    const res = await as("DATA-OFFICE").post("/v1/datasets", datasetBody(holder));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.result.id as string;
  };
  const head = async () => (await as("AUDITOR").get("/v1/events?limit=1").expect(200)).body.head as number;
  const allEvents = async (query: string, org = "AUDITOR") => {
    const items: { id: number; event: string; removed: boolean; args: Record<string, unknown> }[] = [];
    for (let after = 0; ; ) {
      const page = (await as(org).get(`/v1/events?after=${after}&limit=500&${query}`).expect(200)).body;
      items.push(...page.items);
      if (page.next === after || page.next >= page.head) break;
      after = page.next;
    }
    return items;
  };

  describe("GET /v1/events", function () {
    it("pages the feed by offset with filters, each entry decoded as in the audit history", async function () {
      const from = await head();
      const id = await register();
      const page = (await as("AUDITOR").get(`/v1/events?after=${from}&dataset=${id}`).expect(200)).body;
      const registered = page.items.find((e: { event: string }) => e.event === "DatasetRegistered");
      expect(registered).to.include({ removed: false, contract: "DataAssetRegistry" });
      expect(registered.id).to.be.greaterThan(from);
      expect(registered.args).to.include({ id, classification: "Core" });
      expect(page.items.every((e: { id: number }, i: number, all: { id: number }[]) => i === 0 || e.id > all[i - 1].id)).to.equal(true);
      const history = (await as("AUDITOR").get(`/v1/audit/events?dataset=${id}`).expect(200)).body.items;
      const { id: _offset, removed: _removed, ...asInHistory } = registered;
      expect(history.find((e: { event: string }) => e.event === "DatasetRegistered")).to.deep.equal(asInHistory);
      // A filter that matches nothing still moves on, so a reader never stalls.
      const none = (await as("AUDITOR").get(`/v1/events?after=${from}&event=NoSuchEvent`).expect(200)).body;
      expect(none.items).to.deep.equal([]);
      expect(none.next).to.equal(none.head);
    });

    it("shows an organisation only what its read scopes show", async function () {
      const key = (
        await as("CITY-ADMIN").post("/v1/api-keys", { organization: "DATA-OFFICE", scopes: ["events:read", "carbon:read"] }).expect(201)
      ).body.key as string;
      const from = await head();
      await register();
      const page = (await request(gw.app).get(`/v1/events?after=${from}`).set({ Authorization: `Bearer ${key}` }).expect(200)).body;
      expect(page.items).to.deep.equal([]);
      expect(page.next).to.be.greaterThan(from);
      expect((await as("DATA-OFFICE").get(`/v1/events?after=${from}&contract=DataAssetRegistry`).expect(200)).body.items).to.not.deep.equal([]);
    });

    it("refuses offsets that are not plain decimals", async function () {
      for (const bad of ["1e3", "0x10", "%201", "-1", "01"]) {
        await expectError(as("AUDITOR").get(`/v1/events?after=${bad}`), 400, "VALIDATION_FAILED");
      }
    });

    describe("resuming: epoch and chain position", function () {
      const registeredEvent = async (id: string) => {
        const items = (await as("AUDITOR").get(`/v1/events?after=0&limit=500&dataset=${id}&event=DatasetRegistered`).expect(200)).body.items;
        expect(items).to.have.length(1);
        return items[0] as { id: number; blockNumber: number; blockHash: string };
      };

      it("afterBlock with afterBlockHash start with the first event of a later block, whatever the offsets", async function () {
        const first = await registeredEvent(await register());
        const second = await registeredEvent(await register());
        expect(second.blockNumber).to.be.greaterThan(first.blockNumber);
        const page = (await as("AUDITOR").get(`/v1/events?afterBlock=${first.blockNumber}&afterBlockHash=${first.blockHash}&limit=500`).expect(200)).body;
        // Nothing of the block given, everything after it: the page starts at the first entry past that block.
        expect(page.items.every((e: { blockNumber: number }) => e.blockNumber > first.blockNumber)).to.equal(true);
        const ofFirstBlock = (await allEvents("")).filter((e) => (e as unknown as { blockNumber: number }).blockNumber === first.blockNumber);
        expect(page.items[0].id).to.equal(Math.max(...ofFirstBlock.map((e) => e.id)) + 1);
        expect(page.items.map((e: { id: number }) => e.id)).to.include(second.id);
        // A block hash in capitals is the same block.
        const upper = (await as("AUDITOR").get(`/v1/events?afterBlock=${first.blockNumber}&afterBlockHash=0x${first.blockHash.slice(2).toUpperCase()}`).expect(200)).body;
        expect(upper.items[0].id).to.equal(page.items[0].id);
      });

      it("with the feed's epoch, an offset reads as before; with another, 409 FEED_RENUMBERED names the feed's epoch", async function () {
        const { epoch, head: now } = (await as("AUDITOR").get("/v1/events?limit=1").expect(200)).body;
        expect(epoch).to.match(/^[0-9a-f]{32}$/);
        const same = (await as("AUDITOR").get(`/v1/events?after=${now - 1}&epoch=${epoch}`).expect(200)).body;
        expect(same.items.map((e: { id: number }) => e.id)).to.deep.equal([now]);
        const other = epoch.replace(/^./, (c: string) => (c === "0" ? "1" : "0"));
        const res = await expectError(as("AUDITOR").get(`/v1/events?after=${now - 1}&epoch=${other}`), 409, "FEED_RENUMBERED");
        expect(res.body.error.details).to.deep.equal({ epoch, given: other });
      });

      it("refuses a half or doubled position, a malformed epoch, an unknown block hash and a block the chain does not have", async function () {
        const event = await registeredEvent(await register());
        await expectError(as("AUDITOR").get(`/v1/events?afterBlock=${event.blockNumber}`), 400, "VALIDATION_FAILED");
        await expectError(as("AUDITOR").get(`/v1/events?afterBlockHash=${event.blockHash}`), 400, "VALIDATION_FAILED");
        await expectError(as("AUDITOR").get(`/v1/events?after=1&afterBlock=${event.blockNumber}&afterBlockHash=${event.blockHash}`), 400, "VALIDATION_FAILED");
        for (const bad of ["XYZ", "5D0C3AB1F4E2467F9A3C2B7D8E9F0A1B", "5d0c3ab1f4e2467f9a3c2b7d8e9f0a1"]) {
          await expectError(as("AUDITOR").get(`/v1/events?after=1&epoch=${bad}`), 400, "VALIDATION_FAILED");
        }
        const wrong = await expectError(as("AUDITOR").get(`/v1/events?afterBlock=${event.blockNumber}&afterBlockHash=0x${"ab".repeat(32)}`), 409, "BLOCK_NOT_ON_CHAIN");
        expect(wrong.body.error.details).to.deep.equal({ afterBlock: event.blockNumber, afterBlockHash: `0x${"ab".repeat(32)}` });
        // A block beyond the chain's head is no position either.
        await expectError(as("AUDITOR").get(`/v1/events?afterBlock=${event.blockNumber + 1000}&afterBlockHash=${event.blockHash}`), 409, "BLOCK_NOT_ON_CHAIN");
      });

      it("a block the chain has but the index has not reached yet is 503 INDEX_BEHIND (try again); with another hash, 409", async function () {
        await gw.services.index.stop();
        try {
          await network.provider.send("evm_mine");
          const block = (await ethers.provider.getBlock("latest"))!;
          const behind = await expectError(as("AUDITOR").get(`/v1/events?afterBlock=${block.number}&afterBlockHash=${block.hash}`), 503, "INDEX_BEHIND");
          expect(behind.body.error.details).to.deep.equal({ afterBlock: block.number });
          await expectError(as("AUDITOR").get(`/v1/events?afterBlock=${block.number}&afterBlockHash=0x${"cd".repeat(32)}`), 409, "BLOCK_NOT_ON_CHAIN");
        } finally {
          gw.services.index.start();
        }
      });
    });
  });

  describe("subscriptions", function () {
    it("refuses webhook URLs that are not http(s) or that carry credentials", async function () {
      for (const url of ["ftp://example.org/hook", "javascript:alert(1)", "https://user:pw@example.org/hook", "not a url", "https://example.org/#frag"]) {
        await expectError(as("AGENCY-TRANSPORT").post("/v1/subscriptions", { url, secret: SECRET }), 400, "INVALID_WEBHOOK_URL");
      }
      await expectError(as("AGENCY-TRANSPORT").post("/v1/subscriptions", { url: "https://example.org/hook", secret: "short" }), 400, "VALIDATION_FAILED");
    });

    it("lists an organisation's own subscriptions (the administrator's: all), never the secret", async function () {
      const created = (await as("AGENCY-TRANSPORT").post("/v1/subscriptions", { url: "https://example.org/hook", secret: SECRET, filter: { org: "AGENCY-TRANSPORT" } }).expect(201)).body;
      expect(JSON.stringify(created)).to.not.include(SECRET);
      // At rest the secret is sealed under the keystore password (AES-256-GCM), not kept in clear in gateway.db.
      const stored = (gw.db.prepare("SELECT secret FROM subscriptions WHERE id = ?").get(created.id) as { secret: string }).secret;
      expect(stored).to.match(/^sealed:v1:/).and.not.include(SECRET);
      expect(created.filter).to.deep.equal({ org: "AGENCY-TRANSPORT" });
      expect(created.lag).to.deep.equal({ events: 0, seconds: 0 });
      const own = (await as("AGENCY-TRANSPORT").get("/v1/subscriptions").expect(200)).body.items.map((s: { id: string }) => s.id);
      expect(own).to.include(created.id);
      expect((await as("CITY-ADMIN").get("/v1/subscriptions").expect(200)).body.items.map((s: { id: string }) => s.id)).to.include(created.id);
      expect((await as("DONRE").get("/v1/subscriptions").expect(200)).body.items.map((s: { id: string }) => s.id)).to.not.include(created.id);
      await expectError(as("DONRE").get(`/v1/subscriptions/${created.id}`), 404, "SUBSCRIPTION_NOT_FOUND");
      await expectError(as("DONRE").del(`/v1/subscriptions/${created.id}`), 404, "SUBSCRIPTION_NOT_FOUND");
      await as("AGENCY-TRANSPORT").del(`/v1/subscriptions/${created.id}`).expect(200, { id: created.id, deleted: true });
      await expectError(as("AGENCY-TRANSPORT").get(`/v1/subscriptions/${created.id}`), 404, "SUBSCRIPTION_NOT_FOUND");
    });

    it("delivers every event, in order, through a receiver that is down, answers 500, times out and recovers", async function () {
      const receiver = new WebhookReceiver();
      const port = await freePort();
      const from = await head();
      const sub = (
        await as("DATA-OFFICE").post("/v1/subscriptions", { url: `http://127.0.0.1:${port}/hook`, secret: SECRET, filter: { contract: "DataAssetRegistry" } }).expect(201)
      ).body;
      const state = async () => (await as("DATA-OFFICE").get(`/v1/subscriptions/${sub.id}`).expect(200)).body;
      try {
        await register();
        await until("a refused connection", async () => /cannot reach/.test((await state()).lastDelivery.error ?? ""));
        const down = await state();
        expect(down.cursor).to.equal(from);
        expect(down.lag.events).to.be.greaterThan(0);

        receiver.mode = "fail";
        await receiver.listen(port);
        await register();
        await until("an answer of 500", async () => (await state()).lastDelivery.status === 500);
        expect((await state()).cursor).to.equal(from);

        receiver.mode = "hang";
        await until("a timeout", async () => /no answer within 300 ms/.test((await state()).lastDelivery.error ?? ""));
        expect((await state()).lastDelivery.consecutiveFailures).to.be.greaterThan(1);

        receiver.mode = "ok";
        await register();
        await until("delivery to catch up", async () => (await state()).lag.events === 0 && (await head()) === (await state()).cursor);
        const caughtUp = await state();
        expect(caughtUp.lastDelivery).to.include({ status: 204, error: null, consecutiveFailures: 0 });
        expect(caughtUp.lag).to.deep.equal({ events: 0, seconds: 0 });
      } finally {
        await as("DATA-OFFICE").del(`/v1/subscriptions/${sub.id}`);
        await receiver.close();
      }

      const expected = (await allEvents("contract=DataAssetRegistry")).filter((e) => e.id > from).map((e) => e.id);
      expect(expected.length).to.be.at.least(3);
      const firstSeen = receiver.firstAcknowledged();
      expect(firstSeen).to.deep.equal(expected); // none missing, none out of order, nothing else
      for (const d of receiver.deliveries) {
        expect(d.signature).to.equal(signBody(SECRET, d.body, Number(d.timestamp)));
        expect(d.ids).to.deep.equal([...d.ids].sort((a, b) => a - b));
      }
      expect(receiver.deliveries.length).to.be.greaterThan(receiver.acknowledged.length);
    });

    it("sends nothing while the secret cannot be opened with the keystore password, says why, and delivers signed once it can", async function () {
      const receiver = new WebhookReceiver();
      const port = await receiver.listen();
      const sub = (await as("DATA-OFFICE").post("/v1/subscriptions", { url: `http://127.0.0.1:${port}/`, secret: SECRET, filter: { contract: "DataAssetRegistry" } }).expect(201)).body;
      // The gateway's own dispatcher lets this subscription go; one whose box has another password takes it.
      await gw.services.webhooks.removed(sub.id);
      const otherPassword = new WebhookDispatcher(
        new SubscriptionsRepository(gw.db, new SecretBox("not the keystore password", "webhook-secrets")),
        gw.services.stack.repos.apiKeys,
        gw.services.events,
        pino({ level: "silent" }),
        { timeoutMs: 300, minBackoffMs: 50, maxBackoffMs: 200, batchSize: 100, pollMs: 50 },
      );
      const state = async () => (await as("DATA-OFFICE").get(`/v1/subscriptions/${sub.id}`).expect(200)).body;
      try {
        otherPassword.start();
        const id = await register();
        await until("the refusal to sign", async () => /cannot be decrypted with this KEYSTORE_PASSWORD/.test((await state()).lastDelivery.error ?? ""));
        expect((await state()).lastDelivery.status).to.equal(null);
        expect(receiver.deliveries).to.deep.equal([]);
        await otherPassword.stop();
        gw.services.webhooks.added(sub.id);
        await until("the delivery", () => receiver.acknowledged.some((d) => JSON.parse(d.body).events.some((e: { args: { id?: string } }) => e.args.id === id)));
        for (const d of receiver.deliveries) expect(d.signature).to.equal(signBody(SECRET, d.body, Number(d.timestamp)));
      } finally {
        await otherPassword.stop();
        await as("DATA-OFFICE").del(`/v1/subscriptions/${sub.id}`);
        await receiver.close();
      }
    });

    it("keeps the cursor of a subscription stored before feed numberings were told apart (no epoch): nothing old again", async function () {
      const receiver = new WebhookReceiver();
      const port = await receiver.listen();
      await register();
      const sub = (await as("DATA-OFFICE").post("/v1/subscriptions", { url: `http://127.0.0.1:${port}/`, secret: SECRET, filter: { contract: "DataAssetRegistry" } }).expect(201)).body;
      await gw.services.webhooks.removed(sub.id);
      gw.db.prepare("UPDATE subscriptions SET feed_epoch = NULL, mark_block = NULL, mark_block_hash = NULL WHERE id = ?").run(sub.id);
      try {
        gw.services.webhooks.added(sub.id);
        const id = await register();
        await until("the delivery", () => receiver.acknowledged.some((d) => JSON.parse(d.body).events.some((e: { args: { id?: string } }) => e.args.id === id)));
        expect(Math.min(...receiver.firstAcknowledged())).to.be.greaterThan(sub.cursor);
        const row = gw.db.prepare("SELECT feed_epoch FROM subscriptions WHERE id = ?").get(sub.id) as { feed_epoch: string | null };
        expect(row.feed_epoch).to.equal(gw.services.events.epoch());
      } finally {
        await as("DATA-OFFICE").del(`/v1/subscriptions/${sub.id}`);
        await receiver.close();
      }
    });

    it("keeps delivering to a healthy receiver while another one hangs", async function () {
      const [slow, fast] = [new WebhookReceiver(), new WebhookReceiver()];
      slow.mode = "hang";
      const [slowPort, fastPort] = [await slow.listen(), await fast.listen()];
      const subs = [];
      try {
        for (const port of [slowPort, fastPort]) {
          subs.push((await as("DATA-OFFICE").post("/v1/subscriptions", { url: `http://127.0.0.1:${port}/`, secret: SECRET }).expect(201)).body.id as string);
        }
        const id = await register();
        await until("the fast receiver", () => fast.acknowledged.some((d) => JSON.parse(d.body).events.some((e: { args: { id?: string } }) => e.args.id === id)));
        expect(slow.acknowledged).to.deep.equal([]);
      } finally {
        for (const sub of subs) await as("DATA-OFFICE").del(`/v1/subscriptions/${sub}`);
        await slow.close();
        await fast.close();
      }
    });
  });

  describe("GET /v1/events/stream", function () {
    let server: http.Server;
    let base: string;
    before(async function () {
      server = http.createServer(gw.app);
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async function () {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    /** Reads the stream until `enough` says stop, then disconnects. */
    function follow(path: string, headers: Record<string, string>, enough: (messages: { id?: number; event?: string; data?: string }[], raw: string) => boolean) {
      return new Promise<{ messages: { id?: number; event?: string; data?: string }[]; raw: string; contentType: string }>((resolve, reject) => {
        const req = http.get(`${base}${path}`, { headers: { ...gw.auth("AUDITOR"), ...headers } }, (res) => {
          let raw = "";
          const timer = setTimeout(() => (req.destroy(), reject(new Error(`stream timed out: ${raw}`))), 15_000);
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            raw += chunk;
            const messages = raw
              .split("\n\n")
              .slice(0, -1)
              .filter((block) => !block.startsWith(":"))
              .map((block) => Object.fromEntries(block.split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)])))
              .map((m) => ({ ...m, id: m.id === undefined ? undefined : Number(m.id) }));
            if (enough(messages, raw)) {
              clearTimeout(timer);
              req.destroy();
              resolve({ messages, raw, contentType: String(res.headers["content-type"]) });
            }
          });
        });
        req.on("error", (err) => (err.message.includes("aborted") ? undefined : reject(err)));
      });
    }

    it("streams new events with heartbeats and resumes after a disconnect from Last-Event-ID", async function () {
      const from = await head();
      await register();
      await register();
      const first = await follow(`/v1/events/stream?after=${from}&event=DatasetRegistered`, {}, (m) => m.length >= 1);
      expect(first.contentType).to.match(/^text\/event-stream/);
      const seen = first.messages[0];
      expect(seen.event).to.equal("event");
      expect(JSON.parse(seen.data!)).to.include({ id: seen.id, event: "DatasetRegistered" });

      await register();
      const expected = (await allEvents("event=DatasetRegistered")).filter((e) => e.id > seen.id!).map((e) => e.id);
      expect(expected.length).to.equal(2);
      const resumed = await follow(`/v1/events/stream?event=DatasetRegistered`, { "Last-Event-ID": String(seen.id) }, (m, raw) => m.length >= 2 && raw.includes(": heartbeat"));
      expect(resumed.messages.map((m) => m.id)).to.deep.equal(expected);
    });

    it("resumes a Last-Event-ID of the feed's epoch; one of another epoch is refused 409 before the stream opens", async function () {
      const { epoch } = (await as("AUDITOR").get("/v1/events?limit=1").expect(200)).body;
      const from = await head();
      await register();
      const resumed = await follow(`/v1/events/stream?event=DatasetRegistered&epoch=${epoch}`, { "Last-Event-ID": String(from) }, (m) => m.length >= 1);
      expect(resumed.messages[0].id).to.be.greaterThan(from);
      const other = epoch.replace(/^./, (c: string) => (c === "0" ? "1" : "0"));
      const refused = await request(gw.app).get(`/v1/events/stream?epoch=${other}`).set({ ...gw.auth("AUDITOR"), "Last-Event-ID": String(from) });
      expect(refused.status).to.equal(409);
      expect(refused.body.error).to.include({ code: "FEED_RENUMBERED" });
    });

    it("starts after a block given by afterBlock and afterBlockHash", async function () {
      await register();
      const last = (await allEvents("event=DatasetRegistered")).at(-1) as unknown as { id: number; blockNumber: number; blockHash: string };
      await register();
      const next = await follow(`/v1/events/stream?event=DatasetRegistered&afterBlock=${last.blockNumber}&afterBlockHash=${last.blockHash}`, {}, (m) => m.length >= 1);
      expect(next.messages[0].id).to.be.greaterThan(last.id);
      expect(JSON.parse(next.messages[0].data!).blockNumber).to.be.greaterThan(last.blockNumber);
    });

    it("refuses a Last-Event-ID that is not an offset", async function () {
      const res = await request(gw.app).get("/v1/events/stream").set({ ...gw.auth("AUDITOR"), "Last-Event-ID": "0x10" });
      expect(res.status).to.equal(400);
      expect(res.body.error).to.include({ code: "VALIDATION_FAILED" });
    });
  });
});

describe("webhooks across an index rebuild (the feed renumbered)", function () {
  this.timeout(120_000);
  const env = { WEBHOOK_TIMEOUT_MS: "300", WEBHOOK_MAX_BACKOFF_MS: "200" };
  const receiver = new WebhookReceiver();
  let gw: TestGateway | undefined;
  after(async () => {
    await gw?.stop();
    await receiver.close();
  });

  const post = (g: TestGateway, org: string, p: string, body: object) => request(g.app).post(p).set(g.auth(org)).send(body);
  const get = (g: TestGateway, org: string, p: string) => request(g.app).get(p).set(g.auth(org));
  const register = async (g: TestGateway) => {
    const res = await post(g, "DATA-OFFICE", "/v1/datasets", datasetBody());
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.result.id as string;
  };
  const received = (id: string) => receiver.acknowledged.some((d) => JSON.parse(d.body).events.some((e: { event: string; args: { id?: string } }) => e.event === "DatasetRegistered" && e.args.id === id));

  it("moves the cursor to the same place on the chain: nothing after it is missed, though the offsets now count fewer entries", async function () {
    gw = await startTestGateway({ env });
    const first = gw;
    // A reorg the feed records: a registration mined, lost with its block, sent again by the outbox and mined anew.
    const fork = await network.provider.send("evm_snapshot");
    const lost = await post(first, "DATA-OFFICE", "/v1/datasets", datasetBody()).expect(201);
    await until("the index to see the registration", async () => (await get(first, "AUDITOR", `/v1/datasets/${lost.body.result.id}`)).status === 200);
    await network.provider.send("evm_revert", [fork]);
    await until("the outbox to send it again", async () => (await ethers.provider.getTransactionReceipt(lost.body.transaction.hash)) !== null);
    await register(first); // a block on top, so the indexer sees the parent hash change
    await until("the feed to record the reorg", async () => {
      const page = (await get(first, "AUDITOR", `/v1/events?after=0&limit=500&contract=DataAssetRegistry`).expect(200)).body;
      return page.items.some((e: { removed: boolean }) => e.removed) && page.items.filter((e: { removed: boolean }) => !e.removed).length >= 4;
    });

    const port = await receiver.listen();
    const sub = (await post(first, "DATA-OFFICE", "/v1/subscriptions", { url: `http://127.0.0.1:${port}/`, secret: SECRET, filter: { contract: "DataAssetRegistry" } }).expect(201)).body;
    const before = await register(first);
    await until("the delivery before the rebuild", () => received(before));
    const { head: oldHead, epoch: oldEpoch } = (await get(first, "AUDITOR", "/v1/events?limit=1").expect(200)).body as { head: number; epoch: string };
    // What a pull reader last processed: the newest event before the rebuild.
    const lastSeen = (await get(first, "AUDITOR", `/v1/events?after=${oldHead - 1}`).expect(200)).body.items[0] as { blockNumber: number; blockHash: string };

    // The index is deleted and rebuilt from the chain: the lost branch's entries are not numbered again.
    await first.stop();
    for (const f of ["index.db", "index.db-wal", "index.db-shm"]) fs.rmSync(path.join(first.dataDir, f), { force: true });
    gw = await startTestGateway({ env, dataDir: first.dataDir });
    const second = gw;
    await until("the rebuilt index", async () => (await get(second, "AUDITOR", "/v1/events?limit=1").expect(200)).body.head > 0);
    const after = await register(second);
    await until("the delivery after the rebuild", () => received(after));
    expect((await get(second, "AUDITOR", "/v1/events?limit=1").expect(200)).body.head).to.be.lessThan(oldHead + 2);

    // A pull reader that kept its offset and the epoch is told of the renumbering, and resumes by chain position.
    const stale = await get(second, "AUDITOR", `/v1/events?after=${oldHead}&epoch=${oldEpoch}`);
    expect(stale.status).to.equal(409);
    expect(stale.body.error).to.include({ code: "FEED_RENUMBERED" });
    expect(stale.body.error.details.epoch).to.not.equal(oldEpoch);
    const resumed = (await get(second, "AUDITOR", `/v1/events?afterBlock=${lastSeen.blockNumber}&afterBlockHash=${lastSeen.blockHash}&limit=500&contract=DataAssetRegistry`).expect(200)).body;
    const resumedIds = resumed.items.filter((e: { event: string }) => e.event === "DatasetRegistered").map((e: { args: { id: string } }) => e.args.id);
    expect(resumedIds).to.deep.equal([after]);

    const state = (await get(second, "DATA-OFFICE", `/v1/subscriptions/${sub.id}`).expect(200)).body;
    expect(state.lastDelivery.error).to.equal(null);
    // At least once: what was delivered before the rebuild may come again, but no more than the block of the cursor.
    const registered = receiver.acknowledged.flatMap((d) => JSON.parse(d.body).events).filter((e: { event: string }) => e.event === "DatasetRegistered");
    const blocks = new Set(registered.filter((e: { args: { id: string } }) => e.args.id === before).map((e: { blockNumber: number }) => e.blockNumber));
    expect(blocks.size).to.equal(1);
    expect(registered.filter((e: { args: { id: string } }) => e.args.id !== before && e.args.id !== after)).to.deep.equal([]);
  });
});

describe("EventFeed#startAfter: asking the node about a chain position", function () {
  const mark = { afterBlock: 7, afterBlockHash: `0x${"ab".repeat(32)}` };
  const feedWith = (getBlock: (n: number) => Promise<{ hash: string | null } | null>) => {
    const db = new Database(":memory:");
    migrateIndexer(db);
    return new EventFeed(db, {} as OrgDirectory, { getBlock });
  };
  const codeOf = async (feed: EventFeed) => {
    try {
      await feed.startAfter(mark, () => 0);
    } catch (err) {
      return err instanceof ApiError ? `${err.status} ${err.code}` : `not an ApiError: ${String(err)}`;
    }
    return "accepted";
  };

  it("a block the chain has but the index has not reached is 503 INDEX_BEHIND", async function () {
    expect(await codeOf(feedWith(async () => ({ hash: mark.afterBlockHash })))).to.equal("503 INDEX_BEHIND");
  });

  it("a node that cannot be reached is 503 CHAIN_UNAVAILABLE", async function () {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(await codeOf(feedWith(async () => Promise.reject(refused)))).to.equal("503 CHAIN_UNAVAILABLE");
  });

  it("a node that answers the question with an error has not shown the block: 409 BLOCK_NOT_ON_CHAIN, never a 500", async function () {
    const rpcError = Object.assign(new Error("invalid params"), { code: "UNKNOWN_ERROR", error: { code: -32602, message: "invalid params" } });
    expect(await codeOf(feedWith(async () => Promise.reject(rpcError)))).to.equal("409 BLOCK_NOT_ON_CHAIN");
  });
});

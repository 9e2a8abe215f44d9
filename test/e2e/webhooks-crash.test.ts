import crypto from "node:crypto";
import fs from "node:fs";
import { expect } from "chai";
import { ethers } from "ethers";
import { WebhookReceiver } from "../../scripts/lib/webhook-receiver";
import { GatewayProcess, api, freePort, tempDataDir, waitFor } from "./helpers/processes";

const dataset = () => {
  const sha = crypto.randomBytes(32).toString("hex");
  return { contentHash: sha, metadataHash: ethers.id(sha), holder: "AGENCY-TRANSPORT", classification: "Open", title: `Bus stops ${sha.slice(0, 6)}`, uri: "https://opendata.example/stops.csv" };
};

describe("webhook delivery across a gateway crash (real processes, embedded anvil)", function () {
  this.timeout(300_000);
  const receiver = new WebhookReceiver();
  const started: GatewayProcess[] = [];
  after(async function () {
    for (const gw of started) await gw.cleanup();
    for (const dir of new Set(started.map((gw) => gw.dataDir))) fs.rmSync(dir, { recursive: true, force: true });
    await receiver.close();
  });

  async function launch(dataDir: string, port: number, chainPort: number) {
    // A long timeout keeps the first gateway waiting on the receiver: it is killed in the middle of a delivery.
    const gw = new GatewayProcess(dataDir, port, chainPort, { env: { WEBHOOK_TIMEOUT_MS: "60000", WEBHOOK_MAX_BACKOFF_MS: "500", INDEXER_POLL_INTERVAL_MS: "100" } });
    started.push(gw);
    await gw.ready();
    return gw;
  }

  it("kill -9 while a POST is in flight: after the restart every event arrives, in order, none missing", async function () {
    const [dataDir, port, chainPort] = [tempDataDir(), await freePort(), await freePort()];
    receiver.mode = "hang";
    const hookPort = await receiver.listen();
    let gw = await launch(dataDir, port, chainPort);
    const office = gw.credentials().organizations["DATA-OFFICE"].apiKey;
    const secret = "crash-test-webhook-secret";
    const sub = await api(gw, office, "POST", "/v1/subscriptions", { url: `http://127.0.0.1:${hookPort}/hook`, secret, filter: { contract: "DataAssetRegistry" } });
    expect(sub.status, JSON.stringify(sub.body)).to.equal(201);
    const from = sub.body.cursor as number;

    for (let i = 0; i < 3; i++) expect((await api(gw, office, "POST", "/v1/datasets", dataset())).status).to.equal(201);
    await waitFor("a delivery in flight", 30_000, async () => receiver.deliveries.length > 0);
    await gw.crash();
    expect(receiver.acknowledged).to.deep.equal([]);

    receiver.mode = "ok";
    gw = await launch(dataDir, port, chainPort);
    expect((await api(gw, office, "POST", "/v1/datasets", dataset())).status).to.equal(201);
    const expected: number[] = [];
    for (let after = from; ; ) {
      const page = await api(gw, office, "GET", `/v1/events?after=${after}&contract=DataAssetRegistry&limit=500`);
      expected.push(...page.body.items.map((e: { id: number }) => e.id));
      if (page.body.next >= page.body.head) break;
      after = page.body.next;
    }
    expect(expected.length).to.be.at.least(4 * 2); // a Transfer and a DatasetRegistered per dataset
    await waitFor("every event to be acknowledged", 60_000, async () => receiver.firstAcknowledged().length >= expected.length);
    expect(receiver.firstAcknowledged()).to.deep.equal(expected);
    const state = await waitFor("the cursor to reach the last event", 10_000, async () => {
      const res = await api(gw, office, "GET", `/v1/subscriptions/${sub.body.id}`);
      return res.body.cursor >= expected[expected.length - 1] && res.body;
    });
    expect(state.lastDelivery).to.include({ status: 204, error: null });
  });
});

import fs from "node:fs";
import { expect } from "chai";
import { ethers } from "ethers";
import { GatewayProcess, api, freePort, isAlive, tempDataDir, waitFor } from "./helpers/processes";

const DATASET = {
  contentHash: "5e".repeat(32),
  metadataHash: `0x${"6f".repeat(32)}`,
  holder: "AGENCY-TRANSPORT",
  classification: "Open",
  title: "Traffic counts",
  uri: "https://opendata.example/traffic.csv",
};
const DATASET_ID = `0x${DATASET.contentHash}`;
const valuation = (i: number) => ({
  amountVnd: String(1_000_000 + i),
  valuationDate: "2025-01-01",
  method: "cost",
  appraiser: "SAV",
  reportHash: ethers.id(`report ${i}`),
});

/**
 * Valuations are append-only events: one executed twice would show twice. So they measure "exactly once".
 * Reads come from the gateway's index, which catches up with transactions the outbox re-sent (and rolls back blocks
 * the node lost) on its own schedule: wait, bounded, until it shows at least `expected` valuations.
 */
async function valuationCounts(gw: GatewayProcess, key: string, expected = 1): Promise<Map<string, { count: number; tx: string }>> {
  let last: { status: number; body: any } | undefined;
  try {
    await waitFor("the index to show the valuations", 30_000, async () => {
      last = await api(gw, key, "GET", `/v1/datasets/${DATASET_ID}`);
      return last.status === 200 && (last.body.valuations as unknown[]).length >= expected;
    });
  } catch {
    // fall through: the assertions below say what was seen
  }
  const res = last!;
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  const counts = new Map<string, { count: number; tx: string }>();
  for (const v of res.body.valuations as { amountVnd: string; transactionHash: string }[]) {
    const seen = counts.get(v.amountVnd);
    counts.set(v.amountVnd, { count: (seen?.count ?? 0) + 1, tx: v.transactionHash });
  }
  return counts;
}

describe("crash safety (real processes, embedded anvil)", function () {
  this.timeout(300_000);
  const started: GatewayProcess[] = [];
  after(async function () {
    for (const gw of started) await gw.cleanup();
    for (const dir of new Set(started.map((gw) => gw.dataDir))) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function launch(dataDir: string, port: number, chainPort: number, env: Record<string, string> = {}) {
    const gw = new GatewayProcess(dataDir, port, chainPort, { env });
    started.push(gw);
    await gw.ready();
    return gw;
  }

  it("kill -9 of the gateway mid-stream: every 2xx is on chain exactly once; retried requests complete once", async function () {
    const [dataDir, port, chainPort] = [tempDataDir(), await freePort(), await freePort()];
    let gw = await launch(dataDir, port, chainPort);
    const office = gw.credentials().organizations["DATA-OFFICE"].apiKey;
    expect((await api(gw, office, "POST", "/v1/datasets", DATASET)).status).to.equal(201);

    const total = 40;
    const answered = new Map<number, string>(); // i → transaction hash of a 2xx
    let next = 0;
    let crashed = false;
    const worker = async () => {
      while (!crashed && next < total) {
        const i = next++;
        try {
          const res = await api(gw, office, "POST", `/v1/datasets/${DATASET_ID}/valuations`, valuation(i), { "Idempotency-Key": `valuation-${i}` });
          if (res.status === 201) answered.set(i, res.body.transaction.hash);
        } catch {
          // the connection died with the gateway: this request's fate is unknown to the client
        }
      }
    };
    const workers = [worker(), worker(), worker(), worker()];
    await waitFor("a dozen answered writes", 60_000, async () => answered.size >= 12);
    crashed = true;
    await gw.crash();
    await Promise.all(workers);
    expect(answered.size).to.be.lessThan(total);

    gw = await launch(dataDir, port, chainPort);
    // The client retries everything it has no answer for, with the same keys.
    for (let i = 0; i < total; i++) {
      if (answered.has(i)) continue;
      const res = await api(gw, office, "POST", `/v1/datasets/${DATASET_ID}/valuations`, valuation(i), { "Idempotency-Key": `valuation-${i}` });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      answered.set(i, res.body.transaction.hash);
    }
    const counts = await valuationCounts(gw, office, total);
    for (let i = 0; i < total; i++) {
      const entry = counts.get(String(1_000_000 + i));
      expect(entry?.count, `valuation ${i}`).to.equal(1);
      expect(entry!.tx).to.equal(answered.get(i));
    }
    expect(counts.size).to.equal(total);
    // An answered request replayed after the crash gets its first answer, and runs nothing again.
    const replay = await api(gw, office, "POST", `/v1/datasets/${DATASET_ID}/valuations`, valuation(0), { "Idempotency-Key": "valuation-0" });
    expect(replay.body.transaction.hash).to.equal(answered.get(0));
    expect((await valuationCounts(gw, office)).get("1000000")!.count).to.equal(1);
  });

  it("kill -9 of the chain node: the outbox re-sends what the chain lost, live and after a full restart", async function () {
    const [dataDir, port, chainPort] = [tempDataDir(), await freePort(), await freePort()];
    // The node dumps its state only on a clean exit here, so a kill loses every block since it started: the
    // outbox must rebuild everything (deployment included) from the transactions it kept.
    let gw = await launch(dataDir, port, chainPort, { CHAIN_STATE_INTERVAL: "3600" });
    const office = gw.credentials().organizations["DATA-OFFICE"].apiKey;
    expect((await api(gw, office, "POST", "/v1/datasets", DATASET)).status).to.equal(201);
    const hashes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api(gw, office, "POST", `/v1/datasets/${DATASET_ID}/valuations`, valuation(i));
      expect(res.status).to.equal(201);
      hashes.push(res.body.transaction.hash);
    }

    const rpc = new ethers.JsonRpcProvider(`http://127.0.0.1:${chainPort}`, undefined, { staticNetwork: true, cacheTimeout: -1 });
    try {
      const firstNode = gw.chainPid()!;
      process.kill(firstNode, "SIGKILL");
      await waitFor("the node to be restarted by the gateway", 30_000, async () => {
        const pid = gw.chainPid();
        return pid !== undefined && pid !== firstNode && isAlive(pid);
      });
      await waitFor("the lost transactions to be mined again", 60_000, async () => {
        const receipts = await Promise.all(hashes.map((h) => rpc.getTransactionReceipt(h)));
        return receipts.every((r) => r?.status === 1);
      });
      expect(gw.output.some((l) => l.includes("the chain lost transactions it had mined"))).to.equal(true);
      let counts = await valuationCounts(gw, office, 5);
      for (let i = 0; i < 5; i++) expect(counts.get(String(1_000_000 + i))?.count).to.equal(1);

      // Now both die at once (a power cut): the gateway first, then its node, which again dumped nothing.
      const secondNode = gw.chainPid()!;
      await gw.crash();
      process.kill(secondNode, "SIGKILL");
      await waitFor("the node to die", 10_000, async () => !isAlive(secondNode));
      gw = await launch(dataDir, port, chainPort, { CHAIN_STATE_INTERVAL: "3600" });
      counts = await valuationCounts(gw, office, 5);
      for (let i = 0; i < 5; i++) expect(counts.get(String(1_000_000 + i))?.count).to.equal(1);
      for (const h of hashes) expect((await rpc.getTransactionReceipt(h))?.status).to.equal(1);
      const more = await api(gw, office, "POST", `/v1/datasets/${DATASET_ID}/valuations`, valuation(99));
      expect(more.status).to.equal(201);
    } finally {
      rpc.destroy();
    }
  });

  it("the node killed ten times in a minute: restarted every time, /ready says why meanwhile; then writes succeed and nothing accepted is lost", async function () {
    // Each node is killed before its first state dump, so every restart loses the dataset's registration again: the
    // write after the last restart must wait until the outbox has sent it again (it answered 404 before that wait).
    const [dataDir, port, chainPort] = [tempDataDir(), await freePort(), await freePort()];
    // Writes made while the node is down answer 202 after a second instead of holding the loop.
    const gw = await launch(dataDir, port, chainPort, { TX_WAIT_TIMEOUT_MS: "1000" });
    const office = gw.credentials().organizations["DATA-OFFICE"].apiKey;
    expect((await api(gw, office, "POST", "/v1/datasets", DATASET)).status).to.equal(201);
    const accepted: number[] = [];
    const sawDown: any[] = [];
    const started = Date.now();
    for (let kill = 0; kill < 10; kill++) {
      const pid = gw.chainPid()!;
      process.kill(pid, "SIGKILL");
      await waitFor("the node to die", 10_000, async () => !isAlive(pid));
      // A write while the node is down: accepted (kept in the outbox) or refused, never lost once accepted.
      const res = await api(gw, office, "POST", `/v1/datasets/${DATASET_ID}/valuations`, valuation(kill));
      if (res.status === 201 || res.status === 202) accepted.push(kill);
      else expect(res.body.error.code, JSON.stringify(res.body)).to.equal("CHAIN_UNAVAILABLE");
      const ready = await api(gw, "", "GET", "/ready");
      if (ready.status === 503 && ready.body.error.details.checks.node?.ok === false) sawDown.push(ready.body.error.details.checks.node.details);
      await waitFor("the node to be restarted by the gateway", 30_000, async () => {
        const next = gw.chainPid();
        if (next === undefined || next === pid || !isAlive(next)) return false;
        const r = await api(gw, "", "GET", "/ready");
        return r.status === 200 && r.body.checks.node.details.state === "running";
      });
    }
    expect(Date.now() - started).to.be.below(60_000);
    expect(gw.output.some((l) => l.includes("keeps dying"))).to.equal(false);
    // /ready said why, without internal error text (no host, port or file names).
    expect(sawDown.length).to.be.greaterThan(0);
    for (const node of sawDown) {
      expect(node.state).to.be.oneOf(["restarting", "starting"]);
      expect(JSON.stringify(node)).to.not.match(/127\.0\.0\.1|\/tmp|ECONN/);
    }
    const last = (await api(gw, "", "GET", "/ready")).body.checks.node.details;
    expect(last.restarts).to.equal(10);

    const after = await api(gw, office, "POST", `/v1/datasets/${DATASET_ID}/valuations`, valuation(100));
    expect(after.status, JSON.stringify(after.body)).to.equal(201);
    const counts = await valuationCounts(gw, office, accepted.length + 1);
    for (const i of [...accepted, 100]) expect(counts.get(String(1_000_000 + i))?.count, `valuation ${i}`).to.equal(1);
  });
});

/**
 * Benchmark 5: write throughput of the embedded node as the ledger grows. Credit transfers from `clients` signers at
 * once (each waits for its receipt before the next, as a gateway client does), on an empty ledger and then with more
 * and more datasets registered (batches of 200, sent directly). anvil recomputes the state root over the whole state
 * at every block, so what matters is how many transactions share a block: the default node (a block as soon as a
 * transaction is pending, at most one per CHAIN_BLOCK_PERIOD_MS) against anvil's automine (a block per transaction).
 * A single client's latency is measured too: the block period's price when the node is idle.
 */
import { ethers, type Wallet } from "ethers";
import { Sender, deployWorld, startNode, type StartedNode, type World } from "./lib/chain";
import type { GrowthPoint } from "./lib/report";
import { percentile, rate, round } from "./lib/stats";

export interface GrowthVariant {
  name: string;
  /** Extra anvil options (they replace the embedded node's own of the same name). */
  args: string[];
  /** CHAIN_BLOCK_PERIOD_MS of the variant; unset: the gateway's default. */
  blockPeriodMs?: number;
}

export const GROWTH_VARIANTS: GrowthVariant[] = [
  { name: "npm start default", args: [] },
  { name: "automine (CHAIN_BLOCK_PERIOD_MS=0)", args: [], blockPeriodMs: 0 },
];

export interface GrowthOptions {
  /** Datasets on the ledger at each measurement. */
  datasets: number[];
  /** Transfers per measurement (spread over the clients). */
  transfers: number;
  clients: number;
  variants: GrowthVariant[];
  deadlineMs: number;
}

export interface GrowthMeasurement extends GrowthPoint {
  datasets: number;
  clients: number;
  p95ms: number | null;
  transactionsPerBlock: number | null;
  /** One client alone: latency of a transfer when the node is idle (the block period's price). */
  singleP50ms: number | null;
  nodeCpuMsPerBlock: number | null;
  idleNodeCpuMsPerSecond: number | null;
  nodeRssMb: number | null;
  diskCacheMb: number;
  stateDumpMb: number;
}

export interface GrowthVariantResult extends GrowthVariant {
  points: GrowthMeasurement[];
  stoppedEarly?: string;
}

const REGISTRATIONS_PER_TX = 200;

export async function runGrowthBenchmark(options: GrowthOptions, log: (line: string) => void): Promise<GrowthVariantResult[]> {
  const results: GrowthVariantResult[] = [];
  const started = Date.now();
  for (const variant of options.variants) {
    const result: GrowthVariantResult = { ...variant, points: [] };
    results.push(result);
    // A dump every second (not the default 10 s): the idle probe's 2 s then always sees what dumps cost, and the
    // figures stay comparable with the earlier passes'.
    const node = await startNode(variant.args, variant.blockPeriodMs, 1);
    try {
      const world = await setUp(node, options.clients);
      let registered = 0;
      for (const datasets of options.datasets) {
        if (Date.now() - started > options.deadlineMs) {
          result.stoppedEarly = `time budget of ${Math.round(options.deadlineMs / 1000)} s used up before ${datasets} datasets`;
          log(`growth: ${variant.name}: ${result.stoppedEarly}`);
          break;
        }
        registered = await registerDatasets(world, registered, datasets);
        const idle = await idleCpu(node, 2_000);
        const single = await measureTransfers(node, world, 1, Math.min(20, options.transfers));
        const point = await measureTransfers(node, world, options.clients, options.transfers);
        const footprint = node.footprint();
        result.points.push({
          ...point,
          datasets: registered,
          singleP50ms: single.p50ms ?? null,
          idleNodeCpuMsPerSecond: idle,
          nodeRssMb: footprint.rssMb,
          diskCacheMb: footprint.diskCacheMb,
          stateDumpMb: footprint.stateDumpMb,
        });
        log(
          `growth: ${variant.name}: ${registered} datasets, ${point.clients} clients → ${point.tps} tx/s (p50 ${point.p50ms} ms, p95 ${point.p95ms} ms, ` +
            `${point.transactionsPerBlock} tx/block, node ${point.nodeCpuMsPerBlock} ms CPU/block, ${point.nodeCpuMsPerTx} ms CPU/tx); one client p50 ${single.p50ms} ms; ` +
            `idle node ${idle} ms CPU/s, RSS ${footprint.rssMb} MB, state dump ${footprint.stateDumpMb} MB`,
        );
      }
    } finally {
      await node.stop();
    }
  }
  return results;
}

interface GrowthWorld extends World {
  batchId: bigint;
  clients: { wallet: Wallet; to: string; nonce: number }[];
}

/** A deployed system; client i holds credits and sends them to client i+1. */
async function setUp(node: StartedNode, clients: number): Promise<GrowthWorld> {
  const codes = Array.from({ length: clients }, (_, i) => `BIZ-${i}`);
  const world = await deployWorld(node.provider, node.dataDir, {
    AGENCY: "CityAgency",
    VVB: "Verifier",
    ...Object.fromEntries(codes.map((c) => [c, "Business" as const])),
  });
  const { system, admin, accounts, orgIds } = world;
  const adminSend = new Sender(admin);
  await adminSend.tx(system.carbon.registerProject.populateTransaction("VN-DN-0001", orgIds["BIZ-0"], "VCS", "VM0042", "Hoa Vang, Da Nang", ethers.ZeroHash));
  await adminSend.settle();
  const now = BigInt((await node.provider.getBlock("latest"))!.timestamp);
  const projectKey = ethers.id("VN-DN-0001");
  const report = ethers.id("growth-report");
  const verifier = new Sender(accounts.VVB);
  await verifier.tx(system.carbon.connect(accounts.VVB).attest.populateTransaction(projectKey, now - 86_400n * 365n, now - 86_400n, 100_000_000n, report));
  await verifier.settle();
  const attestationId = await system.carbon.attestationIdOf(projectKey, now - 86_400n * 365n, now - 86_400n, report);
  await adminSend.tx(system.carbon.issue.populateTransaction(attestationId, accounts["BIZ-0"].address, 100_000_000n));
  await adminSend.settle();
  const batchId = await system.carbon.lastBatchId();
  const first = new Sender(accounts["BIZ-0"]);
  for (const code of codes.slice(1)) {
    await first.tx(system.carbon.connect(accounts["BIZ-0"]).safeTransferFrom.populateTransaction(accounts["BIZ-0"].address, accounts[code].address, batchId, 1_000_000n, "0x"));
  }
  await first.settle();
  const wallets = codes.map((c) => accounts[c]);
  return {
    ...world,
    batchId,
    clients: await Promise.all(wallets.map(async (wallet, i) => ({ wallet, to: wallets[(i + 1) % clients].address, nonce: await wallet.getNonce("pending") }))),
  };
}

/** Registers datasets (Open, to the agency) until `target` are on the ledger; returns the count. */
async function registerDatasets(world: GrowthWorld, from: number, target: number): Promise<number> {
  const send = new Sender(world.admin);
  const to = world.accounts.AGENCY.address;
  for (let at = from; at < target; at += REGISTRATIONS_PER_TX) {
    const registrations = Array.from({ length: Math.min(REGISTRATIONS_PER_TX, target - at) }, (_, k) => ({
      contentHash: ethers.id(`growth dataset ${at + k}`),
      metadataHash: ethers.id(`growth metadata ${at + k}`),
      to,
      custodian: ethers.ZeroAddress,
      classification: 0,
      transferable: true,
      title: `Dataset ${at + k}`,
      uri: `https://data.example.org/d/${at + k}`,
    }));
    await send.tx(world.system.dataAssets.registerBatch.populateTransaction(registrations));
  }
  await send.settle();
  return Math.max(from, target);
}

/**
 * Transfers from `clients` signers at once, each as the gateway sends them: sign, send, wait for the receipt, next.
 * Wall time gives tx/s; the node's CPU per block is the steadier figure on a shared machine.
 */
async function measureTransfers(node: StartedNode, world: GrowthWorld, clients: number, count: number) {
  const carbon = world.system.carbon;
  const blocks0 = await node.provider.getBlockNumber();
  const latencies: number[] = [];
  const cpu0 = node.cpuMs();
  const t0 = performance.now();
  const perClient = Math.max(1, Math.floor(count / clients));
  await Promise.all(
    world.clients.slice(0, clients).map(async (client) => {
      const request = await carbon.safeTransferFrom.populateTransaction(client.wallet.address, client.to, world.batchId, 1n, "0x");
      for (let i = 0; i < perClient; i++) {
        const started = performance.now();
        const signed = await client.wallet.signTransaction({ ...request, nonce: client.nonce++, gasLimit: 200_000n, gasPrice: 0n, type: 0, chainId: world.record.chainId });
        const hash = await node.provider.send("eth_sendRawTransaction", [signed]);
        await waitForReceipt(node, hash);
        latencies.push(performance.now() - started);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = node.cpuMs();
  const blocks1 = await node.provider.getBlockNumber();
  const sent = perClient * clients;
  const mined = blocks1 - blocks0;
  const cpu = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
  return {
    blocks: blocks1,
    clients,
    tps: rate(sent, seconds),
    nodeCpuMsPerTx: cpu === null ? null : round(cpu / sent, 2),
    nodeCpuMsPerBlock: cpu === null || mined === 0 ? null : round(cpu / mined, 1),
    transactionsPerBlock: mined === 0 ? null : round(sent / mined, 1),
    p50ms: round(percentile(latencies, 50)),
    p95ms: round(percentile(latencies, 95)),
  };
}

async function waitForReceipt(node: StartedNode, hash: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const receipt = await node.provider.send("eth_getTransactionReceipt", [hash]);
    if (receipt) {
      if (receipt.status !== "0x1") throw new Error(`benchmark transfer ${hash} reverted`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`no receipt for ${hash}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Node CPU per second while nothing is sent: the periodic state dump (DATA_DIR/chain-state.json). */
async function idleCpu(node: StartedNode, ms: number): Promise<number | null> {
  const cpu0 = node.cpuMs();
  await new Promise((r) => setTimeout(r, ms));
  const cpu1 = node.cpuMs();
  return cpu0 === null || cpu1 === null ? null : round(((cpu1 - cpu0) * 1000) / ms, 1);
}

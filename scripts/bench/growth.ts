/**
 * Benchmark 5: write throughput of the embedded node as blocks accumulate. One signer sends credit transfers one
 * after another, each waiting for its receipt (one transaction per block, as the gateway produces them), at several
 * chain heights. Between heights the chain is advanced with `anvil_mine` (empty blocks: anvil's per-block cost does
 * not depend on what the block holds, see README "Performance"). The node runs with the embedded node's own options
 * (EmbeddedNode.args) plus, per variant, the options under test.
 */
import { ethers } from "ethers";
import { deployWorld, startNode, type StartedNode } from "./lib/chain";
import type { GrowthPoint } from "./lib/report";
import { percentile, rate, round } from "./lib/stats";

export interface GrowthVariant {
  name: string;
  args: string[];
}

export const GROWTH_VARIANTS: GrowthVariant[] = [
  { name: "npm start default", args: [] },
  { name: "--hardfork cancun", args: ["--hardfork", "cancun"] },
  { name: "--hardfork cancun --prune-history 256", args: ["--hardfork", "cancun", "--prune-history", "256"] },
];

export interface GrowthOptions {
  heights: number[];
  /** Transfers per measurement. */
  transfers: number;
  variants: GrowthVariant[];
  deadlineMs: number;
}

export interface GrowthVariantResult extends GrowthVariant {
  points: (GrowthPoint & {
    idleNodeCpuMsPerSecond: number | null;
    fillSeconds: number | null;
    nodeRssMb: number | null;
    diskCacheMb: number;
    stateDumpMb: number;
  })[];
  stoppedEarly?: string;
}

export async function runGrowthBenchmark(options: GrowthOptions, log: (line: string) => void): Promise<GrowthVariantResult[]> {
  const results: GrowthVariantResult[] = [];
  const started = Date.now();
  for (const variant of options.variants) {
    const result: GrowthVariantResult = { ...variant, points: [] };
    results.push(result);
    const node = await startNode(variant.args);
    try {
      const world = await setUp(node);
      for (const height of options.heights) {
        if (Date.now() - started > options.deadlineMs) {
          result.stoppedEarly = `time budget of ${Math.round(options.deadlineMs / 1000)} s used up before ${height} blocks`;
          log(`growth: ${variant.name}: ${result.stoppedEarly}`);
          break;
        }
        const fillStarted = Date.now();
        const head = await node.provider.getBlockNumber();
        let filled = false;
        for (let at = head; at < height; at += 1_000) {
          await node.provider.send("anvil_mine", [ethers.toQuantity(Math.min(1_000, height - at))]);
          filled = true;
        }
        const fillSeconds = filled ? (Date.now() - fillStarted) / 1000 : null;
        const idle = await idleCpu(node, 2_000);
        const point = await measureTransfers(node, world, options.transfers);
        const footprint = node.footprint();
        const nodeRssMb = footprint.rssMb;
        result.points.push({ ...point, idleNodeCpuMsPerSecond: idle, fillSeconds: fillSeconds === null ? null : round(fillSeconds), nodeRssMb, diskCacheMb: footprint.diskCacheMb, stateDumpMb: footprint.stateDumpMb });
        log(
          `growth: ${variant.name}: ${point.blocks} blocks → ${point.tps} tx/s, node ${point.nodeCpuMsPerTx} ms CPU/tx, idle node ${idle} ms CPU/s, ` +
            `RSS ${nodeRssMb} MB, disk state cache ${footprint.diskCacheMb} MB, state dump ${footprint.stateDumpMb} MB`,
        );
      }
    } finally {
      await node.stop();
    }
  }
  return results;
}

type SetUpWorld = Awaited<ReturnType<typeof setUp>>;

/** A deployed system with a business holding credits and a second business to receive them. */
async function setUp(node: StartedNode) {
  const world = await deployWorld(node.provider, node.dataDir, { "BIZ-A": "Business", "BIZ-B": "Business", VVB: "Verifier" });
  const { system, admin, accounts } = world;
  const issuer = system.carbon.connect(admin);
  await (await issuer.registerProject("VN-DN-0001", world.orgIds["BIZ-A"], "VCS", "VM0042", "Hoa Vang, Da Nang", ethers.ZeroHash, { gasPrice: 0n })).wait();
  const now = BigInt((await node.provider.getBlock("latest"))!.timestamp);
  const projectKey = ethers.id("VN-DN-0001");
  const report = ethers.id("growth-report");
  await (await system.carbon.connect(accounts.VVB).attest(projectKey, now - 86_400n * 365n, now - 86_400n, 10_000_000n, report, { gasPrice: 0n })).wait();
  const attestationId = await system.carbon.attestationIdOf(projectKey, now - 86_400n * 365n, now - 86_400n, report);
  await (await issuer.issue(attestationId, accounts["BIZ-A"].address, 10_000_000n, { gasPrice: 0n })).wait();
  const batchId = await system.carbon.lastBatchId();
  return { ...world, batchId, nonce: await accounts["BIZ-A"].getNonce("pending") };
}

/**
 * Sequential transfers as the gateway sends them: estimate, sign, send, wait for the receipt, next. Wall time gives
 * tx/s; the node's CPU time per transaction is the steadier figure when the machine is shared.
 */
async function measureTransfers(node: StartedNode, world: SetUpWorld, count: number): Promise<GrowthPoint> {
  const sender = world.accounts["BIZ-A"];
  const to = world.accounts["BIZ-B"].address;
  const carbon = world.system.carbon.connect(sender);
  const blocks = await node.provider.getBlockNumber();
  const latencies: number[] = [];
  const cpu0 = node.cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const request = await carbon.safeTransferFrom.populateTransaction(sender.address, to, world.batchId, 1n, "0x");
    const gasLimit = await node.provider.estimateGas({ ...request, from: sender.address });
    const signed = await sender.signTransaction({ ...request, nonce: world.nonce++, gasLimit, gasPrice: 0n, type: 0, chainId: world.record.chainId });
    const hash = await node.provider.send("eth_sendRawTransaction", [signed]);
    await waitForReceipt(node, hash);
    latencies.push(performance.now() - started);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = node.cpuMs();
  return {
    blocks,
    tps: rate(count, seconds),
    nodeCpuMsPerTx: cpu0 === null || cpu1 === null ? null : round((cpu1 - cpu0) / count, 2),
    p50ms: round(percentile(latencies, 50)),
  };
}

async function waitForReceipt(node: StartedNode, hash: string): Promise<void> {
  for (let i = 0; ; i++) {
    const receipt = await node.provider.send("eth_getTransactionReceipt", [hash]);
    if (receipt) {
      if (receipt.status !== "0x1") throw new Error(`benchmark transfer ${hash} reverted`);
      return;
    }
    if (i > 20_000) throw new Error(`no receipt for ${hash}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Node CPU per second while nothing is sent: the periodic state dump (DATA_DIR/chain-state.json). */
async function idleCpu(node: StartedNode, ms: number): Promise<number | null> {
  const cpu0 = node.cpuMs();
  await new Promise((r) => setTimeout(r, ms));
  const cpu1 = node.cpuMs();
  return cpu0 === null || cpu1 === null ? null : round(((cpu1 - cpu0) * 1000) / ms, 1);
}

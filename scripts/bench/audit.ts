/**
 * Benchmark 4: the auditor's replay (scripts/audit: auditChain) and the gateway's indexer over a generated history.
 * (The history query of `GET /v1/audit/events` on a large index is lib/history-query.ts, run on the gateway.)
 *
 * The history is built fast but shaped like the city's: catalogue-sized dataset batches (most of the events), custody
 * transfers, licences and valuations, credit transfers, retirements, listings and fills, sent directly to a node
 * started with the embedded node's options. Replay rate = events / time to fetch, decode and replay them; reconcile
 * = the rest of the audit (comparing the rebuilt state with the contracts at the audited block).
 */
import os from "node:os";
import path from "node:path";
import { ethers, type Wallet } from "ethers";
import pino from "pino";
import { auditChain } from "../audit/audit-chain";
import { resolveDeployment } from "../audit/contracts";
import { generateCatalogue } from "../lib/catalogue";
import { openIndexDatabase } from "../../server/indexer/gateway-index";
import { Indexer } from "../../server/indexer/indexer";
import { PROJECTIONS, orgOfAccount } from "../../server/indexer/projections";
import { reconcileIndex } from "../../server/indexer/reconcile";
import { Sender, deployWorld, startNode, type StartedNode, type World } from "./lib/chain";
import type { AuditResult, AuditRun } from "./lib/report";
import { rate, round } from "./lib/stats";

export interface AuditOptions {
  /** Event counts at which the audit is run (the history grows from one to the next). */
  sizes: number[];
}

const DATASETS_PER_BATCH = 120;
const BUSINESSES = ["BIZ-1", "BIZ-2", "BIZ-3", "BIZ-4"];
const CLAIM = { beneficiaryName: "Benchmark beneficiary", beneficiaryOrg: ethers.ZeroHash, reason: "benchmark offset", consumptionStart: 1_735_689_600n, consumptionEnd: 1_767_225_599n };

export async function runAuditBenchmark(options: AuditOptions, log: (line: string) => void): Promise<AuditResult> {
  const node = await startNode();
  const runs: AuditRun[] = [];
  try {
    const history = await History.create(node, log);
    for (const size of options.sizes) {
      const built = await history.growTo(size);
      log(`audit: history of ${history.events} events in ${history.transactions} transactions up to block ${built.block} (built in ${built.seconds} s)`);
      const run = await auditOnce(node, history.world, built.block, log);
      // The node rehashes its whole state at every block, so a bigger ledger makes every block dearer: measured on
      // empty blocks mined after the audited block (they change nothing the audit saw).
      const cpu0 = node.cpuMs();
      await node.provider.send("anvil_mine", [ethers.toQuantity(20)]);
      const cpu1 = node.cpuMs();
      run.datasets = history.datasets;
      run.nodeCpuMsPerEmptyBlock = cpu0 === null || cpu1 === null ? null : round((cpu1 - cpu0) / 20, 1);
      log(`audit: with ${history.datasets} datasets on the ledger the node spends ${run.nodeCpuMsPerEmptyBlock} ms of CPU on an empty block`);
      runs.push(run);
    }
  } finally {
    await node.stop();
  }
  const last = runs[runs.length - 1];
  // historyP95ms comes from the history query on the running gateway (lib/history-query.ts).
  return {
    events: last.events,
    eventsPerSecond: last.eventsPerSecond,
    reconcileSeconds: last.reconcileSeconds,
    historyP95ms: null,
    indexerEventsPerSecond: last.indexerEventsPerSecond,
    runs,
  };
}

async function auditOnce(node: StartedNode, world: World, toBlock: number, log: (line: string) => void): Promise<AuditRun> {
  const started = performance.now();
  // CPU seconds of the auditor and of the node beside wall time: on a shared machine wall time says more about the
  // neighbours than about the audit.
  const cpu0 = process.cpuUsage();
  const nodeCpu0 = node.cpuMs();
  const report = await auditChain({ provider: node.provider, deployment: world.record, toBlock });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const nodeCpu1 = node.cpuMs();
  log(
    `audit: auditor CPU ${round((cpu.user + cpu.system) / 1e6, 2)} s, node CPU ${nodeCpu0 === null || nodeCpu1 === null ? "?" : round((nodeCpu1 - nodeCpu0) / 1000, 2)} s ` +
      `for ${report.events} events (wall ${round(seconds, 2)} s; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`,
  );
  const replaySeconds = report.replaySeconds;
  const { contracts } = resolveDeployment(world.record);

  // Opened as the gateway opens its index (WAL, synchronous = NORMAL: a cache of the chain).
  const db = openIndexDatabase(path.join(node.dataDir, `index-${toBlock}.db`));
  const indexer = new Indexer({
    provider: node.provider,
    db,
    contracts,
    fromBlock: world.record.deploymentBlock,
    projections: [...PROJECTIONS],
    logger: pino({ level: "silent" }),
    resolveActorOrg: orgOfAccount,
  });
  const indexStarted = performance.now();
  const indexCpu0 = process.cpuUsage();
  while (await indexer.syncOnce());
  const indexCpu = process.cpuUsage(indexCpu0);
  const indexSeconds = (performance.now() - indexStarted) / 1000;
  const indexed = (db.prepare("SELECT COUNT(*) AS n FROM idx_events").get() as { n: number }).n;
  // GET /v1/audit/reconcile's work: the same audit over the gateway's index instead of RPC logs.
  const reconcileStarted = performance.now();
  const indexReport = await reconcileIndex({ db, provider: node.provider, contracts, chainId: world.record.chainId, fromBlock: world.record.deploymentBlock });
  const indexReconcileSeconds = (performance.now() - reconcileStarted) / 1000;
  db.close();

  const run: AuditRun = {
    events: report.events,
    blocks: toBlock - world.record.deploymentBlock + 1,
    eventsPerSecond: rate(report.events, replaySeconds ?? seconds),
    replaySeconds: round(replaySeconds, 2),
    reconcileSeconds: replaySeconds === null ? null : round(seconds - replaySeconds, 2),
    seconds: round(seconds, 2)!,
    passed: report.passed,
    indexerEventsPerSecond: rate(indexed, indexSeconds),
    indexedEvents: indexed,
    indexReconcileSeconds: round(indexReconcileSeconds, 2),
    indexReconcilePassed: indexReport.passed,
    auditCpuMsPer1kEvents: round(((cpu.user + cpu.system) / 1e3 / Math.max(1, report.events)) * 1000, 1),
    indexerCpuMsPer1kEvents: round(((indexCpu.user + indexCpu.system) / 1e3 / Math.max(1, indexed)) * 1000, 1),
    loadAverage: round(os.loadavg()[0], 1) ?? undefined,
  };
  for (const r of [report, indexReport]) {
    if (!r.passed) log(`audit: ${r.discrepancies.length} discrepancies, first: [${r.discrepancies[0]?.check}] ${r.discrepancies[0]?.message}`);
  }
  log(
    `audit: ${run.events} events replayed at ${run.eventsPerSecond} events/s` +
      (run.reconcileSeconds === null ? ` (whole audit ${run.seconds} s)` : `, reconciled in ${run.reconcileSeconds} s`) +
      `; indexer caught up ${indexed} events at ${run.indexerEventsPerSecond} events/s (${run.indexerCpuMsPer1kEvents} ms CPU per 1,000); ` +
      `reconciling the index took ${run.indexReconcileSeconds} s; the whole audit ${run.auditCpuMsPer1kEvents} ms CPU per 1,000 events`,
  );
  return run;
}

/** A growing, varied history, built with pipelined transactions per signer. */
export class History {
  events = 0;
  datasets = 0;
  transactions = 0;
  #round = 0;
  #listings = 0;
  #senders: Record<string, Sender>;

  private constructor(
    readonly node: StartedNode,
    readonly world: World,
    private readonly batchIds: bigint[],
  ) {
    this.#senders = Object.fromEntries([["admin", new Sender(world.admin)], ...Object.entries(world.accounts).map(([code, w]) => [code, new Sender(w as Wallet)])]);
  }

  static async create(node: StartedNode, log: (line: string) => void): Promise<History> {
    const world = await deployWorld(node.provider, node.dataDir, {
      "AGENCY-A": "CityAgency",
      "AGENCY-B": "CityAgency",
      ...Object.fromEntries(BUSINESSES.map((b) => [b, "Business" as const])),
      VVB: "Verifier",
    });
    const { system, admin, accounts, orgIds } = world;
    const adminSend = new Sender(admin);
    const verifierSend = new Sender(accounts.VVB);
    await adminSend.tx(system.carbon.registerProject.populateTransaction("VN-BENCH-0001", orgIds["BIZ-1"], "VCS", "benchmark", "Da Nang", ethers.ZeroHash));
    await adminSend.settle();
    const projectKey = ethers.id("VN-BENCH-0001");
    const now = BigInt((await node.provider.getBlock("latest"))!.timestamp);
    const batchIds: bigint[] = [];
    for (const [i, code] of BUSINESSES.entries()) {
      const report = ethers.id(`benchmark report ${i}`);
      // A project's monitoring periods never overlap: 40 days each, 10 days apart, all in the past.
      const [start, end] = [now - 86_400n * BigInt(400 - 50 * i), now - 86_400n * BigInt(360 - 50 * i)];
      await verifierSend.tx(system.carbon.connect(accounts.VVB).attest.populateTransaction(projectKey, start, end, 100_000_000n, report));
      await verifierSend.settle();
      const attestation = await system.carbon.attestationIdOf(projectKey, start, end, report);
      await adminSend.tx(system.carbon.issue.populateTransaction(attestation, accounts[code].address, 100_000_000n));
      await adminSend.settle();
      batchIds.push(await system.carbon.lastBatchId());
    }
    const marketAddress = await system.market.getAddress();
    await adminSend.tx(system.market.setFee.populateTransaction(25, accounts["BIZ-1"].address));
    for (const code of BUSINESSES) {
      await adminSend.tx(system.settlement.mint.populateTransaction(accounts[code].address, 10n ** 15n, ethers.id(`deposit ${code}`)));
      const own = new Sender(accounts[code]);
      await own.tx(system.carbon.connect(accounts[code]).setApprovalForAll.populateTransaction(marketAddress, true));
      await own.tx(system.settlement.connect(accounts[code]).approve.populateTransaction(marketAddress, ethers.MaxUint256));
      await own.settle();
    }
    await adminSend.settle();
    log("audit: system deployed and set up for the history");
    return new History(node, world, batchIds);
  }

  /** Adds rounds until the history holds at least `events` events; returns the head block. */
  async growTo(events: number): Promise<{ block: number; seconds: number | null }> {
    const started = performance.now();
    // Catalogue entries for the whole run at once: unique content hashes, realistic titles and URIs.
    const needed = Math.ceil(Math.max(0, events - this.events) / 2) + DATASETS_PER_BATCH;
    const entries = generateCatalogue(needed, 1_000 + this.#round).catalogue.dataset;
    let used = 0;
    while (this.events < events) {
      if (used + DATASETS_PER_BATCH > entries.length) {
        entries.push(...generateCatalogue(DATASETS_PER_BATCH * 10, 50_000 + this.#round).catalogue.dataset);
      }
      await this.round(entries.slice(used, used + DATASETS_PER_BATCH));
      used += DATASETS_PER_BATCH;
      if (this.#round % 5 === 0) await this.settle();
    }
    await this.settle();
    return { block: await this.node.provider.getBlockNumber(), seconds: round((performance.now() - started) / 1000) };
  }

  private async settle(): Promise<void> {
    for (const sender of Object.values(this.#senders)) await sender.settle();
    this.events = Object.values(this.#senders).reduce((n, s) => n + s.events, 0);
    this.transactions = Object.values(this.#senders).reduce((n, s) => n + s.transactions, 0);
  }

  private async round(entries: ReturnType<typeof generateCatalogue>["catalogue"]["dataset"]): Promise<void> {
    const { system, accounts, orgIds } = this.world;
    const s = this.#senders;
    const r = this.#round++;
    const agencyA = accounts["AGENCY-A"].address;
    const registrations = entries.map((d) => ({
      contentHash: `0x${d.distribution[0].checksum.checksumValue}`,
      metadataHash: ethers.id(d.identifier),
      to: agencyA,
      custodian: ethers.ZeroAddress,
      classification: 0,
      transferable: true,
      title: d.title,
      uri: d.distribution[0].downloadURL,
    }));
    await s.admin.tx(system.dataAssets.registerBatch.populateTransaction(registrations));
    this.datasets += registrations.length;
    const ids = registrations.map((x) => BigInt(x.contentHash));
    const now = (await this.node.provider.getBlock("latest"))!.timestamp;
    await s.admin.tx(system.dataAssets.grantLicense.populateTransaction(ids[0], orgIds[BUSINESSES[r % 4]], now + 365 * 86_400, ethers.id(`terms ${r}`), "CC BY 4.0"));
    await s.admin.tx(system.dataAssets.recordValuation.populateTransaction(ids[1], 1_000_000n + BigInt(r), now, "cost", "benchmark appraiser", ethers.id(`valuation ${r}`)));
    await s["AGENCY-A"].tx(system.dataAssets.connect(accounts["AGENCY-A"]).transferFrom.populateTransaction(agencyA, accounts["AGENCY-B"].address, ids[2]));
    for (const [i, code] of BUSINESSES.entries()) {
      const to = accounts[BUSINESSES[(i + 1) % 4]].address;
      await s[code].tx(system.carbon.connect(accounts[code]).safeTransferFrom.populateTransaction(accounts[code].address, to, this.batchIds[i], 5n, "0x"));
    }
    const seller = BUSINESSES[r % 4];
    const buyer = BUSINESSES[(r + 1) % 4];
    await s[seller].tx(system.carbon.connect(accounts[seller]).retire.populateTransaction(this.batchIds[r % 4], 2n, CLAIM));
    // Transactions are mined in the order they are sent (automine), so the fill always follows its listing.
    await s[seller].tx(system.market.connect(accounts[seller]).list.populateTransaction(this.batchIds[r % 4], 20n, 250_000n, 0n, 0n, ethers.ZeroAddress));
    const listing = BigInt(++this.#listings);
    await s[buyer].tx(system.market.connect(accounts[buyer]).fill.populateTransaction(listing, 10n, 10n * 250_000n));
    if (r % 3 === 0) await s[seller].tx(system.market.connect(accounts[seller]).cancelListing.populateTransaction(listing));
  }
}

import fs from "node:fs";
import path from "node:path";
import { Wallet, ethers, type TransactionResponse } from "ethers";
import pino from "pino";
import { EmbeddedNode } from "../../../server/chain/anvil";
import { loadConfig } from "../../../server/config";
import { connectProvider, type GatewayProvider } from "../../../server/chain/provider";
import { attachSystem, ensureDeployment, type DeploymentRecord } from "../../lib/deployment";
import { freePort, tempDataDir } from "../../lib/processes";
import { ROLES, orgKind, type OrgKindName } from "../../lib/roles";
import type { SystemContracts } from "../../lib/system";
import { onInterrupt } from "./cleanup";

export interface StartedNode {
  node: EmbeddedNode;
  url: string;
  provider: GatewayProvider;
  dataDir: string;
  /** Node CPU time so far (ms), from /proc: steadier than wall time on a shared machine. Null where unknown. */
  cpuMs(): number | null;
  /** Resident memory of the node (MB), the size of its on-disk state cache and of its state dump (MB). */
  footprint(): { rssMb: number | null; diskCacheMb: number; stateDumpMb: number };
  stop(): Promise<void>;
}

/**
 * The embedded node as `npm start` runs it: `blockPeriodMs` and the interval of its state dumps default to the gateway's
 * CHAIN_BLOCK_PERIOD_MS and CHAIN_STATE_INTERVAL defaults. (A dump every second, as here until the eighth pass, cost a
 * node holding 50,000 events more CPU than answering the indexer's catch-up, and is not what a city runs.)
 */
export async function startNode(
  extraArgs: string[] = [],
  blockPeriodMs = loadConfig({}).CHAIN_BLOCK_PERIOD_MS,
  stateIntervalSeconds = loadConfig({}).CHAIN_STATE_INTERVAL,
): Promise<StartedNode> {
  const dataDir = tempDataDir("cal-bench-node-");
  const port = await freePort();
  // The embedded node exactly as `npm start` runs it (EmbeddedNode.args), with the options under test replacing its own.
  const node = new EmbeddedNode({ port, dataDir, stateIntervalSeconds, log: pino({ level: "silent" }), extraArgs, blockPeriodMs });
  const release = onInterrupt(async () => {
    await node.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  await node.start();
  const provider = await connectProvider(node.url, { gasPrice: 0n, pollingIntervalMs: 20, timeoutMs: 60_000, connectDeadlineMs: 10_000 });
  return {
    node,
    url: node.url,
    provider,
    dataDir,
    cpuMs: () => processCpuMs(node.pid),
    footprint: () => ({
      rssMb: processRssMb(node.pid),
      diskCacheMb: Math.round(directorySize(node.cacheDir) / 1e5) / 10,
      stateDumpMb: Math.round(directorySize(node.stateFile) / 1e5) / 10,
    }),
    stop: async () => {
      provider.destroy();
      await node.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      release();
    },
  };
}

/** utime + stime of a process in ms (Linux), or null. */
export function processCpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

export function processRssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

/** Bytes in a file or under a directory (0 when missing). */
export function directorySize(target: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  return fs.readdirSync(target).reduce((sum, name) => sum + directorySize(path.join(target, name)), 0);
}

export interface World {
  record: DeploymentRecord;
  admin: Wallet;
  system: SystemContracts;
  accounts: Record<string, Wallet>;
  orgIds: Record<string, string>;
}

/** Organisations of a benchmark world: code → kind. Their accounts are fresh keys (no ether needed: fees are 0). */
export type OrgPlan = Record<string, OrgKindName>;

/**
 * Deploys the system on a bare node through the project's deployment code, gives the administrator every operational
 * role, and registers the given organisations (one fresh account each). Everything is sent directly with ethers.
 */
export async function deployWorld(provider: GatewayProvider, dataDir: string, orgs: OrgPlan): Promise<World> {
  const admin = new Wallet(Wallet.createRandom().privateKey, provider);
  const record = await ensureDeployment({ signer: admin, dataDir, deployOptions: { adminGrantDelay: 0 } });
  const system = attachSystem(record, admin);
  const am = system.accessManager;
  const send = new Sender(admin);
  for (const role of [ROLES.GOVERNOR, ROLES.REGISTRAR, ROLES.ISSUER, ROLES.TREASURY, ROLES.MARKET_OPERATOR]) {
    await send.tx(am.grantRole.populateTransaction(role, admin.address, 0));
  }
  const accounts: Record<string, Wallet> = {};
  const orgIds: Record<string, string> = {};
  for (const [code, kind] of Object.entries(orgs)) {
    accounts[code] = new Wallet(Wallet.createRandom().privateKey, provider);
    orgIds[code] = ethers.encodeBytes32String(code);
    await send.tx(system.participants.registerOrganization.populateTransaction(orgIds[code], orgKind(kind), 0, ethers.ZeroHash, code));
    await send.tx(system.participants.addAccount.populateTransaction(orgIds[code], accounts[code].address));
    if (kind === "Verifier") await send.tx(am.grantRole.populateTransaction(ROLES.VERIFIER, accounts[code].address, 0));
  }
  await send.settle();
  return { record, admin, system, accounts, orgIds };
}

/**
 * Sends a signer's transactions back to back with its own nonce counter and a fixed gas limit (no estimate round
 * trip; gas is free), then waits for all of them and checks every one succeeded. For building history fast.
 */
export class Sender {
  #nonce: number | undefined;
  #pending: TransactionResponse[] = [];
  /** Logs emitted by the settled transactions. */
  events = 0;
  transactions = 0;

  constructor(
    readonly wallet: Wallet,
    private readonly gasLimit = 15_000_000n,
  ) {}

  async tx(request: Promise<ethers.ContractTransaction> | ethers.ContractTransaction): Promise<TransactionResponse> {
    const populated = await request;
    this.#nonce ??= await this.wallet.getNonce("pending");
    const response = await this.wallet.sendTransaction({ ...populated, nonce: this.#nonce++, gasLimit: this.gasLimit, gasPrice: 0n, type: 0 });
    this.#pending.push(response);
    if (this.#pending.length >= 64) await this.settle();
    return response;
  }

  /** Waits for every transaction sent so far; throws if any reverted. */
  async settle(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    // One signer's transactions are mined in nonce order: waiting for them in turn keeps one receipt poller running.
    const receipts = [];
    for (const tx of pending) receipts.push(await tx.wait(1, 120_000));
    const failed = receipts.filter((r) => !r || r.status !== 1).length;
    if (failed > 0) throw new Error(`${failed} of ${pending.length} benchmark set-up transactions failed`);
    for (const r of receipts) this.events += r!.logs.length;
    this.transactions += receipts.length;
  }
}

import { Contract, getCreateAddress, keccak256, type Provider } from "ethers";
import { PERMISSIONS } from "../lib/permissions";
import * as roleTable from "../lib/roles";
import type { ContractName } from "../lib/abis";
import type { ResolvedDeployment } from "./contracts";
import type { AccessModule } from "./modules/access";
import type { Discrepancy } from "./types";

const { ROLES, DELAYS } = roleTable;

export const DEPLOYMENT_CHECKS = {
  record: "deployment record",
  before: "nothing happened at the system's addresses before the deployment block",
  wiring: "the contracts point at each other, at one authority and at one Forwarder",
  policy: "roles, role holders and execution delays match the permission policy (scripts/lib/permissions.ts, roles.ts)",
  rpc: "every RPC endpoint serves the same chain",
} as const;

/** What the deployment check needs: the record as resolved, the chain, and the replayed access control. */
export interface DeploymentCheckInput {
  provider: Provider;
  /** The other endpoints given with `--rpc`, compared with the first. */
  otherProviders?: { url: string; provider: Provider }[];
  providerUrl?: string;
  resolved: ResolvedDeployment;
  deploymentBlock: number;
  toBlock: number;
  access: AccessModule;
  /** Blocks every endpoint must agree on besides the first and last (e.g. the anchors' blocks). */
  blocksToCompare?: number[];
}

/**
 * Verifies the deployment instead of trusting the operator's record: the code at each address is the recorded code,
 * nothing was there before the recorded deployment block, the contracts name each other, one authority and one
 * Forwarder, the AccessManager applies the published permission policy, and every endpoint serves the same blocks.
 */
export async function deploymentDiscrepancies(input: DeploymentCheckInput): Promise<Discrepancy[]> {
  const found: Discrepancy[] = [];
  const report = (check: string, message: string, details?: Record<string, unknown>) => found.push({ check, message, ...(details ? { details } : {}) });
  await checkRecord(input, report);
  await checkBefore(input, report);
  await checkWiring(input, report);
  await checkPolicy(input, report);
  await checkEndpoints(input, report);
  return found;
}

type Report = (check: string, message: string, details?: Record<string, unknown>) => void;

async function checkRecord({ provider, resolved, toBlock }: DeploymentCheckInput, report: Report): Promise<void> {
  for (const key of resolved.unknown) {
    report(DEPLOYMENT_CHECKS.record, `the deployment record names a contract "${key}" that this audit tool does not know, so its events were not audited`);
  }
  for (const [name, codeHash] of Object.entries(resolved.codeHashes) as [ContractName, string][]) {
    const address = resolved.contracts[name].address;
    const actual = keccak256(await provider.getCode(address, toBlock));
    if (actual !== codeHash.toLowerCase()) {
      report(DEPLOYMENT_CHECKS.record, `the code at ${name} (${address}) is not the code the deployment record names`, { recorded: codeHash, onChain: actual });
    }
  }
}

/** Blocks from the deployment block searched for the transactions that created the system's contracts. */
export const CREATION_SCAN_BLOCKS = 1_000;

/**
 * A late deployment block would hide history: nothing may exist or have happened at the addresses before it. Shown
 * for each contract by its creating transaction at or after the deployment block (a creation fails at an address
 * that has code or a nonce, EIP-684), which needs only blocks and receipts; otherwise by its code and nonce at the
 * block before, which needs the node to keep that block's state (a Besu node keeps about 512 blocks of state, the
 * embedded node a few hundred): without it the check reports that it cannot show the deployment block is not late.
 */
async function checkBefore({ provider, resolved, deploymentBlock, toBlock }: DeploymentCheckInput, report: Report): Promise<void> {
  if (deploymentBlock <= 0) return;
  const before = deploymentBlock - 1;
  const entries = Object.entries(resolved.contracts);
  const created = await creationsFrom(provider, new Set(entries.map(([, c]) => c.address.toLowerCase())), deploymentBlock, Math.min(toBlock, deploymentBlock + CREATION_SCAN_BLOCKS - 1));
  for (const [name, { address }] of entries) {
    if (created.has(address.toLowerCase())) continue;
    let code: string, nonce: number;
    try {
      [code, nonce] = await Promise.all([provider.getCode(address, before), provider.getTransactionCount(address, before)]);
    } catch (error) {
      report(
        DEPLOYMENT_CHECKS.before,
        `${name} (${address}) was not created by a transaction in the ${CREATION_SCAN_BLOCKS} blocks from the recorded deployment block ${deploymentBlock}, ` +
          `and the node serves no state at block ${before} to show it did not exist before: the record may start the audit too late`,
        { contract: name, address, block: before, error: error instanceof Error ? error.message.slice(0, 200) : String(error) },
      );
      continue;
    }
    if (code !== "0x" || nonce !== 0) {
      report(DEPLOYMENT_CHECKS.before, `${name} (${address}) already existed at block ${before}, before the recorded deployment block ${deploymentBlock}: the record starts the audit too late`, {
        contract: name,
        address,
        block: before,
      });
    }
  }
  const logs = await provider.getLogs({ address: entries.map(([, c]) => c.address), fromBlock: 0, toBlock: before });
  for (const log of logs.slice(0, 10)) {
    report(DEPLOYMENT_CHECKS.before, `an event was emitted at ${log.address} in block ${log.blockNumber}, before the recorded deployment block ${deploymentBlock}`, {
      blockNumber: log.blockNumber,
      txHash: log.transactionHash,
    });
  }
}

/**
 * The addresses among `wanted` created by a successful contract-creation transaction in blocks `from`..`to`
 * (lower-case), searched a few blocks at a time until all are found.
 */
async function creationsFrom(provider: Provider, wanted: Set<string>, from: number, to: number): Promise<Set<string>> {
  const found = new Set<string>();
  const STEP = 16;
  for (let start = from; start <= to && found.size < wanted.size; start += STEP) {
    const numbers = Array.from({ length: Math.min(STEP, to - start + 1) }, (_, i) => start + i);
    const blocks = await Promise.all(numbers.map((n) => provider.getBlock(n, true)));
    const candidates = blocks.flatMap((block) =>
      (block?.prefetchedTransactions ?? []).filter((tx) => tx.to === null && wanted.has(getCreateAddress({ from: tx.from, nonce: tx.nonce }).toLowerCase())),
    );
    const receipts = await Promise.all(candidates.map((tx) => provider.getTransactionReceipt(tx.hash)));
    for (const receipt of receipts) {
      if (receipt?.status === 1 && receipt.contractAddress) found.add(receipt.contractAddress.toLowerCase());
    }
  }
  return found;
}

/** Which view of which contract must name which other contract of the record. */
const WIRING: [ContractName, string, ContractName][] = [
  ["DataAssetRegistry", "participants", "ParticipantRegistry"],
  ["CarbonCreditRegistry", "participants", "ParticipantRegistry"],
  ["SettlementToken", "participants", "ParticipantRegistry"],
  ["CarbonCreditRegistry", "market", "CarbonMarket"],
  ["CarbonMarket", "registry", "CarbonCreditRegistry"],
  ["CarbonMarket", "settlementToken", "SettlementToken"],
  // The only account that may grant paid licences (an address check, not a role: see DataAssetRegistry.setExchange).
  ["DataAssetRegistry", "exchange", "DataExchange"],
  ["DataExchange", "registry", "DataAssetRegistry"],
];

async function checkWiring({ provider, resolved, toBlock }: DeploymentCheckInput, report: Report): Promise<void> {
  const at = { blockTag: toBlock };
  const contract = (name: ContractName) => new Contract(resolved.contracts[name].address, resolved.contracts[name].abi, provider);
  const addressOf = (name: ContractName) => resolved.contracts[name]?.address.toLowerCase();
  const read = async (name: ContractName, fn: string): Promise<string | undefined> => {
    try {
      return String(await contract(name).getFunction(fn).staticCall(at)).toLowerCase();
    } catch {
      return undefined;
    }
  };
  const authority = addressOf("CityAccessManager");
  for (const name of Object.keys(PERMISSIONS) as ContractName[]) {
    if (!resolved.contracts[name]) continue;
    const answer = await read(name, "authority");
    if (answer !== authority) report(DEPLOYMENT_CHECKS.wiring, `${name} answers to authority ${answer ?? "(none)"}, not to the recorded AccessManager ${authority}`, { contract: name, onChain: answer, recorded: authority });
  }
  for (const [name, fn, target] of WIRING) {
    if (!resolved.contracts[name] || !resolved.contracts[target]) continue;
    const answer = await read(name, fn);
    if (answer !== addressOf(target)) {
      report(DEPLOYMENT_CHECKS.wiring, `${name}.${fn}() is ${answer ?? "(no answer)"}, not the recorded ${target} ${addressOf(target)}`, { contract: name, fn, onChain: answer, recorded: addressOf(target) });
    }
  }
  // One Forwarder: every contract that trusts one (ERC-2771) trusts the recorded one.
  const forwarderName = (Object.keys(resolved.contracts) as ContractName[]).find((n) => /Forwarder$/.test(n));
  const forwarder = forwarderName ? addressOf(forwarderName) : undefined;
  const trusted = new Map<string, string>();
  for (const name of Object.keys(resolved.contracts) as ContractName[]) {
    if (!resolved.contracts[name].abi.getFunction("trustedForwarder")) continue;
    const answer = await read(name, "trustedForwarder");
    if (answer) trusted.set(name, answer);
  }
  const distinct = new Set(trusted.values());
  if (forwarder) {
    for (const [name, answer] of trusted) {
      if (answer !== forwarder) report(DEPLOYMENT_CHECKS.wiring, `${name} trusts Forwarder ${answer}, not the recorded ${forwarderName} ${forwarder}`, { contract: name, onChain: answer, recorded: forwarder });
    }
  } else if (distinct.size > 0) {
    report(DEPLOYMENT_CHECKS.wiring, `the contracts trust Forwarder ${[...distinct].join(" and ")} but the deployment record names none`, { trusted: Object.fromEntries(trusted) });
  }
}

/** The minimum execution delay the policy sets per role: RECOVERY always, ADMIN when roles.ts publishes one. */
export function policyDelays(): Partial<Record<keyof typeof ROLES, bigint>> {
  const delays = DELAYS as Record<string, number | undefined>;
  const admin = delays.ADMIN_EXECUTION ?? delays.ADMIN;
  return { RECOVERY: BigInt(DELAYS.RECOVERY_EXECUTION), ...(admin !== undefined ? { ADMIN: BigInt(admin) } : {}) };
}

async function checkPolicy({ provider, resolved, toBlock, access }: DeploymentCheckInput, report: Report): Promise<void> {
  const manager = new Contract(resolved.contracts.CityAccessManager.address, resolved.contracts.CityAccessManager.abi, provider);
  const at = { blockTag: toBlock };
  const roleName = new Map<bigint, string>(Object.entries(ROLES).map(([name, id]): [bigint, string] => [id, name]));
  // Every restricted function of the policy is restricted to its role on chain…
  const expected = new Map<string, bigint>();
  for (const [name, byRole] of Object.entries(PERMISSIONS) as [ContractName, Record<string, readonly string[]>][]) {
    const target = resolved.contracts[name];
    if (!target) continue;
    for (const [role, functions] of Object.entries(byRole)) {
      for (const fn of functions) {
        const selector = target.abi.getFunction(fn)?.selector;
        if (!selector) {
          report(DEPLOYMENT_CHECKS.policy, `the permission policy restricts ${name}.${fn}, which the contract does not have`);
          continue;
        }
        expected.set(`${target.address.toLowerCase()}:${selector}`, ROLES[role as keyof typeof ROLES]);
        const onChain = (await manager.getTargetFunctionRole(target.address, selector, at)) as bigint;
        if (onChain !== ROLES[role as keyof typeof ROLES]) {
          report(DEPLOYMENT_CHECKS.policy, `${name}.${fn} is restricted to role ${roleName.get(onChain) ?? onChain} on chain; the policy says ${role}`, { contract: name, fn, onChain: String(onChain), policy: role });
        }
      }
    }
  }
  // …and no other function was given to a role the policy does not name for it (unset functions stay ADMIN's).
  for (const [key, roleId] of access.functionRolesNow()) {
    if (roleId === ROLES.ADMIN || expected.has(key)) continue;
    const [target, selector] = key.split(":");
    report(DEPLOYMENT_CHECKS.policy, `function ${selector} of ${target} is restricted to role ${roleName.get(roleId) ?? roleId}, which the permission policy does not name`, { target, selector, role: String(roleId) });
  }
  // Role holders: only roles of the policy, each with at least the execution delay the policy sets.
  const minimum = policyDelays();
  for (const { roleId, account } of access.membersNow()) {
    const name = roleName.get(roleId) as keyof typeof ROLES | undefined;
    const [isMember, delay] = (await manager.hasRole(roleId, account, at)) as [boolean, bigint];
    if (!isMember) continue;
    if (!name) {
      report(DEPLOYMENT_CHECKS.policy, `${account} holds role ${roleId}, which the permission policy does not define`, { account, role: String(roleId) });
      continue;
    }
    const floor = minimum[name];
    if (floor !== undefined && delay < floor) {
      report(DEPLOYMENT_CHECKS.policy, `${account} holds ${name} with an execution delay of ${delay} s; the policy requires at least ${floor} s`, { account, role: name, delay: String(delay), policy: String(floor) });
    }
  }
}

/** With several endpoints: the same chain id and the same block hashes at the deployment block, the audited block and in between. */
async function checkEndpoints({ provider, providerUrl, otherProviders, deploymentBlock, toBlock, blocksToCompare }: DeploymentCheckInput, report: Report): Promise<void> {
  if (!otherProviders?.length) return;
  const blocks = new Set<number>([deploymentBlock, toBlock, ...(blocksToCompare ?? [])]);
  for (let i = 1; i < 8; i++) blocks.add(deploymentBlock + Math.floor(((toBlock - deploymentBlock) * i) / 8));
  const sorted = [...blocks].filter((b) => b >= 0 && b <= toBlock).sort((a, b) => a - b);
  const hashesOf = async (p: Provider) => Promise.all(sorted.map(async (n) => (await p.getBlock(n))?.hash ?? null));
  const [reference, chainId] = await Promise.all([hashesOf(provider), provider.getNetwork().then((n) => n.chainId)]);
  const first = providerUrl ?? "the first endpoint";
  for (const other of otherProviders) {
    const otherChain = await other.provider.getNetwork().then((n) => n.chainId, () => null);
    if (otherChain !== chainId) {
      report(DEPLOYMENT_CHECKS.rpc, `${other.url} serves chain ${otherChain ?? "(no answer)"}, ${first} chain ${chainId}`, { endpoint: other.url });
      continue;
    }
    const hashes = await hashesOf(other.provider);
    const block = sorted.find((_, i) => hashes[i] !== reference[i]);
    if (block !== undefined) {
      const i = sorted.indexOf(block);
      report(DEPLOYMENT_CHECKS.rpc, `${other.url} disagrees with ${first} on block ${block}: ${hashes[i] ?? "(no block)"} against ${reference[i]}`, {
        endpoint: other.url,
        blockNumber: block,
        hash: hashes[i],
        reference: reference[i],
      });
    }
  }
}

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { NonceManager, ethers, type Provider, type Signer } from "ethers";
import { SYSTEM_FACTORIES, deploySystem, type DeployOptions, type SystemContracts } from "./system";

/**
 * The deployment record: which contracts of the system live where on which chain, found again on every start.
 * Depends on ethers and the typechain factories only (no Hardhat runtime), so the gateway can call it from plain
 * node with a Wallet.
 *
 * How a record is checked against the chain and the build:
 * - `codeHash`: keccak256 of the runtime code read back from the chain right after deployment (immutables
 *   included). On every start the code at each address must hash to it.
 * - `initCodeHash`: keccak256 of the creation bytecode of the build that deployed it, taken from the typechain
 *   factory (the bytecode ends in solc's metadata hash, so any source or compiler-setting change moves it). If the
 *   current build's differs, the chain runs an older build.
 *
 * What happens when they disagree:
 * - no code at any recorded address (the chain was reset: a fresh node, an in-process Hardhat run): nothing is
 *   left to lose, so the system is deployed again and the old record kept as `deployment.replaced-<time>.json`;
 * - other code at a recorded address, or code at some addresses and none at others: DeploymentError, because
 *   something other than this tool changed the chain and a human should look;
 * - the chain runs an older build: DeploymentError by default, since redeploying abandons every dataset and credit
 *   registered so far; `onBuildChange: "redeploy"` (development only) deploys afresh instead;
 * - the record belongs to another chain id: DeploymentError (a data directory serves one chain).
 */
export const DEPLOYMENT_FILE = "deployment.json";
export const DEPLOYMENT_RECORD_VERSION = 1;

export type SystemContractName = keyof SystemContracts;

export interface DeployedContract {
  address: string;
  /** keccak256 of the runtime code on chain, as deployed. */
  codeHash: string;
  /** keccak256 of the creation bytecode of the build that deployed it. */
  initCodeHash: string;
}

export interface DeploymentRecord {
  version: typeof DEPLOYMENT_RECORD_VERSION;
  chainId: number;
  deployer: string;
  /** Block of the first deployment transaction: where an auditor starts replaying events. */
  deploymentBlock: number;
  deploymentBlockHash: string;
  compilerVersion: string;
  /** `git rev-parse HEAD` of the deploying checkout, suffixed "+dirty" if it had uncommitted changes; null if unknown. */
  gitCommit: string | null;
  /** ISO 8601 time the record was written. */
  deployedAt: string;
  contracts: Record<SystemContractName, DeployedContract>;
}

export interface EnsureDeploymentOptions {
  /** The administrator's signer, connected to a provider. It deploys if a deployment is needed. */
  signer: Signer;
  /** Directory of the deployment record (created if missing). */
  dataDir: string;
  log?: (message: string) => void;
  /** What to do when the chain runs an older build than this checkout: "error" (default) or "redeploy". */
  onBuildChange?: "error" | "redeploy";
  /** Passed on to deploySystem. */
  deployOptions?: DeployOptions;
}

export class DeploymentError extends Error {
  override name = "DeploymentError";
}

type Verdict =
  | { kind: "ok" }
  | { kind: "reset" }
  | { kind: "foreign"; problems: string[] }
  | { kind: "outdated"; changed: string[] };

/**
 * Returns the deployment recorded in `dataDir` for the signer's chain after checking it against the chain and the
 * current build; deploys the system and writes a new record when there is none or the chain was reset.
 */
export async function ensureDeployment(options: EnsureDeploymentOptions): Promise<DeploymentRecord> {
  const { signer, dataDir } = options;
  const log = options.log ?? (() => undefined);
  const provider = signer.provider;
  if (!provider) throw new DeploymentError("the signer has no provider");
  const chainId = Number((await provider.getNetwork()).chainId);
  const file = path.join(dataDir, DEPLOYMENT_FILE);

  const existing = readRecord(file);
  if (existing) {
    if (existing.chainId !== chainId) {
      throw new DeploymentError(
        `${file} records a deployment on chain ${existing.chainId}, but the node is chain ${chainId}; ` +
          `use another data directory for this chain or remove the file`,
      );
    }
    const verdict = await verify(existing, provider);
    switch (verdict.kind) {
      case "ok":
        log(`deployment found and verified on chain ${chainId} (block ${existing.deploymentBlock})`);
        return existing;
      case "foreign":
        throw new DeploymentError(
          `the chain does not hold the contracts recorded in ${file}: ${verdict.problems.join("; ")}. ` +
            `Inspect the node; remove the record only if redeploying is intended`,
        );
      case "outdated":
        if (options.onBuildChange !== "redeploy") {
          throw new DeploymentError(
            `the chain runs an older build than this checkout (${verdict.changed.join(", ")} changed). ` +
              `Redeploying would abandon everything registered so far; pass onBuildChange "redeploy" to do it anyway`,
          );
        }
        log(`build changed (${verdict.changed.join(", ")}): redeploying as asked`);
        break;
      case "reset":
        log(`no code at any recorded address on chain ${chainId} (the chain was reset): redeploying`);
        break;
    }
    archive(file, log);
  }

  const record = await deploy(signer, chainId, options.deployOptions, log);
  writeRecord(file, record);
  log(`deployment record written to ${file}`);
  return record;
}

/**
 * The recorded deployment, checked against the chain and the build as ensureDeployment does, for a gateway that never
 * deploys (production: the administrators deploy with their own key). Null when there is no record; a record that
 * does not match the chain is an error, never a reason to deploy.
 */
export async function loadDeployment(provider: Provider, dataDir: string): Promise<DeploymentRecord | null> {
  const file = path.join(dataDir, DEPLOYMENT_FILE);
  const existing = readRecord(file);
  if (!existing) return null;
  const chainId = Number((await provider.getNetwork()).chainId);
  if (existing.chainId !== chainId) throw new DeploymentError(`${file} records a deployment on chain ${existing.chainId}, but the node is chain ${chainId}`);
  const verdict = await verify(existing, provider);
  switch (verdict.kind) {
    case "ok":
      return existing;
    case "reset":
      throw new DeploymentError(`no code at any address recorded in ${file}: the administrators deploy again (npm run deploy) and replace the record`);
    case "foreign":
      throw new DeploymentError(`the chain does not hold the contracts recorded in ${file}: ${verdict.problems.join("; ")}`);
    case "outdated":
      throw new DeploymentError(`the chain runs another build than this checkout (${verdict.changed.join(", ")} changed); run the gateway of the deployed build`);
  }
}

/** Typed contract instances for a record's addresses. */
export function attachSystem(record: DeploymentRecord, runner: ethers.ContractRunner): SystemContracts {
  const attached = Object.fromEntries(
    (Object.keys(SYSTEM_FACTORIES) as SystemContractName[]).map((name) => [
      name,
      SYSTEM_FACTORIES[name].connect(record.contracts[name].address, runner),
    ]),
  );
  return attached as unknown as SystemContracts;
}

/** The Solidity version recorded in the CBOR metadata at the end of a creation or runtime bytecode. */
export function compilerVersionOf(bytecode: string): string {
  // solc's metadata is CBOR whose "solc" key ("64736f6c63") maps to a 3-byte string (0x43): major, minor, patch.
  const match = /64736f6c6343([0-9a-f]{6})/.exec(bytecode.toLowerCase());
  if (!match) return "unknown";
  const [major, minor, patch] = [0, 2, 4].map((i) => parseInt(match[1].slice(i, i + 2), 16));
  return `${major}.${minor}.${patch}`;
}

async function deploy(
  signer: Signer,
  chainId: number,
  deployOptions: DeployOptions | undefined,
  log: (message: string) => void,
): Promise<DeploymentRecord> {
  const provider = signer.provider!;
  log(`deploying the system to chain ${chainId}`);
  // Nonces counted locally: a JsonRpcProvider answers repeated eth_getTransactionCount calls from a short cache, so
  // back-to-back deployments from a plain Wallet would otherwise reuse a nonce.
  const deployer = new NonceManager(signer);
  const contracts = await deploySystem(deployer, { ...deployOptions, onStep: deployOptions?.onStep ?? log });
  // The forwarder is deployed first (deploySystem): its block is where the system's history starts.
  const firstReceipt = await contracts.forwarder.deploymentTransaction()?.wait();
  if (!firstReceipt) throw new DeploymentError("the forwarder deployment has no receipt");

  const entries = await Promise.all(
    (Object.keys(SYSTEM_FACTORIES) as SystemContractName[]).map(async (name): Promise<[SystemContractName, DeployedContract]> => {
      const address = await contracts[name].getAddress();
      const code = await provider.getCode(address);
      return [name, { address, codeHash: ethers.keccak256(code), initCodeHash: ethers.keccak256(SYSTEM_FACTORIES[name].bytecode) }];
    }),
  );
  return {
    version: DEPLOYMENT_RECORD_VERSION,
    chainId,
    deployer: await signer.getAddress(),
    deploymentBlock: firstReceipt.blockNumber,
    deploymentBlockHash: firstReceipt.blockHash,
    compilerVersion: compilerVersionOf(SYSTEM_FACTORIES.accessManager.bytecode),
    gitCommit: gitCommit(),
    deployedAt: new Date().toISOString(),
    contracts: Object.fromEntries(entries) as Record<SystemContractName, DeployedContract>,
  };
}

async function verify(record: DeploymentRecord, provider: Provider): Promise<Verdict> {
  const recorded = Object.entries(record.contracts) as [string, DeployedContract][];
  const missing: string[] = [];
  const different: string[] = [];
  for (const [name, entry] of recorded) {
    const code = await provider.getCode(entry.address);
    if (code === "0x") missing.push(`${name} has no code at ${entry.address}`);
    else if (ethers.keccak256(code) !== entry.codeHash) different.push(`${name} at ${entry.address} runs other code`);
  }
  if (missing.length === recorded.length) return { kind: "reset" };
  if (missing.length > 0 || different.length > 0) return { kind: "foreign", problems: [...different, ...missing] };

  const changed = (Object.keys(SYSTEM_FACTORIES) as SystemContractName[]).filter(
    (name) => record.contracts[name]?.initCodeHash !== ethers.keccak256(SYSTEM_FACTORIES[name].bytecode),
  );
  const dropped = Object.keys(record.contracts).filter((name) => !(name in SYSTEM_FACTORIES));
  if (changed.length > 0 || dropped.length > 0) return { kind: "outdated", changed: [...changed, ...dropped] };
  return { kind: "ok" };
}

function readRecord(file: string): DeploymentRecord | null {
  if (!fs.existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new DeploymentError(`${file} is not valid JSON (${(error as Error).message}); fix or remove it`);
  }
  const record = parsed as Partial<DeploymentRecord> | null;
  const wellFormed =
    record !== null &&
    typeof record === "object" &&
    record.version === DEPLOYMENT_RECORD_VERSION &&
    typeof record.chainId === "number" &&
    typeof record.contracts === "object" &&
    record.contracts !== null &&
    Object.values(record.contracts).every(
      (c: unknown) =>
        typeof c === "object" &&
        c !== null &&
        ethers.isAddress((c as DeployedContract).address) &&
        ethers.isHexString((c as DeployedContract).codeHash, 32) &&
        ethers.isHexString((c as DeployedContract).initCodeHash, 32),
    );
  if (!wellFormed) throw new DeploymentError(`${file} is not a deployment record of version ${DEPLOYMENT_RECORD_VERSION}; fix or remove it`);
  return record as DeploymentRecord;
}

/** Write-then-rename, so a crash never leaves half a record behind. */
function writeRecord(file: string, record: DeploymentRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

function archive(file: string, log: (message: string) => void): void {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const target = path.join(path.dirname(file), `deployment.replaced-${stamp}.json`);
  fs.renameSync(file, target);
  log(`previous record kept as ${target}`);
}

function gitCommit(): string | null {
  try {
    const run = (args: string[]) =>
      execFileSync("git", args, { cwd: __dirname, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const commit = run(["rev-parse", "HEAD"]);
    return run(["status", "--porcelain", "--untracked-files=no"]) === "" ? commit : `${commit}+dirty`;
  } catch {
    return null;
  }
}

import { createHash } from "node:crypto";
import fs from "node:fs";
import { Contract, decodeBytes32String, toBeHex, ZeroHash, type Log, type Provider } from "ethers";
import { DATA_CLASSIFICATIONS, DATA_STATUSES, type DataClassificationName, type DataStatusName } from "../lib/enums";
import { resolveDeployment, type AuditDeployment } from "./contracts";

export interface ChainLocation {
  txHash: string;
  blockNumber: number;
  logIndex: number;
  timestamp: number;
}

/** What the chain says about a file's sha256. */
export interface FileVerification {
  /** 0x-prefixed sha256 of the file (= the dataset's token id, if registered). */
  sha256: string;
  registered: boolean;
  /** The block the answer was read at. */
  blockNumber: number;
  dataset?: {
    id: string;
    holder: string;
    /** The holder's organisation id, and its code when the id is a short text (e.g. "AGENCY-A"). */
    holderOrg: { id: string; code: string | null } | null;
    /** Who keeps the data: the custodian, or the holder when there is none. */
    keeper: string;
    classification: DataClassificationName;
    status: DataStatusName;
    transferable: boolean;
    metadataHash: string;
    /** 1 for a first registration, n for the n-th version of a dataset. */
    version: number;
    parentId: string | null;
    /** Versions registered on top of this one. */
    successorIds: string[];
    /** Title and URI as last set (registration or metadata change). */
    title: string;
    uri: string;
    registration: ChainLocation;
  };
}

export interface VerifyOptions {
  provider: Provider;
  deployment: AuditDeployment;
  /** Blocks per eth_getLogs call when looking for the registration (Besu refuses ranges above 5,000 by default). */
  chunkSize?: number;
}

/** sha256 of a file, streamed (distributions can be large), as 0x-prefixed hex. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(path)) hash.update(chunk as Buffer);
  return "0x" + hash.digest("hex");
}

/** Hashes a file and says whether and how it is registered. */
export async function verifyFile(path: string, options: VerifyOptions): Promise<FileVerification> {
  return verifyDigest(await sha256OfFile(path), options);
}

/**
 * Says whether a sha256 is registered as a dataset and how: holder and organisation, class, status, version and
 * its neighbours, and the registering transaction. Reads the registry's views and its events only, at one block.
 */
export async function verifyDigest(sha256: string, options: VerifyOptions): Promise<FileVerification> {
  const digest = normaliseDigest(sha256);
  const { provider, deployment } = options;
  const { contracts } = resolveDeployment(deployment);
  const registry = new Contract(contracts.DataAssetRegistry.address, contracts.DataAssetRegistry.abi, provider);
  const participants = new Contract(contracts.ParticipantRegistry.address, contracts.ParticipantRegistry.abi, provider);
  const blockNumber = await provider.getBlockNumber();
  const at = { blockTag: blockNumber };

  if (!(await registry.isRegistered(digest, at))) return { sha256: digest, registered: false, blockNumber };
  const id = BigInt(digest);
  const [asset, keeper] = await Promise.all([registry.assetOf(id, at), registry.custodianOf(id, at)]);
  const orgId = (await participants.orgOf(asset.holder, at)) as string;

  let version = 1;
  for (let parent = asset.parentId as bigint; parent !== 0n; version++) parent = (await registry.assetOf(parent, at)).parentId as bigint;

  const { registration, metadata, successors } = await findEvents(options, registry, id, blockNumber);
  if (!registration) throw new Error(`${digest} is registered but no DatasetRegistered event was found from block ${deployment.deploymentBlock}`);
  const block = await provider.getBlock(registration.blockNumber);
  const latest = metadata ?? registration;
  const latestArgs = registry.interface.parseLog(latest)!.args;

  return {
    sha256: digest,
    registered: true,
    blockNumber,
    dataset: {
      id: digest,
      holder: asset.holder,
      holderOrg: orgId === ZeroHash ? null : { id: orgId, code: orgCode(orgId) },
      keeper,
      classification: DATA_CLASSIFICATIONS[Number(asset.classification)],
      status: DATA_STATUSES[Number(asset.status)],
      transferable: asset.transferable,
      metadataHash: asset.metadataHash,
      version,
      parentId: asset.parentId === 0n ? null : toBeHex(asset.parentId, 32),
      successorIds: successors.map((log) => toBeHex(registry.interface.parseLog(log)!.args.id as bigint, 32)),
      title: latestArgs.title as string,
      uri: latestArgs.uri as string,
      registration: { txHash: registration.transactionHash, blockNumber: registration.blockNumber, logIndex: registration.index, timestamp: block!.timestamp },
    },
  };
}

/** The dataset's registration, its latest metadata change and its successors, scanning the registry's logs in chunks. */
async function findEvents(options: VerifyOptions, registry: Contract, id: bigint, toBlock: number) {
  const chunk = options.chunkSize ?? 5_000;
  const topic = (name: string) => registry.interface.getEvent(name)!.topicHash;
  const idTopic = toBeHex(id, 32);
  const address = await registry.getAddress();
  let registration: Log | undefined;
  let metadata: Log | undefined;
  const successors: Log[] = [];
  for (let from = options.deployment.deploymentBlock; from <= toBlock; from += chunk) {
    const to = Math.min(toBlock, from + chunk - 1);
    const [own, children] = await Promise.all([
      options.provider.getLogs({ address, fromBlock: from, toBlock: to, topics: [[topic("DatasetRegistered"), topic("DatasetMetadataChanged")], idTopic] }),
      options.provider.getLogs({ address, fromBlock: from, toBlock: to, topics: [topic("DatasetVersioned"), null, idTopic] }),
    ]);
    for (const log of own) {
      if (log.topics[0] === topic("DatasetRegistered")) registration ??= log;
      else metadata = log;
    }
    successors.push(...children);
  }
  return { registration, metadata, successors };
}

function normaliseDigest(sha256: string): string {
  const hex = sha256.startsWith("0x") || sha256.startsWith("0X") ? sha256.slice(2) : sha256;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`a sha256 is 64 hex digits (optionally 0x-prefixed), got ${JSON.stringify(sha256)}`);
  return "0x" + hex.toLowerCase();
}

/** The organisation's code when its id is a short text packed into bytes32 (as the city registers them). */
function orgCode(orgId: string): string | null {
  try {
    const code = decodeBytes32String(orgId);
    return /^[\x20-\x7e]+$/.test(code) ? code : null;
  } catch {
    return null;
  }
}

/** The verification as lines of text, for a terminal. */
export function describeVerification(v: FileVerification): string {
  if (!v.registered || !v.dataset) return `sha256 ${v.sha256}\nNOT REGISTERED (checked at block ${v.blockNumber})\n`;
  const d = v.dataset;
  const org = d.holderOrg ? `${d.holderOrg.code ?? d.holderOrg.id}${d.holderOrg.code ? ` (${d.holderOrg.id})` : ""}` : "no organisation";
  return [
    `sha256 ${v.sha256}`,
    `REGISTERED as dataset ${d.id} (checked at block ${v.blockNumber})`,
    `  title           ${d.title}`,
    `  uri             ${d.uri}`,
    `  holder          ${d.holder}, organisation ${org}`,
    `  kept by         ${d.keeper}`,
    `  classification  ${d.classification}`,
    `  status          ${d.status}${d.transferable ? "" : " (soulbound)"}`,
    `  version         ${d.version}${d.parentId ? `, previous version ${d.parentId}` : ""}`,
    ...(d.successorIds.length ? [`  superseded by   ${d.successorIds.join(", ")}`] : []),
    `  metadata hash   ${d.metadataHash}`,
    `  registered in   tx ${d.registration.txHash}, block ${d.registration.blockNumber}, ${new Date(d.registration.timestamp * 1000).toISOString()}`,
  ].join("\n") + "\n";
}

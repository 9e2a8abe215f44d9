import { AbiCoder, getAddress, toQuantity, type EventFragment, type Interface, type JsonRpcApiProvider, type ParamType, type Provider } from "ethers";
import type { AuditEvent } from "./types";

export interface ContractAddresses {
  [contract: string]: { address: string; abi: Interface };
}

/**
 * Turns an ethers Result into plain named arguments: bigints stay bigints, addresses stay checksummed, structs
 * (e.g. a retirement claim) become objects with their field names, arrays become arrays.
 */
export function namedArgs(fragmentInputs: readonly ParamType[], values: readonly unknown[]): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  fragmentInputs.forEach((input, i) => {
    args[input.name || String(i)] = plain(input, values[i]);
  });
  return args;
}

function plain(type: ParamType, value: unknown): unknown {
  if (type.isTuple()) return namedArgs(type.components, [...(value as unknown[])]);
  if (type.isArray()) return [...(value as unknown[])].map((item) => plain(type.arrayChildren, item));
  return value;
}

/** The fields of a log the audit reads: an ethers Log, or a log as eth_getLogs answers it once its numbers are parsed. */
export interface LogLike {
  address: string;
  topics: readonly string[];
  data: string;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  index: number;
}

/** How to decode one event of one ABI, worked out once per (ABI, topic) instead of once per log. */
interface EventDecoder {
  fragment: EventFragment;
  /** Types of the non-indexed inputs, decoded from the data in one call. */
  dataTypes: ParamType[];
  /** For each input: the topic it is in (1-based), or -1 when it is in the data (then `dataIndex` says where). */
  topicOf: number[];
  dataIndex: number[];
  /** The types ethers would decode differently from a plain tuple (structs, arrays): converted with namedArgs. */
  plainOnly: boolean;
}

const coder = AbiCoder.defaultAbiCoder();
const decodersByAbi = new WeakMap<Interface, Map<string, EventDecoder>>();

function decoderOf(abi: Interface, topic0: string): EventDecoder | undefined {
  let byTopic = decodersByAbi.get(abi);
  if (!byTopic) {
    byTopic = new Map();
    abi.forEachEvent((fragment) => {
      if (fragment.anonymous) return;
      const topicOf: number[] = [];
      const dataIndex: number[] = [];
      const dataTypes: ParamType[] = [];
      let topic = 1;
      for (const input of fragment.inputs) {
        if (input.indexed) {
          topicOf.push(topic++);
          dataIndex.push(-1);
        } else {
          topicOf.push(-1);
          dataIndex.push(dataTypes.length);
          dataTypes.push(input);
        }
      }
      const plainOnly = fragment.inputs.every((i) => !i.isTuple() && !i.isArray());
      byTopic!.set(fragment.topicHash, { fragment, dataTypes, topicOf, dataIndex, plainOnly });
    });
    decodersByAbi.set(abi, byTopic);
  }
  return byTopic.get(topic0.toLowerCase());
}

/** An indexed value from its topic: value types decode from the 32 bytes; strings, bytes, structs and arrays stay hashed. */
function fromTopic(type: ParamType, topic: string): unknown {
  switch (type.baseType) {
    case "address":
      return getAddress("0x" + topic.slice(26));
    case "bool":
      return BigInt(topic) !== 0n;
    default:
      if (type.baseType.startsWith("uint")) return BigInt(topic);
      if (type.baseType.startsWith("int")) return coder.decode([type], topic)[0];
      return topic; // bytesN, and the keccak of a dynamic value
  }
}

/** Decodes one log of a known contract, or undefined for a log the ABI does not know. */
export function decodeLog(contract: string, abi: Interface, log: LogLike): AuditEvent | undefined {
  const decoder = log.topics.length > 0 ? decoderOf(abi, log.topics[0]) : undefined;
  if (!decoder) return undefined;
  const { fragment, topicOf, dataIndex, dataTypes } = decoder;
  if (log.topics.length !== topicOf.filter((t) => t > 0).length + 1) return undefined;
  let data: readonly unknown[];
  try {
    data = dataTypes.length ? coder.decode(dataTypes, log.data) : [];
  } catch {
    return undefined;
  }
  const args: Record<string, unknown> = {};
  const inputs = fragment.inputs;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    const value = topicOf[i] > 0 ? fromTopic(input, log.topics[topicOf[i]]) : data[dataIndex[i]];
    args[input.name || String(i)] = decoder.plainOnly || topicOf[i] > 0 ? value : plain(input, value);
  }
  return {
    contract,
    address: log.address,
    name: fragment.name,
    args,
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    txHash: log.transactionHash,
    logIndex: log.index,
  };
}

interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

type Send = (method: string, params: unknown[]) => Promise<unknown>;

/** The provider's raw JSON-RPC call when it has one: ethers' getLogs builds a frozen Log object per log, at a cost. */
export function rawSend(provider: Provider): Send | undefined {
  const send = (provider as Partial<Pick<JsonRpcApiProvider, "send">>).send;
  return typeof send === "function" ? (method, params) => send.call(provider, method, params) : undefined;
}

export async function getLogs(provider: Provider, addresses: string[], from: number, to: number): Promise<LogLike[]> {
  const send = rawSend(provider);
  if (!send) return provider.getLogs({ address: addresses, fromBlock: from, toBlock: to });
  const raw = (await send("eth_getLogs", [{ address: addresses, fromBlock: toQuantity(from), toBlock: toQuantity(to) }])) as RpcLog[];
  const logs: LogLike[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    logs[i] = { address: r.address, topics: r.topics, data: r.data, blockNumber: parseInt(r.blockNumber, 16), blockHash: r.blockHash, transactionHash: r.transactionHash, index: parseInt(r.logIndex, 16) };
  }
  return logs;
}

/** Logs from `from` to `to`, asking for the whole range at once and halving it whenever the node refuses (Besu limits ranges and result sizes). */
async function getLogsAdaptive(provider: Provider, addresses: string[], from: number, to: number, span: { size: number }): Promise<LogLike[]> {
  const out: LogLike[] = [];
  for (let start = from; start <= to; ) {
    const end = Math.min(to, start + span.size - 1);
    try {
      const logs = await getLogs(provider, addresses, start, end);
      for (const log of logs) out.push(log);
      start = end + 1;
    } catch (error) {
      if (span.size <= 1) throw error;
      span.size = Math.max(1, Math.floor(span.size / 2));
    }
  }
  return out;
}

/**
 * Every event of the given contracts from `fromBlock` to `toBlock` inclusive, in chain order, fetched with
 * `eth_getLogs` over wide ranges (`chunkSize` blocks, halved while the node refuses; one call covers every contract)
 * and the next range fetched while the current one is replayed. Logs of unknown shape are returned as `unknown` so
 * the audit can say so instead of silently skipping them.
 */
export async function* fetchHistory(
  provider: Provider,
  contracts: ContractAddresses,
  fromBlock: number,
  toBlock: number,
  chunkSize = 50_000,
): AsyncGenerator<AuditEvent | { unknown: LogLike }> {
  const byAddress = new Map(Object.entries(contracts).map(([name, c]) => [c.address.toLowerCase(), { name, abi: c.abi }]));
  const addresses = [...byAddress.keys()];
  const span = { size: chunkSize };
  const fetchRange = (start: number) => {
    const end = Math.min(toBlock, start + chunkSize - 1);
    return { end, logs: getLogsAdaptive(provider, addresses, start, end, span) };
  };
  let next = fromBlock <= toBlock ? fetchRange(fromBlock) : undefined;
  while (next) {
    const logs = await next.logs;
    next = next.end < toBlock ? fetchRange(next.end + 1) : undefined;
    logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    for (const log of logs) {
      const known = byAddress.get(log.address.toLowerCase())!;
      yield decodeLog(known.name, known.abi, log) ?? { unknown: log };
    }
  }
}

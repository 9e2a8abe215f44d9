import { toQuantity, type Interface, type JsonRpcApiProvider, type Provider } from "ethers";
import { decodeEvent } from "../lib/event-decoder";
import type { AuditEvent } from "./types";

export interface ContractAddresses {
  [contract: string]: { address: string; abi: Interface };
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

/** Decodes one log of a known contract, or undefined for a log the ABI does not know. */
export function decodeLog(contract: string, abi: Interface, log: LogLike): AuditEvent | undefined {
  const decoded = decodeEvent(abi, log.topics, log.data);
  if (!decoded) return undefined;
  return {
    contract,
    address: log.address,
    name: decoded.name,
    args: decoded.args,
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

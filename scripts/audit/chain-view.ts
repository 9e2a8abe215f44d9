import { AbiCoder, Contract, Interface, toQuantity, type FunctionFragment, type JsonRpcApiProvider, type JsonRpcPayload, type JsonRpcResult, type JsonRpcError, type Provider } from "ethers";
import { functionResultDecoder } from "../lib/event-decoder";
import type { ChainView } from "./types";

type Abi = ConstructorParameters<typeof Contract>[1];

interface Pending {
  payload: JsonRpcPayload;
  decode: (data: string) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** How many eth_calls go in one JSON-RPC batch (Besu and anvil accept batches far larger). */
const BATCH = 250;
/** How many block headers one timestamp lookup brings (the replay moves forward through the chain). */
const TIME_WINDOW = 100;

const CODER = AbiCoder.defaultAbiCoder();

/**
 * A view function worked out once: its selector (ethers hashes the signature at every `encodeFunctionData`) and a
 * decoder of its answer (no ethers Coder objects per call); a single output comes back alone, as from a Contract.
 */
interface ViewFunction {
  fragment: FunctionFragment;
  selector: string;
  decode: (data: string) => unknown;
}

function viewFunction(fragment: FunctionFragment): ViewFunction {
  const decodeAll = functionResultDecoder(fragment.outputs);
  return {
    fragment,
    selector: fragment.selector,
    decode: fragment.outputs.length === 1 ? (data) => decodeAll(data)[0] : decodeAll,
  };
}

/**
 * Reads contracts at one fixed block, so every comparison of an audit sees the same state. Over a JSON-RPC provider
 * the view calls made in one turn of the event loop go out as JSON-RPC batches of up to 250 eth_calls whatever the
 * provider's own batching (the gateway's provider sends one call per request): reconciling 100,000 events takes
 * tens of thousands of view calls.
 */
export class RpcChainView implements ChainView {
  private readonly contracts = new Map<string, { contract: Contract; iface: Interface; address: string; functions: Map<string, ViewFunction> }>();
  private readonly timestamps = new Map<number, number>();
  private queue: Pending[] = [];
  private nextId = 1;
  private readonly rawBatch: ((payload: JsonRpcPayload[]) => Promise<(JsonRpcResult | JsonRpcError)[]>) | undefined;

  constructor(
    private readonly provider: Provider,
    addresses: Record<string, { address: string; abi: Abi }>,
    readonly blockNumber: number,
  ) {
    for (const [name, { address, abi }] of Object.entries(addresses)) {
      const contract = new Contract(address, abi, provider);
      this.contracts.set(name, { contract, iface: contract.interface, address, functions: new Map() });
    }
    const send = (provider as Partial<Pick<JsonRpcApiProvider, "_send">>)._send;
    this.rawBatch = typeof send === "function" ? (payload) => send.call(provider, payload) : undefined;
  }

  async call<T>(contract: string, fn: string, args: unknown[] = []): Promise<T> {
    const entry = this.contracts.get(contract);
    if (!entry) throw new Error(`the deployment has no contract ${contract}`);
    if (!this.rawBatch) return (await entry.contract.getFunction(fn).staticCall(...args, { blockTag: this.blockNumber })) as T;
    let view = entry.functions.get(fn);
    if (!view) {
      const fragment = entry.iface.getFunction(fn);
      if (!fragment) throw new Error(`${contract} has no function ${fn}`);
      view = viewFunction(fragment);
      entry.functions.set(fn, view);
    }
    const data = view.selector + CODER.encode(view.fragment.inputs, args).slice(2);
    const decode = view.decode;
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        payload: { id: this.nextId++, jsonrpc: "2.0", method: "eth_call", params: [{ to: entry.address, data }, toQuantity(this.blockNumber)] },
        decode,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (this.queue.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const queue = this.queue;
    this.queue = [];
    for (let i = 0; i < queue.length; i += BATCH) {
      const part = queue.slice(i, i + BATCH);
      let answers: (JsonRpcResult | JsonRpcError)[];
      try {
        answers = await this.rawBatch!(part.map((p) => p.payload));
      } catch (error) {
        for (const p of part) p.reject(error);
        continue;
      }
      const byId = new Map(answers.map((a) => [a.id, a]));
      for (const p of part) {
        const answer = byId.get(p.payload.id);
        if (!answer) p.reject(new Error(`no answer to eth_call ${p.payload.id}`));
        else if ("error" in answer) p.reject(Object.assign(new Error(answer.error.message ?? "eth_call failed"), { data: answer.error.data }));
        else {
          try {
            p.resolve(p.decode(answer.result as string));
          } catch (error) {
            p.reject(error);
          }
        }
      }
    }
  }

  async blockTimestamp(blockNumber: number): Promise<number> {
    const cached = this.timestamps.get(blockNumber);
    if (cached !== undefined) return cached;
    if (this.rawBatch && blockNumber <= this.blockNumber) {
      await this.fetchTimestamps(blockNumber);
      const fetched = this.timestamps.get(blockNumber);
      if (fetched !== undefined) return fetched;
    }
    const timestamp = await this.fetchTimestamp(blockNumber);
    this.timestamps.set(blockNumber, timestamp);
    return timestamp;
  }

  /**
   * The replay asks for times in chain order: one JSON-RPC batch brings the times of the next blocks too, so a history
   * whose rules depend on time costs one round trip per TIME_WINDOW blocks instead of one per block.
   */
  private async fetchTimestamps(first: number): Promise<void> {
    const blocks: number[] = [];
    for (let n = first; n <= Math.min(this.blockNumber, first + TIME_WINDOW - 1); n++) blocks.push(n);
    await this.prefetchTimestamps(blocks);
  }

  /** Fetches the times of these blocks in JSON-RPC batches (for the dates of a report: scattered blocks, one trip). */
  async prefetchTimestamps(blocks: readonly number[]): Promise<void> {
    if (!this.rawBatch) return;
    const missing = blocks.filter((n) => !this.timestamps.has(n));
    for (let i = 0; i < missing.length; i += BATCH) {
      const payload: JsonRpcPayload[] = missing.slice(i, i + BATCH).map((n) => ({ id: this.nextId++, jsonrpc: "2.0", method: "eth_getBlockByNumber", params: [toQuantity(n), false] }));
      const answers = await this.rawBatch(payload).catch(() => []);
      for (const answer of answers) {
        if ("result" in answer && answer.result) {
          const block = answer.result as { number: string; timestamp: string };
          this.timestamps.set(Number(block.number), Number(block.timestamp));
        }
      }
    }
  }

  /** The raw JSON-RPC call when the provider offers it: ethers' getBlock formats the whole block, at twice the cost. */
  private async fetchTimestamp(blockNumber: number): Promise<number> {
    const send = (this.provider as Partial<Pick<JsonRpcApiProvider, "send">>).send;
    if (typeof send === "function") {
      const block = (await send.call(this.provider, "eth_getBlockByNumber", [toQuantity(blockNumber), false])) as { timestamp: string } | null;
      if (!block) throw new Error(`block ${blockNumber} not found`);
      return Number(block.timestamp);
    }
    const block = await this.provider.getBlock(blockNumber);
    if (!block) throw new Error(`block ${blockNumber} not found`);
    return block.timestamp;
  }
}

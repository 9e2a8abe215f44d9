import { FastJsonRpcProvider } from "../../scripts/lib/json-rpc";
import { fetchChainId } from "./chain-id";
import {
  FeeData,
  FetchRequest,
  JsonRpcProvider,
  Network,
  type JsonRpcError,
  type JsonRpcPayload,
  type JsonRpcResult,
  type Subscriber,
  type Subscription,
  type TransactionReceipt,
} from "ethers";

export interface ProviderOptions {
  /** Gas price of every transaction the gateway signs (the fee policy is configuration, not eth_gasPrice). */
  gasPrice: bigint;
  pollingIntervalMs: number;
  timeoutMs: number;
}

/**
 * A JsonRpcProvider for the gateway: no response cache (`cacheTimeout: -1`: a receipt or nonce read twice must
 * reach the node twice), no batching (anvil and Besu answer single calls fastest), a fixed network (no
 * eth_chainId before every call), answers read with Node's native decoder (FastJsonRpcProvider), and `getFeeData`
 * answering the configured fee policy, so any ethers signer built on it sends zero-fee transactions on a permissioned
 * chain.
 */
export class GatewayProvider extends FastJsonRpcProvider {
  readonly #gasPrice: bigint;
  readonly #endpoints: FetchRequest[];
  #current = 0;

  /**
   * `url` may name several endpoints of one network (RPC_URLS: a Besu network's nodes). Calls go to one of them; a
   * call that cannot reach it (refused, reset, timed out: no JSON-RPC answer at all) is tried on the next, which then
   * serves the calls that follow. A JSON-RPC error is an answer and is not retried. Re-sending a signed transaction
   * to another node is harmless: the same bytes carry the same nonce, so the chain takes it at most once.
   */
  constructor(url: string | string[], chainId: bigint, options: ProviderOptions) {
    const urls = Array.isArray(url) ? url : [url];
    if (urls.length === 0) throw new Error("no JSON-RPC endpoint given");
    const endpoints = urls.map((u) => {
      const request = new FetchRequest(u);
      request.timeout = options.timeoutMs;
      return request;
    });
    const network = Network.from(chainId);
    super(endpoints[0], network, {
      staticNetwork: network,
      cacheTimeout: -1,
      batchMaxCount: 1,
      pollingInterval: options.pollingIntervalMs,
    });
    this.#endpoints = endpoints;
    this.#gasPrice = options.gasPrice;
  }

  /** The endpoint calls go to now. */
  get currentUrl(): string {
    return this.#endpoints[this.#current].url;
  }

  override _getConnection(): FetchRequest {
    return this.#endpoints[this.#current].clone();
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.#endpoints.length; attempt++) {
      const at = this.#current;
      try {
        return await super._send(payload);
      } catch (err) {
        lastError = err;
        if (!isUnreachable(err) || this.#endpoints.length === 1) throw err;
        // Another call may have moved on already; move only from the endpoint that failed.
        if (this.#current === at) this.#current = (at + 1) % this.#endpoints.length;
      }
    }
    throw lastError;
  }

  /**
   * Receipts of several transactions in one JSON-RPC batch (one HTTP request), in the order asked; null for one not
   * mined. The tracker asks for every receipt of a block it scanned at once.
   */
  async getTransactionReceipts(hashes: string[]): Promise<(TransactionReceipt | null)[]> {
    if (hashes.length === 0) return [];
    const payloads: JsonRpcPayload[] = hashes.map((hash, i) => ({ jsonrpc: "2.0", id: i + 1, method: "eth_getTransactionReceipt", params: [hash] }));
    const answers = new Map((await this._send(payloads)).map((a) => [Number(a.id), a as JsonRpcResult | JsonRpcError]));
    const network = this._network;
    return payloads.map((payload) => {
      const answer = answers.get(payload.id);
      if (!answer) throw new Error(`the node gave no answer to eth_getTransactionReceipt ${payload.params}`);
      if ("error" in answer) throw this.getRpcError(payload, answer);
      return answer.result == null ? null : this._wrapTransactionReceipt(answer.result, network);
    });
  }

  override async getFeeData(): Promise<FeeData> {
    return new FeeData(this.#gasPrice, null, null);
  }

  /**
   * `tx.wait()` listens for its hash. ethers checks the receipt on every new block it sees, and its block poller
   * takes the head it first sees as its start without announcing it: a transaction mined between the receipt check
   * and that first poll is never looked at again until some later block, which a node that mines only when
   * transactions are pending (the embedded node's block producer, an idle network) may never make. Here the receipt
   * is polled on a timer instead, whatever the blocks do.
   */
  override _getSubscriber(sub: Subscription): Subscriber {
    if (sub.type === "transaction") return new ReceiptPoller(this, sub.hash, this.pollingInterval);
    return super._getSubscriber(sub);
  }
}

/** Polls one transaction's receipt every `intervalMs` and emits it under its hash (what `tx.wait()` listens for). */
class ReceiptPoller implements Subscriber {
  #running = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly provider: JsonRpcProvider,
    private readonly hash: string,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.poll();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  pause(): void {
    this.stop();
  }

  resume(): void {
    this.start();
  }

  private async poll(): Promise<void> {
    try {
      const receipt = await this.provider.getTransactionReceipt(this.hash);
      if (receipt && this.#running) void this.provider.emit(this.hash, receipt);
    } catch {
      // The node is unreachable for a moment: ask again at the next tick.
    }
    if (this.#running) this.#timer = setTimeout(() => void this.poll(), this.intervalMs);
  }
}

/** No JSON-RPC answer came back at all (as opposed to an error the node answered with). */
function isUnreachable(err: unknown): boolean {
  const e = err as { code?: string; error?: unknown } | null;
  // Node's own socket errors surface unwrapped (a connection refused, or cut before the answer).
  if (typeof e?.code === "string" && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_)/.test(e.code)) return true;
  // ethers: NETWORK_ERROR / TIMEOUT from FetchRequest, SERVER_ERROR for a non-JSON or 5xx answer (a proxy whose node is gone).
  return e?.code === "NETWORK_ERROR" || e?.code === "TIMEOUT" || (e?.code === "SERVER_ERROR" && e.error === undefined);
}

/**
 * Connects to one endpoint or several of the same network: waits (up to the deadline) for one to answer, and refuses
 * endpoints that answer with different chain ids.
 */
export async function connectProvider(url: string | string[], options: ProviderOptions & { connectDeadlineMs: number }): Promise<GatewayProvider> {
  const urls = Array.isArray(url) ? url : [url];
  const chainId = await Promise.any(urls.map((u) => fetchChainId(u, options.connectDeadlineMs))).catch((err: AggregateError) => {
    throw err.errors[0];
  });
  const others = await Promise.all(urls.map((u) => fetchChainId(u, 0).catch(() => undefined)));
  const mismatch = urls.filter((_, i) => others[i] !== undefined && others[i] !== chainId);
  if (mismatch.length) throw new Error(`RPC endpoints of different chains: ${mismatch.join(", ")} do not answer chain id ${chainId}`);
  return new GatewayProvider(urls, chainId, options);
}

export { fetchChainId };

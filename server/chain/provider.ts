import { FeeData, FetchRequest, JsonRpcProvider, Network } from "ethers";

export interface ProviderOptions {
  /** Gas price of every transaction the gateway signs (the fee policy is configuration, not eth_gasPrice). */
  gasPrice: bigint;
  pollingIntervalMs: number;
  timeoutMs: number;
}

/**
 * A JsonRpcProvider for the gateway: no response cache (`cacheTimeout: -1`: a receipt or nonce read twice must
 * reach the node twice), no batching (anvil and Besu answer single calls fastest), a fixed network (no
 * eth_chainId before every call) and `getFeeData` answering the configured fee policy, so any ethers signer
 * built on it sends zero-fee transactions on a permissioned chain.
 */
export class GatewayProvider extends JsonRpcProvider {
  readonly #gasPrice: bigint;

  constructor(url: string, chainId: bigint, options: ProviderOptions) {
    const request = new FetchRequest(url);
    request.timeout = options.timeoutMs;
    const network = Network.from(chainId);
    super(request, network, {
      staticNetwork: network,
      cacheTimeout: -1,
      batchMaxCount: 1,
      pollingInterval: options.pollingIntervalMs,
    });
    this.#gasPrice = options.gasPrice;
  }

  override async getFeeData(): Promise<FeeData> {
    return new FeeData(this.#gasPrice, null, null);
  }
}

/** Asks the node for its chain id with plain JSON-RPC, retrying until `deadlineMs` (a node may still be starting). */
export async function fetchChainId(url: string, deadlineMs: number, timeoutMs = 2_000): Promise<bigint> {
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await res.json()) as { result?: string };
      if (typeof body.result === "string") return BigInt(body.result);
      lastError = new Error(`unexpected eth_chainId answer: ${JSON.stringify(body).slice(0, 200)}`);
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - started > deadlineMs) {
      throw new Error(`No JSON-RPC node answered at ${url} within ${deadlineMs} ms: ${(lastError as Error)?.message ?? lastError}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function connectProvider(url: string, options: ProviderOptions & { connectDeadlineMs: number }): Promise<GatewayProvider> {
  const chainId = await fetchChainId(url, options.connectDeadlineMs);
  return new GatewayProvider(url, chainId, options);
}

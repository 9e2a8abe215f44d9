import { Contract, toQuantity, type JsonRpcApiProvider, type Provider } from "ethers";
import type { ChainView } from "./types";

/** Reads contracts at one fixed block, so every comparison of an audit sees the same state. */
export class RpcChainView implements ChainView {
  private readonly contracts = new Map<string, Contract>();
  private readonly timestamps = new Map<number, number>();

  constructor(
    private readonly provider: Provider,
    addresses: Record<string, { address: string; abi: ConstructorParameters<typeof Contract>[1] }>,
    readonly blockNumber: number,
  ) {
    for (const [name, { address, abi }] of Object.entries(addresses)) this.contracts.set(name, new Contract(address, abi, provider));
  }

  async call<T>(contract: string, fn: string, args: unknown[] = []): Promise<T> {
    const instance = this.contracts.get(contract);
    if (!instance) throw new Error(`the deployment has no contract ${contract}`);
    return (await instance.getFunction(fn).staticCall(...args, { blockTag: this.blockNumber })) as T;
  }

  async blockTimestamp(blockNumber: number): Promise<number> {
    const cached = this.timestamps.get(blockNumber);
    if (cached !== undefined) return cached;
    const timestamp = await this.fetchTimestamp(blockNumber);
    this.timestamps.set(blockNumber, timestamp);
    return timestamp;
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

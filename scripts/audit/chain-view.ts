import { Contract, type Provider } from "ethers";
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
    const block = await this.provider.getBlock(blockNumber);
    if (!block) throw new Error(`block ${blockNumber} not found`);
    this.timestamps.set(blockNumber, block.timestamp);
    return block.timestamp;
  }
}

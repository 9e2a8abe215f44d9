import type { Provider } from "ethers";
import type { DataAssetRegistry, SettlementToken } from "../../../typechain-types";
import { ContractEvents } from "./contract-events";

/** What an account holds outside the carbon registry: datasets (ERC-721) and VND; the indexer answers these later. */
export interface AccountReader {
  /** Ids of the datasets the account holds now, in the order it received them. */
  datasetsHeld(account: string): Promise<bigint[]>;
  /** VND balance, and what the market may draw from it (the buyer's allowance). */
  vnd(account: string, market: string): Promise<{ balance: bigint; marketAllowance: bigint }>;
}

/** AccountReader answered by the node (views and logs). */
export class ChainAccountReader implements AccountReader {
  private readonly datasetEvents: ContractEvents;

  constructor(
    provider: Provider,
    dataAssets: DataAssetRegistry,
    dataAssetsAddress: string,
    private readonly settlement: SettlementToken,
    fromBlock: number,
  ) {
    this.datasetEvents = new ContractEvents(provider, dataAssets.interface, dataAssetsAddress, fromBlock);
  }

  async datasetsHeld(account: string): Promise<bigint[]> {
    // Every ERC-721 movement (mint, transfer, forced recovery) emits Transfer, so replaying the account's own
    // Transfers in chain order gives exactly what it holds now.
    const [incoming, outgoing] = await Promise.all([
      this.datasetEvents.named("Transfer", null, account),
      this.datasetEvents.named("Transfer", account),
    ]);
    const held = new Set<bigint>();
    const ordered = [...incoming, ...outgoing].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    for (const e of ordered) {
      const id = e.args.tokenId as bigint;
      if (e.args.from === account) held.delete(id);
      if (e.args.to === account) held.add(id);
    }
    return [...held];
  }

  async vnd(account: string, market: string): Promise<{ balance: bigint; marketAllowance: bigint }> {
    const [balance, marketAllowance] = await Promise.all([this.settlement.balanceOf(account), this.settlement.allowance(account, market)]);
    return { balance, marketAllowance };
  }
}

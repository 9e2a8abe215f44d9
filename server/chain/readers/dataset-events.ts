import { toBeHex, zeroPadValue, type Log, type Provider } from "ethers";
import type { DataAssetRegistry } from "../../../typechain-types";

/** One decoded event of the DataAssetRegistry. */
export interface DatasetEvent {
  name: string;
  args: Record<string, unknown>;
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
}

/**
 * Reads dataset history straight from the chain's logs (titles, URIs, licences and valuations live only in
 * events). The indexer will take this over; until then every read asks the node.
 */
export class DatasetEvents {
  constructor(
    private readonly provider: Provider,
    private readonly registry: DataAssetRegistry,
    private readonly address: string,
    private readonly fromBlock: number,
  ) {}

  /** Every event about one dataset: those indexed by its id, its children's versioning, and its transfers. */
  async ofDataset(id: bigint): Promise<DatasetEvent[]> {
    const idTopic = zeroPadValue(toBeHex(id), 32);
    const iface = this.registry.interface;
    const [own, children, transfers] = await Promise.all([
      this.logs([null, idTopic]),
      this.logs([iface.getEvent("DatasetVersioned").topicHash, null, idTopic]),
      this.logs([iface.getEvent("Transfer").topicHash, null, null, idTopic]),
    ]);
    const seen = new Set<string>();
    return [...own, ...children, ...transfers]
      .filter((l) => {
        const key = `${l.transactionHash}:${l.index}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index)
      .map((l) => this.decode(l))
      .filter((e): e is DatasetEvent => e !== undefined);
  }

  /** Every event with the given name, oldest first. */
  async named(name: "DatasetRegistered" | "DatasetMetadataChanged"): Promise<DatasetEvent[]> {
    const logs = await this.logs([this.registry.interface.getEvent(name).topicHash]);
    return logs.map((l) => this.decode(l)).filter((e): e is DatasetEvent => e !== undefined);
  }

  private logs(topics: (string | null)[]): Promise<Log[]> {
    return this.provider.getLogs({ address: this.address, fromBlock: this.fromBlock, toBlock: "latest", topics });
  }

  private decode(log: Log): DatasetEvent | undefined {
    const parsed = this.registry.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) return undefined;
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((input, i) => {
      args[input.name] = parsed.args[i];
    });
    return { name: parsed.name, args, blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.index };
  }
}

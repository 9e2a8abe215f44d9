import type { Interface, Log, Provider } from "ethers";

/** One decoded event, with where it sits in the chain. */
export interface ChainEvent {
  name: string;
  args: Record<string, unknown>;
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
}

/** Where something happened on chain. */
export interface ChainRef {
  transactionHash: string;
  blockNumber: number;
  /** Unix seconds of the block. */
  timestamp: number;
}

/** The chain reference of an event, with its block's time. */
export async function chainRef(provider: Provider, event: ChainEvent): Promise<ChainRef> {
  const block = await provider.getBlock(event.blockNumber);
  return { transactionHash: event.transactionHash, blockNumber: event.blockNumber, timestamp: block?.timestamp ?? 0 };
}

/**
 * Reads one contract's events straight from the node's logs, decoded with its ABI. The carbon, market and account
 * readers use it until the indexer serves these queries from SQLite.
 */
export class ContractEvents {
  constructor(
    private readonly provider: Provider,
    private readonly iface: Interface,
    private readonly address: string,
    private readonly fromBlock: number,
  ) {}

  /** Events called `name`, oldest first; `indexed` filters on the event's indexed arguments, in order (null = any). */
  async named(name: string, ...indexed: (string | bigint | null)[]): Promise<ChainEvent[]> {
    const fragment = this.iface.getEvent(name);
    if (!fragment) throw new Error(`No event ${name} in this ABI`);
    const topics = indexed.length > 0 ? this.iface.encodeFilterTopics(fragment, indexed) : [fragment.topicHash];
    const logs = await this.provider.getLogs({ address: this.address, fromBlock: this.fromBlock, toBlock: "latest", topics });
    return logs.map((l) => this.decode(l)).filter((e): e is ChainEvent => e !== undefined);
  }

  /** The first event called `name` with these indexed arguments, if any. */
  async first(name: string, ...indexed: (string | bigint | null)[]): Promise<ChainEvent | undefined> {
    return (await this.named(name, ...indexed))[0];
  }

  decode(log: Log): ChainEvent | undefined {
    const parsed = this.iface.parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) return undefined;
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((input, i) => {
      args[input.name] = parsed.args[i];
    });
    return { name: parsed.name, args, blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.index };
  }
}

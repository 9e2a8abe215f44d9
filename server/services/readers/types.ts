/** Where something happened on chain. */
export interface ChainRef {
  transactionHash: string;
  blockNumber: number;
  /** Unix seconds of the block. */
  timestamp: number;
}

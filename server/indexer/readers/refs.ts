import { getAddress } from "ethers";
import type { ChainRef as IndexRef } from "../queries/common";
import type { ChainRef } from "../../services/readers/types";

/** Where something happened, as the services show it. */
export const refOf = (r: IndexRef): ChainRef => ({ transactionHash: r.txHash, blockNumber: r.blockNumber, timestamp: r.timestamp });

/** The index keeps addresses in lower case; the API shows them checksummed, as the chain's views did. */
export const checksum = (address: string | null): string | null => (address === null ? null : getAddress(address));

/** Reads every page of a keyset-paged query (for the few lists an answer needs whole). */
export function allPages<T>(read: (after: string | null) => { items: T[]; next: string | null }): T[] {
  const items: T[] = [];
  for (let after: string | null = null; ; ) {
    const page = read(after);
    items.push(...page.items);
    if (!page.next) return items;
    after = page.next;
  }
}

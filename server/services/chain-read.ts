import { isChainUnreachable } from "../chain/chain-errors";
import { isRevert, revertErrorFrom } from "../chain/revert";
import { ChainUnavailableError } from "../errors";

/**
 * Runs a read against the chain and turns its failures into API errors: an unreachable node is 503, a view that
 * reverts (e.g. ERC721NonexistentToken) is the decoded contract error.
 */
export async function readChain<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (isChainUnreachable(err)) throw new ChainUnavailableError();
    if (isRevert(err)) throw revertErrorFrom(err);
    throw err;
  }
}

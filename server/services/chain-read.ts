import { isChainUnreachable } from "../chain/chain-errors";
import { isRevert, revertErrorFrom } from "../chain/revert";
import { BadRequestError, ChainUnavailableError } from "../errors";
import { InvalidCursorError, InvalidQueryError } from "../indexer/queries/page";

/**
 * Runs a read against the chain and turns its failures into API errors: an unreachable node is 503, a view that
 * reverts (e.g. ERC721NonexistentToken) is the decoded contract error, a query the index refuses (a bad cursor) is 400.
 */
export async function readChain<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof InvalidCursorError) throw new BadRequestError("INVALID_CURSOR", err.message, { cursor: err.cursor });
    if (err instanceof InvalidQueryError) throw new BadRequestError("INVALID_QUERY", err.message);
    if (isChainUnreachable(err)) throw new ChainUnavailableError();
    if (isRevert(err)) throw revertErrorFrom(err);
    throw err;
  }
}

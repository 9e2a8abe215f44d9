import { isAddress } from "ethers";
import { InvalidQueryError } from "./page";

/** Where an event or a record sits on chain. */
export interface ChainRef {
  txHash: string;
  blockNumber: number;
  logIndex: number;
  timestamp: number;
}

/** An account address as the index stores it (lower case); a clear error for anything else. */
export function accountParam(value: string, what = "account"): string {
  if (!isAddress(value)) throw new InvalidQueryError(`${what} must be a 0x-prefixed 20-byte address, got ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

/** A bytes32 value (organisation id, hash) as the index stores it (lower case). */
export function bytes32Param(value: string, what: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new InvalidQueryError(`${what} must be 0x followed by 64 hex digits, got ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

/** A whole-number id (batch, listing, retirement); decimal text in and out, since ids are uint256. */
export function idParam(value: string | number | bigint, what: string): string {
  const text = String(value);
  if (!/^\d{1,78}$/.test(text)) throw new InvalidQueryError(`${what} must be a whole number, got ${JSON.stringify(text)}`);
  return BigInt(text).toString();
}

/** One name of an enum, or a clear error listing the valid ones. */
export function enumParam<T extends string>(value: string, names: readonly T[], what: string): number {
  const index = names.indexOf(value as T);
  if (index < 0) throw new InvalidQueryError(`${what} must be one of ${names.join(", ")}, got ${JSON.stringify(value)}`);
  return index;
}

/**
 * A user's search text as an FTS5 query: every word (letters and digits) must appear, as a word or a word's prefix.
 * Quoting each word keeps FTS5's query syntax out of the user's hands.
 */
export function ftsQuery(text: string): string {
  const words = text.normalize("NFC").match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) throw new InvalidQueryError(`search text needs at least one letter or digit, got ${JSON.stringify(text)}`);
  return words.map((w) => `"${w}"*`).join(" ");
}

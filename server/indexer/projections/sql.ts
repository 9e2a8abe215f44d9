import type Database from "better-sqlite3";
import { toBeHex, ZeroAddress } from "ethers";

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** A prepared statement, compiled once per connection: projections run for every event of a backfill. */
export function stmt(db: Database.Database, sql: string): Database.Statement {
  let statements = cache.get(db);
  if (!statements) cache.set(db, (statements = new Map()));
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = db.prepare(sql)));
  return statement;
}

const UINT256_LIMIT = 1n << 256n;

/**
 * A dataset id as the content hash it is: 0x-prefixed, 64 lower-case hex digits. A decoded uint256 takes the short
 * way (ethers' toBeHex was 3% of a catch-up's CPU: it runs for nearly every event); anything else goes through
 * toBeHex, which parses it and refuses what does not fit 32 bytes.
 */
export const datasetKey = (id: unknown): string =>
  typeof id === "bigint" && id >= 0n && id < UINT256_LIMIT ? `0x${id.toString(16).padStart(64, "0")}` : toBeHex(id as bigint, 32);

/** Addresses are stored lower-case; the zero address (no custodian, no private buyer) as NULL. */
export const account = (address: unknown): string | null => {
  const lower = (address as string).toLowerCase();
  return lower === ZeroAddress ? null : lower;
};

/** uint256 amounts are stored as decimal text (SQLite integers stop at 2^63). */
export const amount = (value: unknown): string => (value as bigint).toString();

/** Subjects of the history API for every non-zero address among `addresses` (absent arguments are skipped). */
export const accountSubjects = (...addresses: unknown[]): string[] =>
  addresses
    .filter((a): a is string => typeof a === "string")
    .map(account)
    .filter((a): a is string => a !== null)
    .map((a) => `account:${a}`);

/** Adds a (possibly negative) amount to a decimal-text amount. */
export const plus = (current: string | null | undefined, delta: bigint): string => (BigInt(current ?? "0") + delta).toString();

/** The id of a batch, listing or retirement as decimal text (uint256 ids do not fit SQLite integers). */
export const idText = (value: unknown): string => (value as bigint).toString();

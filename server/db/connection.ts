import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { migrate } from "./migrations";

export type Db = Database.Database;

/**
 * Opens (creating if needed) the gateway database and brings its schema up to date. WAL keeps readers off the
 * writers' backs; `synchronous = FULL` because the outbox row must be on disk before its transaction is sent.
 */
export function openDatabase(file: string): Db {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db);
  cacheStatements(db);
  return db;
}

/**
 * The repositories call `db.prepare(sql)` for each query; compiling the same SQL again on every call was about 3 %
 * of the gateway's time under write load. Statements are kept by their SQL text (bounded: the cache starts again
 * past 1,000 distinct texts). Safe here because no repository changes a statement's mode (`pluck`, `raw`, `expand`,
 * `safeIntegers`) or iterates one while running it again.
 */
function cacheStatements(db: Db): void {
  const prepare = db.prepare.bind(db) as (sql: string) => Database.Statement;
  let cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= 1_000) cache = new Map();
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }) as Db["prepare"];
}

export const nowIso = (): string => new Date().toISOString();

/**
 * Runs a write whose loss in a power cut costs nothing, because the tracker derives it again from the chain (a
 * transaction marked sent, its receipt, a submission's result), without waiting for its own fsync. In WAL mode the
 * next fully synchronous commit (the next outbox row) makes it durable too. The outbox rows themselves, the action
 * log and everything else keep `synchronous = FULL`.
 */
export function withoutFsync<T>(db: Db, write: () => T): T {
  // Inside a caller's transaction the caller's commit decides.
  if (db.inTransaction) return write();
  db.pragma("synchronous = NORMAL");
  try {
    return write();
  } finally {
    db.pragma("synchronous = FULL");
  }
}

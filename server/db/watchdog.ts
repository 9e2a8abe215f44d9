/** SQLite result codes after which a database cannot be trusted or written any more (corrupt, not a database, disk). */
const FATAL_CODES = /^SQLITE_(CORRUPT|NOTADB|IOERR|FULL|READONLY|CANTOPEN|PERM)/;

/** Whether `err` says the database is unusable (as opposed to busy, or a constraint a request broke). */
export function isFatalDatabaseError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && FATAL_CODES.test(code);
}

export interface Checkable {
  prepare(sql: string): { get(): unknown };
}

/**
 * Looks at the database every `intervalMs` (a read of the schema, the cheapest query that touches the file) and calls
 * `onFatal` once if it has become unusable: the gateway then exits non-zero so that its supervisor restarts it, rather
 * than answering 500 for ever. Returns the function that stops watching.
 */
export function watchDatabase(dbs: Record<string, Checkable>, options: { intervalMs: number; onFatal: (err: Error) => void }): () => void {
  let done = false;
  const timer = setInterval(() => {
    for (const [name, db] of Object.entries(dbs)) {
      try {
        db.prepare("SELECT count(*) FROM sqlite_master").get();
      } catch (err) {
        if (done || !isFatalDatabaseError(err)) continue;
        done = true;
        clearInterval(timer);
        options.onFatal(new Error(`${name} is unusable: ${(err as Error).message}`, { cause: err }));
        return;
      }
    }
  }, options.intervalMs);
  timer.unref();
  return () => {
    done = true;
    clearInterval(timer);
  };
}

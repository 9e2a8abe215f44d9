import type { Db } from "../../db/connection";
import { outsideRequestContext } from "../../context";

interface Member {
  write: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for the outbox: the writes that reach it in the same turn of the event loop (concurrent requests of
 * different signers) go into one database transaction, committed with `synchronous = FULL`, so one fsync makes the
 * whole group durable instead of one per write. Each write runs in its own savepoint: one that throws is undone alone
 * and only its caller sees the error. `commit` resolves after the group's commit, so nothing is sent or answered
 * before it is durable (the outbox's guarantee is unchanged; a crash before the commit loses only writes that were
 * never acknowledged nor sent).
 */
export class GroupCommit {
  #pending: Member[] = [];
  /** Groups committed and writes they carried (for the benchmark and tests). */
  readonly stats = { groups: 0, writes: 0 };

  constructor(private readonly db: Db) {}

  commit(write: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ write, resolve, reject });
      // The flush must not run in (and log under) the request that happened to schedule it.
      if (this.#pending.length === 1) outsideRequestContext(() => setImmediate(() => this.flush()));
    });
  }

  private flush(): void {
    const group = this.#pending;
    this.#pending = [];
    const failures = new Map<Member, unknown>();
    try {
      this.db.transaction(() => {
        for (const member of group) {
          try {
            this.db.transaction(member.write)();
          } catch (err) {
            failures.set(member, err);
          }
        }
      })();
    } catch (err) {
      for (const member of group) member.reject(err);
      return;
    }
    this.stats.groups++;
    this.stats.writes += group.length - failures.size;
    for (const member of group) {
      if (failures.has(member)) member.reject(failures.get(member));
      else member.resolve();
    }
  }
}

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import { GroupCommit } from "../../../server/chain/tx/group-commit";

describe("GroupCommit (the outbox's group commit)", function () {
  let dir: string;
  let db: Database.Database;
  let other: Database.Database;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cal-group-commit-"));
    const file = path.join(dir, "g.db");
    db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)");
    // A second connection sees only what was committed.
    other = new Database(file, { readonly: true });
  });
  afterEach(function () {
    other.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const insert = (v: string) => () => void db.prepare("INSERT INTO t (v) VALUES (?)").run(v);
  const committed = () => (other.prepare("SELECT v FROM t ORDER BY id").all() as { v: string }[]).map((r) => r.v);

  describe("#commit", function () {
    it("commits the writes of one turn of the event loop together, and resolves only once they are committed", async function () {
      const commits = new GroupCommit(db);
      const seenAtResolve: string[][] = [];
      const writes = ["a", "b", "c"].map((v) => commits.commit(insert(v)).then(() => seenAtResolve.push(committed())));
      // Nothing is committed before the group is flushed.
      expect(committed()).to.deep.equal([]);
      await Promise.all(writes);
      expect(commits.stats).to.deep.equal({ groups: 1, writes: 3 });
      for (const seen of seenAtResolve) expect(seen).to.deep.equal(["a", "b", "c"]);
      await commits.commit(insert("d"));
      expect(commits.stats).to.deep.equal({ groups: 2, writes: 4 });
    });

    it("undoes a write that throws alone: its caller gets the error, the others are committed", async function () {
      const commits = new GroupCommit(db);
      const results = await Promise.allSettled([
        commits.commit(insert("x")),
        commits.commit(() => {
          insert("y")();
          insert("x")(); // UNIQUE: this write (y and its duplicate x) is rolled back to its savepoint
        }),
        commits.commit(insert("z")),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
      expect(((results[1] as PromiseRejectedResult).reason as Error).message).to.match(/UNIQUE/);
      expect(committed()).to.deep.equal(["x", "z"]);
      expect(commits.stats).to.deep.equal({ groups: 1, writes: 2 });
    });
  });
});

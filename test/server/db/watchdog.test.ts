import { expect } from "chai";
import Database from "better-sqlite3";
import { isFatalDatabaseError, watchDatabase } from "../../../server/db/watchdog";

const sqliteError = (code: string) => Object.assign(new Error(code), { code });

describe("database watchdog", function () {
  describe("#isFatalDatabaseError", function () {
    it("is true for a corrupt, foreign, unreadable or full database, false for a busy one or a broken constraint", function () {
      for (const code of ["SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_IOERR_READ", "SQLITE_FULL", "SQLITE_READONLY_DBMOVED", "SQLITE_CANTOPEN"]) {
        expect(isFatalDatabaseError(sqliteError(code)), code).to.equal(true);
      }
      for (const code of ["SQLITE_BUSY", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_LOCKED"]) expect(isFatalDatabaseError(sqliteError(code)), code).to.equal(false);
      expect(isFatalDatabaseError(new Error("x"))).to.equal(false);
      expect(isFatalDatabaseError(null)).to.equal(false);
    });
  });

  describe("#watchDatabase", function () {
    it("calls onFatal once, naming the database, when it becomes unusable; a busy database is not fatal", async function () {
      let failWith: string | undefined;
      const db = new Database(":memory:");
      const flaky = { prepare: (sql: string) => (failWith ? { get: () => { throw sqliteError(failWith!); } } : db.prepare(sql)) };
      const fatal: Error[] = [];
      const stop = watchDatabase({ "gateway.db": flaky }, { intervalMs: 5, onFatal: (err) => fatal.push(err) });
      try {
        await new Promise((r) => setTimeout(r, 30));
        failWith = "SQLITE_BUSY";
        await new Promise((r) => setTimeout(r, 30));
        expect(fatal).to.have.length(0);
        failWith = "SQLITE_CORRUPT";
        await new Promise((r) => setTimeout(r, 40));
        expect(fatal).to.have.length(1);
        expect(fatal[0].message).to.equal("gateway.db is unusable: SQLITE_CORRUPT");
      } finally {
        stop();
        db.close();
      }
    });
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { openDatabase, withoutFsync, type Db } from "../../../server/db/connection";

describe("gateway database: withoutFsync", function () {
  let dir: string;
  let db: Db;
  const level = () => db.pragma("synchronous", { simple: true });

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cal-db-"));
    db = openDatabase(path.join(dir, "gateway.db"));
  });
  afterEach(function () {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("runs the write without its own fsync (NORMAL), then every other commit is FULL again, even when the write throws", function () {
    expect(level()).to.equal(2);
    expect(withoutFsync(db, () => level())).to.equal(1);
    expect(level()).to.equal(2);
    expect(() =>
      withoutFsync(db, () => {
        throw new Error("boom");
      }),
    ).to.throw("boom");
    expect(level()).to.equal(2);
  });

  it("inside a caller's transaction changes nothing: the caller's (FULL) commit decides", function () {
    expect(db.transaction(() => withoutFsync(db, () => level()))()).to.equal(2);
    expect(level()).to.equal(2);
  });
});

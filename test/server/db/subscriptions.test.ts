import { expect } from "chai";
import { openDatabase, type Db } from "../../../server/db/connection";
import { SubscriptionsRepository } from "../../../server/db/repositories/subscriptions";
import { SecretBox } from "../../../server/db/secret-box";

const PASSWORD = "a keystore password";
const SECRET = "a-webhook-secret-of-some-length";

describe("SubscriptionsRepository", function () {
  let db: Db;
  beforeEach(() => {
    db = openDatabase(":memory:");
  });
  afterEach(() => db.close());

  const rawSecret = (id: string) =>
    (
      db.prepare("SELECT secret FROM subscriptions WHERE id = ?").get(id) as {
        secret: string;
      }
    ).secret;
  const input = (id: string) => ({
    id,
    orgCode: "DATA-OFFICE",
    apiKeyId: "key_1",
    scopes: ["events:read"],
    url: "https://example.org/hook",
    filter: {},
    secret: SECRET,
    at: { cursor: 0, epoch: "e1", mark: null },
  });

  describe("secrets at rest", function () {
    it("stores a new subscription's secret sealed and reads it back in clear", function () {
      const repo = new SubscriptionsRepository(
        db,
        new SecretBox(PASSWORD, "webhook-secrets"),
      );
      const row = repo.insert(input("sub_1"));
      expect(SecretBox.isSealed(rawSecret("sub_1"))).to.equal(true);
      expect(rawSecret("sub_1")).to.not.include(SECRET);
      expect(repo.secretOf(row)).to.equal(SECRET);
    });

    it("seals, when it opens, the secrets an earlier gateway stored in clear", function () {
      db.prepare(
        "INSERT INTO subscriptions (id, org_code, api_key_id, scopes, url, filter, secret, cursor, created_at) VALUES ('sub_old', 'DATA-OFFICE', 'key_1', '[]', 'https://example.org/', '{}', ?, 0, '2026-01-01T00:00:00Z')",
      ).run(SECRET);
      const repo = new SubscriptionsRepository(
        db,
        new SecretBox(PASSWORD, "webhook-secrets"),
      );
      expect(SecretBox.isSealed(rawSecret("sub_old"))).to.equal(true);
      expect(repo.secretOf(repo.get("sub_old")!)).to.equal(SECRET);
      // Opening again (the next start) leaves sealed secrets as they are.
      const sealed = rawSecret("sub_old");
      new SubscriptionsRepository(
        db,
        new SecretBox(PASSWORD, "webhook-secrets"),
      );
      expect(rawSecret("sub_old")).to.equal(sealed);
    });
  });

  describe("#delivered and #rebase", function () {
    const mark = (block: number) => ({ block, blockHash: `0x${block.toString(16).padStart(64, "0")}` });
    /** The cursor as stored, in the shape of the `CursorAt` it was written with. */
    const stored = (repo: SubscriptionsRepository) => {
      const row = repo.get("sub_1")!;
      return { cursor: row.cursor, epoch: row.feed_epoch, mark: row.mark_block === null ? null : { block: row.mark_block, blockHash: row.mark_block_hash } };
    };
    const opened = () => {
      const repo = new SubscriptionsRepository(db, new SecretBox(PASSWORD, "webhook-secrets"));
      repo.insert(input("sub_1"));
      repo.delivered("sub_1", { cursor: 10, epoch: "e1", mark: mark(5) }, 204);
      return repo;
    };

    it("moves the cursor and its mark forward together, never back", function () {
      const repo = opened();
      expect(stored(repo)).to.deep.equal({ cursor: 10, epoch: "e1", mark: mark(5) });
      repo.delivered("sub_1", { cursor: 7, epoch: "e1", mark: mark(3) }, 204);
      expect(stored(repo)).to.deep.equal({ cursor: 10, epoch: "e1", mark: mark(5) });
      repo.delivered("sub_1", { cursor: 12, epoch: "e1", mark: null }, null);
      expect(stored(repo)).to.deep.equal({ cursor: 12, epoch: "e1", mark: null });
    });

    it("moves the cursor back only into another numbering", function () {
      const repo = opened();
      repo.rebase("sub_1", { cursor: 6, epoch: "e2", mark: mark(5) });
      expect(stored(repo)).to.deep.equal({ cursor: 6, epoch: "e2", mark: mark(5) });
    });
  });
});

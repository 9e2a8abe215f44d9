import { expect } from "chai";
import { openDatabase, type Db } from "../../../server/db/connection";
import { SubscriptionsRepository } from "../../../server/db/repositories/subscriptions";
import { SecretBox } from "../../../server/db/secret-box";

const PASSWORD = "a keystore password";
const SECRET = "a-webhook-secret-of-some-length";

describe("SecretBox", function () {
  describe("#seal", function () {
    it("keeps nothing of the clear text and never seals twice alike", function () {
      const box = new SecretBox(PASSWORD, "webhook-secrets");
      const [a, b] = [box.seal(SECRET, "sub_1"), box.seal(SECRET, "sub_1")];
      expect(SecretBox.isSealed(a)).to.equal(true);
      expect(a).to.not.include(SECRET);
      expect(Buffer.from(a.split(":").pop()!, "base64url").toString()).to.not.equal(SECRET);
      expect(a).to.not.equal(b);
    });
  });

  describe("#open", function () {
    it("opens what a box of another start (another salt) sealed under the same password", function () {
      const sealed = new SecretBox(PASSWORD, "webhook-secrets").seal(SECRET, "sub_1");
      expect(new SecretBox(PASSWORD, "webhook-secrets").open(sealed, "sub_1")).to.equal(SECRET);
    });

    it("refuses another password, another purpose, another row and a tampered value", function () {
      const sealed = new SecretBox(PASSWORD, "webhook-secrets").seal(SECRET, "sub_1");
      expect(() => new SecretBox("another password", "webhook-secrets").open(sealed, "sub_1")).to.throw();
      expect(() => new SecretBox(PASSWORD, "other-secrets").open(sealed, "sub_1")).to.throw();
      expect(() => new SecretBox(PASSWORD, "webhook-secrets").open(sealed, "sub_2")).to.throw();
      const parts = sealed.split(":");
      const body = Buffer.from(parts[parts.length - 1]!, "base64url");
      body[0] ^= 1;
      parts[parts.length - 1] = body.toString("base64url");
      expect(() => new SecretBox(PASSWORD, "webhook-secrets").open(parts.join(":"), "sub_1")).to.throw();
      expect(() => new SecretBox(PASSWORD, "webhook-secrets").open(SECRET, "sub_1")).to.throw("not a sealed value");
      expect(() => new SecretBox(PASSWORD, "webhook-secrets").open("sealed:v1:salt", "sub_1")).to.throw("malformed");
    });
  });
});

describe("SubscriptionsRepository: secrets at rest", function () {
  let db: Db;
  beforeEach(() => {
    db = openDatabase(":memory:");
  });
  afterEach(() => db.close());

  const rawSecret = (id: string) => (db.prepare("SELECT secret FROM subscriptions WHERE id = ?").get(id) as { secret: string }).secret;
  const input = (id: string) => ({ id, orgCode: "DATA-OFFICE", apiKeyId: "key_1", scopes: ["events:read"], url: "https://example.org/hook", filter: {}, secret: SECRET, cursor: 0 });

  it("stores a new subscription's secret sealed and reads it back in clear", function () {
    const repo = new SubscriptionsRepository(db, new SecretBox(PASSWORD, "webhook-secrets"));
    const row = repo.insert(input("sub_1"));
    expect(SecretBox.isSealed(rawSecret("sub_1"))).to.equal(true);
    expect(rawSecret("sub_1")).to.not.include(SECRET);
    expect(repo.secretOf(row)).to.equal(SECRET);
  });

  it("seals, when it opens, the secrets an earlier gateway stored in clear", function () {
    db.prepare(
      "INSERT INTO subscriptions (id, org_code, api_key_id, scopes, url, filter, secret, cursor, created_at) VALUES ('sub_old', 'DATA-OFFICE', 'key_1', '[]', 'https://example.org/', '{}', ?, 0, '2026-01-01T00:00:00Z')",
    ).run(SECRET);
    const repo = new SubscriptionsRepository(db, new SecretBox(PASSWORD, "webhook-secrets"));
    expect(SecretBox.isSealed(rawSecret("sub_old"))).to.equal(true);
    expect(repo.secretOf(repo.get("sub_old")!)).to.equal(SECRET);
    // Opening again (the next start) leaves sealed secrets as they are.
    const sealed = rawSecret("sub_old");
    new SubscriptionsRepository(db, new SecretBox(PASSWORD, "webhook-secrets"));
    expect(rawSecret("sub_old")).to.equal(sealed);
  });
});

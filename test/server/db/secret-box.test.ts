import { expect } from "chai";
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

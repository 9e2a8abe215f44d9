import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Transaction, type Provider } from "ethers";
import { Keystore } from "../../../server/chain/key-store";
import { createLogger } from "../../../server/logger";
import { tempDir } from "../helpers/temp-dir";

describe("keystore", function () {
  const log = createLogger("silent");
  const dir = () => tempDir("cal-keystore-");

  it("keeps each key encrypted in its own 0600 file and unlocks them all at start", async function () {
    const where = dir();
    const ks = await Keystore.open({ dir: where, password: "correct horse battery", scryptN: 1024, log });
    const wallet = await ks.create("DATA-OFFICE");
    const file = path.join(where, "DATA-OFFICE.json");
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const json = fs.readFileSync(file, "utf8");
    expect(json).to.not.contain(wallet.privateKey.slice(2));
    expect(JSON.parse(json).crypto ?? JSON.parse(json).Crypto).to.have.property("ciphertext");

    const reopened = await Keystore.open({ dir: where, password: "correct horse battery", scryptN: 1024, log });
    expect(reopened.address("DATA-OFFICE")).to.equal(wallet.address);
    expect((await reopened.get("DATA-OFFICE")).privateKey).to.equal(wallet.privateKey);
    expect(reopened.aliases()).to.deep.equal(["DATA-OFFICE"]);
    await expect(reopened.create("DATA-OFFICE")).to.be.rejectedWith(/already holds/);
    await expect(reopened.create("../evil")).to.be.rejectedWith(/Invalid keystore alias/);
  });

  it("fails at start, naming KEYSTORE_PASSWORD, when the password is wrong", async function () {
    const where = dir();
    await (await Keystore.open({ dir: where, password: "right-password-1", scryptN: 1024, log })).create("A1");
    await expect(Keystore.open({ dir: where, password: "wrong-password-1", scryptN: 1024, log })).to.be.rejectedWith(/KEYSTORE_PASSWORD/);
  });

  it("unlocks a key only when first used: an unreadable key that is never used does not stop the start", async function () {
    const where = dir();
    const first = await Keystore.open({ dir: where, password: "right-password-1", scryptN: 1024, log });
    const admin = await first.create("CITY-ADMIN");
    const other = await first.create("BIZ-1");
    // Damage BIZ-1's ciphertext (its address stays readable): only an unlock can notice.
    const file = path.join(where, "BIZ-1.json");
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    const crypto = json.crypto ?? json.Crypto;
    crypto.mac = "00".repeat(32);
    fs.writeFileSync(file, JSON.stringify(json));

    const ks = await Keystore.open({ dir: where, password: "right-password-1", scryptN: 1024, log, verifyWith: "CITY-ADMIN" });
    expect(ks.aliases()).to.deep.equal(["BIZ-1", "CITY-ADMIN"]);
    expect(ks.address("BIZ-1")).to.equal(other.address);
    expect((await ks.get("CITY-ADMIN")).privateKey).to.equal(admin.privateKey);
    await expect(ks.get("BIZ-1")).to.be.rejectedWith(/Cannot decrypt keystore file BIZ-1.json: wrong KEYSTORE_PASSWORD/);
    await expect(ks.get("NOBODY")).to.be.rejectedWith(/No key for NOBODY/);
    expect(() => ks.address("NOBODY")).to.throw(/No key for NOBODY/);
    // The same unlock serves concurrent callers.
    const [a, b] = await Promise.all([ks.get("CITY-ADMIN"), ks.get("CITY-ADMIN")]);
    expect(a).to.equal(b);
  });

  describe("#signer", function () {
    it("knows the address at once and unlocks the key only when it first signs; a key that cannot be unlocked fails then", async function () {
      const where = dir();
      const first = await Keystore.open({ dir: where, password: "right-password-1", scryptN: 1024, log });
      await first.create("CITY-ADMIN");
      const operator = await first.create("CITY-OPERATOR");
      const broken = await first.create("BIZ-1");
      const file = path.join(where, "BIZ-1.json");
      const json = JSON.parse(fs.readFileSync(file, "utf8"));
      (json.crypto ?? json.Crypto).mac = "00".repeat(32);
      fs.writeFileSync(file, JSON.stringify(json));

      const ks = await Keystore.open({ dir: where, password: "right-password-1", scryptN: 1024, log, verifyWith: "CITY-ADMIN" });
      const unlocked: string[] = [];
      const get = ks.get.bind(ks);
      ks.get = (alias: string, provider?: Provider) => {
        unlocked.push(alias);
        return get(alias, provider);
      };
      const signer = ks.signer("CITY-OPERATOR");
      const other = await ks.ensureSigner("BIZ-1");
      expect(signer.address).to.equal(operator.address);
      expect(other.address).to.equal(broken.address);
      expect(unlocked).to.deep.equal([]);

      const raw = await signer.signTransaction({ to: operator.address, nonce: 0, gasLimit: 21_000, gasPrice: 0, chainId: 31337 });
      expect(Transaction.from(raw).from).to.equal(operator.address);
      expect(unlocked).to.deep.equal(["CITY-OPERATOR"]);
      await expect(other.signTransaction({ to: operator.address, nonce: 0, gasLimit: 21_000, gasPrice: 0, chainId: 31337 })).to.be.rejectedWith(
        /Cannot decrypt keystore file BIZ-1.json/,
      );
      expect(() => ks.signer("NOBODY")).to.throw(/No key for NOBODY/);
    });

    it("creates the key when there is none (a first start), and keeps it", async function () {
      const where = dir();
      const ks = await Keystore.open({ dir: where, password: "right-password-1", scryptN: 1024, log });
      const created = await ks.ensureSigner("CITY-OPERATOR.ANCHOR");
      expect(fs.existsSync(path.join(where, "CITY-OPERATOR.ANCHOR.json"))).to.equal(true);
      const reopened = await Keystore.open({ dir: where, password: "right-password-1", scryptN: 1024, log });
      expect((await reopened.ensureSigner("CITY-OPERATOR.ANCHOR")).address).to.equal(created.address);
    });
  });

  it("imports a given private key", async function () {
    const ks = await Keystore.open({ dir: dir(), password: "pw-pw-pw-pw-pw", scryptN: 1024, log });
    const key = "0x" + "11".repeat(32);
    expect((await ks.ensure("CITY-ADMIN", key)).privateKey).to.equal(key);
    expect((await ks.ensure("CITY-ADMIN")).privateKey).to.equal(key);
  });
});

import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
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

  it("starts unlocking the warm keys beside the probe; a warm key that cannot be unlocked fails only when asked for", async function () {
    const where = dir();
    const first = await Keystore.open({ dir: where, password: "right-password-1", scryptN: 1024, log });
    const admin = await first.create("CITY-ADMIN");
    const operator = await first.create("CITY-OPERATOR");
    await first.create("BIZ-1");
    const file = path.join(where, "BIZ-1.json");
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    (json.crypto ?? json.Crypto).mac = "00".repeat(32);
    fs.writeFileSync(file, JSON.stringify(json));

    const ks = await Keystore.open({ dir: where, password: "right-password-1", scryptN: 1024, log, verifyWith: "CITY-ADMIN", warm: ["CITY-OPERATOR", "BIZ-1", "NOBODY"] });
    expect((await ks.get("CITY-ADMIN")).address).to.equal(admin.address);
    expect((await ks.get("CITY-OPERATOR")).address).to.equal(operator.address);
    await expect(ks.get("BIZ-1")).to.be.rejectedWith(/Cannot decrypt keystore file BIZ-1.json/);
    await expect(ks.get("NOBODY")).to.be.rejectedWith(/No key for NOBODY/);
  });

  it("imports a given private key", async function () {
    const ks = await Keystore.open({ dir: dir(), password: "pw-pw-pw-pw-pw", scryptN: 1024, log });
    const key = "0x" + "11".repeat(32);
    expect((await ks.ensure("CITY-ADMIN", key)).privateKey).to.equal(key);
    expect((await ks.ensure("CITY-ADMIN")).privateKey).to.equal(key);
  });
});

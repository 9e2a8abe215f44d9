import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Keystore } from "../../../server/chain/key-store";
import { createLogger } from "../../../server/logger";

describe("keystore", function () {
  const log = createLogger("silent");
  const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), "cal-keystore-"));

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
    expect(reopened.get("DATA-OFFICE").address).to.equal(wallet.address);
    expect(reopened.aliases()).to.deep.equal(["DATA-OFFICE"]);
    await expect(reopened.create("DATA-OFFICE")).to.be.rejectedWith(/already holds/);
    await expect(reopened.create("../evil")).to.be.rejectedWith(/Invalid keystore alias/);
  });

  it("fails at start, naming KEYSTORE_PASSWORD, when the password is wrong", async function () {
    const where = dir();
    await (await Keystore.open({ dir: where, password: "right-password-1", scryptN: 1024, log })).create("A1");
    await expect(Keystore.open({ dir: where, password: "wrong-password-1", scryptN: 1024, log })).to.be.rejectedWith(/KEYSTORE_PASSWORD/);
  });

  it("imports a given private key", async function () {
    const ks = await Keystore.open({ dir: dir(), password: "pw-pw-pw-pw-pw", scryptN: 1024, log });
    const key = "0x" + "11".repeat(32);
    expect((await ks.ensure("CITY-ADMIN", key)).privateKey).to.equal(key);
    expect((await ks.ensure("CITY-ADMIN")).privateKey).to.equal(key);
  });
});

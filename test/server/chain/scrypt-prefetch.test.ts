import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Keystore } from "../../../server/chain/key-store";
import { prefetchScrypt, prefetchedCount } from "../../../server/chain/scrypt-prefetch";
import { loadConfig } from "../../../server/config";
import { createLogger } from "../../../server/logger";
import { prefetchStartKeys, startKeyAliases } from "../../../server/start-keys";
import { tempDir } from "../helpers/temp-dir";

const log = createLogger("silent");
const PASSWORD = "right-password-1";

async function keystoreWith(aliases: string[], password = PASSWORD): Promise<{ dir: string; keys: Map<string, string> }> {
  const dir = tempDir("cal-prefetch-");
  const ks = await Keystore.open({ dir, password, scryptN: 1024, log });
  const keys = new Map<string, string>();
  for (const alias of aliases) keys.set(alias, (await ks.create(alias)).privateKey);
  return { dir, keys };
}

describe("scrypt prefetch", function () {
  describe("#prefetchScrypt", function () {
    it("derives the named keys early, and the keystore that opens them takes those derivations", async function () {
      const { dir, keys } = await keystoreWith(["A1", "B2", "C3"]);
      const before = prefetchedCount();
      expect(prefetchScrypt(dir, PASSWORD, ["A1", "B2", "MISSING"])).to.equal(2);
      expect(prefetchedCount()).to.equal(before + 2);

      const ks = await Keystore.open({ dir, password: PASSWORD, scryptN: 1024, log, verifyWith: "A1" });
      expect((await ks.get("B2")).privateKey).to.equal(keys.get("B2"));
      expect(prefetchedCount()).to.equal(before); // both taken, none derived twice
      expect((await ks.get("A1")).privateKey).to.equal(keys.get("A1"));
      expect((await ks.get("C3")).privateKey).to.equal(keys.get("C3")); // not prefetched: derived when asked
    });

    it("never hands another password's derivation to the keystore, and forgets it after keepMs", async function () {
      const { dir, keys } = await keystoreWith(["A1"]);
      const before = prefetchedCount();
      expect(prefetchScrypt(dir, "wrong-password-1", ["A1"], 150)).to.equal(1);
      const ks = await Keystore.open({ dir, password: PASSWORD, scryptN: 1024, log, verifyWith: "A1" });
      expect((await ks.get("A1")).privateKey).to.equal(keys.get("A1"));
      expect(prefetchedCount()).to.equal(before + 1); // not taken
      await new Promise((r) => setTimeout(r, 250));
      expect(prefetchedCount()).to.equal(before);
    });

    it("still fails the start, naming KEYSTORE_PASSWORD, when the password it derived with is wrong", async function () {
      const { dir } = await keystoreWith(["A1"]);
      const before = prefetchedCount();
      expect(prefetchScrypt(dir, "wrong-password-1", ["A1"])).to.equal(1);
      await expect(Keystore.open({ dir, password: "wrong-password-1", scryptN: 1024, log, verifyWith: "A1" })).to.be.rejectedWith(/KEYSTORE_PASSWORD/);
      expect(prefetchedCount()).to.equal(before);
    });

    it("skips files that are not JSON or not scrypt, leaving them to the keystore to report", async function () {
      const { dir } = await keystoreWith(["A1"]);
      fs.writeFileSync(path.join(dir, "BROKEN.json"), "{ not json");
      const json = JSON.parse(fs.readFileSync(path.join(dir, "A1.json"), "utf8")) as { crypto?: { kdf: string }; Crypto?: { kdf: string } };
      (json.crypto ?? json.Crypto)!.kdf = "pbkdf2";
      fs.writeFileSync(path.join(dir, "PBKDF.json"), JSON.stringify(json));
      expect(prefetchScrypt(dir, PASSWORD, ["BROKEN", "PBKDF", "NONE"])).to.equal(0);
    });
  });

  describe("#prefetchStartKeys", function () {
    it("derives only the key that proves the password on a restart (the administrator's; the governor's against RPC_URL), none on a first start", async function () {
      expect(startKeyAliases(false)).to.deep.equal(["CITY-ADMIN"]);
      expect(startKeyAliases(true)).to.deep.equal(["CITY-OPERATOR"]);
      const { dir: keystoreDir } = await keystoreWith(["CITY-ADMIN", "CITY-OPERATOR", "CITY-OPERATOR.ANCHOR"]);
      const home = tempDir("cal-prefetch-home-");
      fs.renameSync(keystoreDir, path.join(home, "keystore"));
      const before = prefetchedCount();
      expect(prefetchStartKeys(loadConfig({ DATA_DIR: home }))).to.equal(0); // no password yet: a first start generates it

      fs.writeFileSync(path.join(home, "keystore-password"), `${PASSWORD}\n`);
      expect(prefetchStartKeys(loadConfig({ DATA_DIR: home }))).to.equal(1);
      const ks = await Keystore.open({ dir: path.join(home, "keystore"), password: PASSWORD, scryptN: 1024, log, verifyWith: startKeyAliases(false)[0] });
      expect(prefetchedCount()).to.equal(before); // the open took the one derived
      await ks.get("CITY-OPERATOR");
      expect(prefetchedCount()).to.equal(before);

      expect(prefetchStartKeys(loadConfig({ DATA_DIR: home, RPC_URL: "http://127.0.0.1:1", KEYSTORE_PASSWORD: PASSWORD }))).to.equal(1);
      await Keystore.open({ dir: path.join(home, "keystore"), password: PASSWORD, scryptN: 1024, log, verifyWith: startKeyAliases(true)[0] });
      expect(prefetchedCount()).to.equal(before);
    });
  });
});

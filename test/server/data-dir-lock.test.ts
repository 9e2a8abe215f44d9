import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import pino from "pino";
import { loadConfig } from "../../server/config";
import { acquireDataDirLock } from "../../server/data-dir-lock";
import { startEmbeddedNodeEarly } from "../../server/early-node";
import { tempDir } from "./helpers/temp-dir";

/** A live Node.js process other than this one: what a second gateway's lock file would name. */
function otherNodeProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
  return new Promise((resolve, reject) => {
    child.once("spawn", () => resolve(child));
    child.once("error", reject);
  });
}

describe("DATA_DIR lock (one gateway per DATA_DIR)", function () {
  describe("#acquireDataDirLock", function () {
    it("takes a free DATA_DIR, writes its pid, and releases only its own lock", function () {
      const dir = tempDir("cal-lock-");
      const release = acquireDataDirLock(dir);
      const file = path.join(dir, "gateway.lock");
      expect(fs.readFileSync(file, "utf8")).to.equal(String(process.pid));
      release();
      expect(fs.existsSync(file)).to.equal(false);
      // A lock another process took meanwhile is not ours to remove.
      const releaseAgain = acquireDataDirLock(dir);
      fs.writeFileSync(file, "999999999");
      releaseAgain();
      expect(fs.readFileSync(file, "utf8")).to.equal("999999999");
    });

    it("refuses a DATA_DIR whose lock names a live gateway process", async function () {
      const dir = tempDir("cal-lock-");
      const other = await otherNodeProcess();
      try {
        fs.writeFileSync(path.join(dir, "gateway.lock"), String(other.pid));
        expect(() => acquireDataDirLock(dir)).to.throw(`Another gateway (pid ${other.pid}) is using ${dir}; stop it first`);
        expect(fs.readFileSync(path.join(dir, "gateway.lock"), "utf8")).to.equal(String(other.pid));
      } finally {
        other.kill("SIGKILL");
      }
    });

    it("takes over the lock of a process that is gone, or of a recycled pid that is not a gateway", async function () {
      const dir = tempDir("cal-lock-");
      const gone = await otherNodeProcess();
      const exited = new Promise((resolve) => gone.once("exit", resolve));
      gone.kill("SIGKILL");
      await exited;
      fs.writeFileSync(path.join(dir, "gateway.lock"), String(gone.pid));
      acquireDataDirLock(dir)();
      // pid 1 is alive but is no Node.js process (init, or the container's entry point).
      const init = fs.readFileSync("/proc/1/cmdline", "utf8");
      if (!/node|ts-node/.test(init)) {
        fs.writeFileSync(path.join(dir, "gateway.lock"), "1");
        acquireDataDirLock(dir)();
      }
    });
  });

  describe("#startEmbeddedNodeEarly", function () {
    it("starts no node when another gateway holds the DATA_DIR", async function () {
      const dir = tempDir("cal-lock-");
      const other = await otherNodeProcess();
      try {
        fs.writeFileSync(path.join(dir, "gateway.lock"), String(other.pid));
        const config = loadConfig({ DATA_DIR: dir, CHAIN_PORT: "1" });
        expect(() => startEmbeddedNodeEarly(config, pino({ level: "silent" }))).to.throw("Another gateway");
        // Nothing of a node: no pid file, no log, no state.
        expect(fs.readdirSync(dir)).to.deep.equal(["gateway.lock"]);
      } finally {
        other.kill("SIGKILL");
      }
    });

    it("starts none either against RPC_URL (the production network)", function () {
      const dir = tempDir("cal-lock-");
      const config = loadConfig({ DATA_DIR: dir, RPC_URL: "http://127.0.0.1:1", KEYSTORE_PASSWORD: "a-long-password" });
      expect(startEmbeddedNodeEarly(config, pino({ level: "silent" }))).to.equal(undefined);
      expect(fs.readdirSync(dir)).to.deep.equal([]);
    });
  });
});

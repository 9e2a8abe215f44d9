import { expect } from "chai";
import path from "node:path";
import { ConfigError, adminDelayOf, describeConfig, loadConfig, sizeInBytes } from "../../server/config";

describe("configuration", function () {
  it("has defaults for everything (embedded node, local only, zero gas price)", function () {
    const cfg = loadConfig({});
    expect(cfg).to.include({ PORT: 8080, HOST: "127.0.0.1", CHAIN_PORT: 8545, LOG_LEVEL: "info", CONFIRMATIONS: 1 });
    expect(cfg.RPC_URL).to.equal(undefined);
    expect(cfg.GAS_PRICE).to.equal(0n);
    expect(cfg.DATA_DIR).to.equal(path.resolve(".data"));
  });

  it("parses and checks values", function () {
    const cfg = loadConfig({ PORT: "9000", RPC_URL: "http://besu:8545", KEYSTORE_PASSWORD: "a-long-password", GAS_PRICE: "1000", BOOTSTRAP_DEMO: "false" });
    expect(cfg).to.include({ PORT: 9000, RPC_URL: "http://besu:8545", BOOTSTRAP_DEMO: false });
    expect(cfg.GAS_PRICE).to.equal(1000n);
  });

  it("CHAIN_HISTORY_BLOCKS: 256 by default, 16 to 8,192", function () {
    expect(loadConfig({}).CHAIN_HISTORY_BLOCKS).to.equal(256);
    expect(loadConfig({ CHAIN_HISTORY_BLOCKS: "16" }).CHAIN_HISTORY_BLOCKS).to.equal(16);
    expect(loadConfig({ CHAIN_HISTORY_BLOCKS: "8192" }).CHAIN_HISTORY_BLOCKS).to.equal(8192);
    for (const bad of ["15", "8193", "256.5", "many"]) expect(() => loadConfig({ CHAIN_HISTORY_BLOCKS: bad }), bad).to.throw(ConfigError, "CHAIN_HISTORY_BLOCKS");
  });

  it("TX_GAS_LIMIT: 1,000,000 by default; 0, or 21,000 to 100,000,000", function () {
    expect(loadConfig({}).TX_GAS_LIMIT).to.equal(1_000_000);
    for (const good of [0, 21_000, 100_000_000]) expect(loadConfig({ TX_GAS_LIMIT: String(good) }).TX_GAS_LIMIT).to.equal(good);
    for (const bad of ["20999", "100000001", "-1", "1e6.5", "much"]) expect(() => loadConfig({ TX_GAS_LIMIT: bad }), bad).to.throw(ConfigError, "TX_GAS_LIMIT");
  });

  it("fails fast naming every bad variable and what it is for", function () {
    let error: unknown;
    try {
      loadConfig({ PORT: "eighty", RPC_URL: "ftp://x", LOG_LEVEL: "loud", ADMIN_API_KEY: "short", KEYSTORE_SCRYPT_N: "1000" });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ["PORT", "RPC_URL", "LOG_LEVEL", "ADMIN_API_KEY", "KEYSTORE_SCRYPT_N"]) expect(message).to.contain(name);
    expect(message).to.contain("TCP port the HTTP API listens on");
  });

  it("requires KEYSTORE_PASSWORD with RPC_URL (generated only for the embedded node)", function () {
    expect(() => loadConfig({ RPC_URL: "http://besu:8545" })).to.throw(ConfigError, /KEYSTORE_PASSWORD/);
    expect(() => loadConfig({})).to.not.throw();
  });

  it("with RPC_URL (production) refuses ADMIN_PRIVATE_KEY and BOOTSTRAP_DEMO=true: the gateway holds no administrator key", function () {
    const production = { RPC_URL: "http://besu:8545", KEYSTORE_PASSWORD: "a-long-password" };
    const key = `0x${"11".repeat(32)}`;
    expect(() => loadConfig({ ...production, ADMIN_PRIVATE_KEY: key })).to.throw(ConfigError, /ADMIN_PRIVATE_KEY: not accepted with RPC_URL/);
    expect(() => loadConfig({ RPC_URLS: "http://a:8545,http://b:8545", KEYSTORE_PASSWORD: "a-long-password", ADMIN_PRIVATE_KEY: key })).to.throw(ConfigError, /ADMIN_PRIVATE_KEY/);
    expect(() => loadConfig({ ...production, BOOTSTRAP_DEMO: "true" })).to.throw(ConfigError, /BOOTSTRAP_DEMO: not available with RPC_URL/);
    expect(loadConfig({ ADMIN_PRIVATE_KEY: key }).ADMIN_PRIVATE_KEY).to.equal(key);
    expect(loadConfig({ ...production, BOOTSTRAP_DEMO: "false" }).BOOTSTRAP_DEMO).to.equal(false);
  });

  it("ADMIN_DELAY: 1 day by default, 5 s for the embedded demo node; 0 and more than 30 days are refused", function () {
    expect(adminDelayOf(loadConfig({}))).to.equal(5);
    expect(adminDelayOf(loadConfig({ RPC_URL: "http://besu:8545", KEYSTORE_PASSWORD: "a-long-password" }))).to.equal(86_400);
    expect(adminDelayOf(loadConfig({ ADMIN_DELAY: "1" }))).to.equal(1);
    expect(adminDelayOf(loadConfig({ ADMIN_DELAY: String(30 * 86_400) }))).to.equal(30 * 86_400);
    expect(() => loadConfig({ ADMIN_DELAY: "0" })).to.throw(ConfigError, /ADMIN_DELAY/);
    expect(() => loadConfig({ ADMIN_DELAY: String(30 * 86_400 + 1) })).to.throw(ConfigError, /ADMIN_DELAY/);
    expect(() => loadConfig({ ADMIN_DELAY: "1.5" })).to.throw(ConfigError, /ADMIN_DELAY/);
  });

  it("describes every option", function () {
    const lines = describeConfig();
    expect(lines.length).to.be.greaterThan(20);
    for (const line of lines) expect(line).to.match(/^[A-Z_]+( \(default [^)]*\))?: \S/);
  });

  it("reads sizes", function () {
    expect(sizeInBytes("2mb")).to.equal(2 * 1024 * 1024);
    expect(sizeInBytes("512kb")).to.equal(512 * 1024);
  });
});

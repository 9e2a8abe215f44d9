import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { SigningKey, computeAddress, decodeRlp, getAddress } from "ethers";
import { DEFAULTS, buildKit, qbftExtraData, type KitOptions } from "../../scripts/besu/kit";
import { loadConfig } from "../../server/config";

const BODIES = ["DONRE", "DOT", "DOF", "DOST"];
const KEYS = BODIES.map((_, i) => `0x${String(i + 1).padStart(64, "0")}`);
const options = (over: Partial<KitOptions> = {}): KitOptions => ({ ...DEFAULTS, bodies: BODIES, ...over });

describe("Besu QBFT deployment kit (scripts/besu)", function () {
  const kit = buildKit(options(), KEYS);
  const genesis = JSON.parse(kit.files["genesis.json"]);

  describe("genesis.json", function () {
    it("is QBFT with 2 s blocks, zero base fee, Cancun from genesis and a block gas limit of at least 30M", function () {
      expect(genesis.config.qbft).to.deep.equal({ blockperiodseconds: 2, epochlength: 30_000, requesttimeoutseconds: 4 });
      expect(genesis.config.zeroBaseFee).to.equal(true);
      expect(genesis.config).to.include({ chainId: DEFAULTS.chainId, berlinBlock: 0, londonBlock: 0, shanghaiTime: 0, cancunTime: 0 });
      expect(BigInt(genesis.gasLimit) >= 30_000_000n).to.equal(true);
      expect(genesis.baseFeePerGas).to.equal("0x0");
      expect(genesis.alloc).to.deep.equal({});
      expect(genesis.config).to.not.have.any.keys("ethash", "clique", "ibft2");
    });

    it("names exactly the validators' addresses in extraData: RLP([vanity, validators, no vote, round 0, no seals])", function () {
      const [vanity, validators, vote, round, seals] = decodeRlp(genesis.extraData) as [string, string[], string[], string, string[]];
      expect(vanity).to.equal(`0x${"00".repeat(32)}`);
      expect(validators.map((a) => getAddress(a))).to.deep.equal(KEYS.map((k) => computeAddress(k)));
      expect(vote).to.deep.equal([]);
      expect(round).to.equal("0x");
      expect(seals).to.deep.equal([]);
      // The same encoding Besu's `rlp encode --type=QBFT_EXTRA_DATA` gives for one validator (known vector shape).
      expect(qbftExtraData([computeAddress(KEYS[0])])).to.match(/^0xf83aa0(00){32}d594[0-9a-f]{40}c080c0$/);
    });
  });

  describe("keys and node allowlist", function () {
    it("gives each body its own key; the allowlist and bootnodes hold every node's enode (node id = its public key)", function () {
      const allowlist = kit.files["permissions_config.toml"];
      for (const [i, v] of kit.validators.entries()) {
        expect(kit.files[`nodes/${v.service}/key`].trim()).to.equal(KEYS[i]);
        const pub = new SigningKey(KEYS[i]).publicKey.slice(4);
        expect(kit.files[`nodes/${v.service}/key.pub`].trim()).to.equal(`0x${pub}`);
        expect(v.enode).to.equal(`enode://${pub}@${DEFAULTS.subnetPrefix}.${10 + i}:30303`);
        expect(allowlist).to.contain(`"${v.enode}"`);
      }
      expect(allowlist.match(/enode:\/\//g)).to.have.length(BODIES.length);
      // The shared summary carries no private key.
      for (const key of KEYS) expect(kit.files["validators.json"]).to.not.contain(key.slice(2));
    });

    it("makes fresh random keys when none are given", function () {
      const a = buildKit(options());
      const b = buildKit(options());
      expect(a.validators[0].address).to.not.equal(b.validators[0].address);
      expect(new Set(a.validators.map((v) => v.address)).size).to.equal(BODIES.length);
    });
  });

  describe("compose.yaml", function () {
    const compose = JSON.parse(kit.files["compose.yaml"]);

    it("runs one validator per body with the genesis, its own key, the allowlist, min gas price 0 and RPC on loopback", function () {
      expect(Object.keys(compose.services)).to.deep.equal(kit.validators.map((v) => v.service));
      for (const v of kit.validators) {
        const s = compose.services[v.service];
        expect(s.command).to.include.members([
          "--genesis-file=/config/genesis.json",
          "--node-private-key-file=/config/key",
          "--permissions-nodes-config-file-enabled=true",
          "--min-gas-price=0",
          `--p2p-host=${v.ip}`,
        ]);
        expect(s.volumes).to.include(`./nodes/${v.service}/key:/config/key:ro`);
        expect(s.ports).to.deep.equal([`127.0.0.1:${v.rpcPort}:8545`]);
        expect(s.networks.citynet.ipv4_address).to.equal(v.ip);
        expect(s.image).to.match(/^hyperledger\/besu:24\.12/);
        // Every mounted file exists in the kit.
        for (const volume of s.volumes as string[]) {
          const local = volume.split(":")[0];
          if (local.startsWith("./")) expect(kit.files, local).to.have.property(local.slice(2));
        }
      }
      expect(compose.networks.citynet.ipam.config[0].subnet).to.equal(`${DEFAULTS.subnetPrefix}.0/24`);
    });
  });

  describe("gateway.env", function () {
    it("is a valid production configuration of the gateway once its secrets are filled in", function () {
      const env = Object.fromEntries(
        kit.files["gateway.env"]
          .split("\n")
          .filter((l) => l && !l.startsWith("#"))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      expect(env.KEYSTORE_PASSWORD).to.equal("");
      const config = loadConfig({ ...env, KEYSTORE_PASSWORD: "a-long-enough-password", ADMIN_API_KEY: "k".repeat(40) });
      expect(config.RPC_URL).to.equal(`http://127.0.0.1:${DEFAULTS.rpcPort}`);
      expect(config).to.include({ CONFIRMATIONS: 1, GAS_PRICE: 0n, BOOTSTRAP_DEMO: false, TRUST_PROXY: true });
      // Without the password it is refused (RPC_URL needs one).
      expect(() => loadConfig(env)).to.throw(/KEYSTORE_PASSWORD/);
      // No administrator key in a production gateway's settings.
      expect(env).to.not.have.property("ADMIN_PRIVATE_KEY");
    });
  });

  describe("#buildKit options", function () {
    it("refuses fewer than 4 validators, bad or repeated body codes, a gas limit under 30M and a block period under 1 s", function () {
      expect(() => buildKit(options({ bodies: ["A", "B", "C"] }))).to.throw(/at least 4 validators/);
      expect(() => buildKit(options({ bodies: ["A", "B", "C", "d e"] }))).to.throw(/Invalid body code d e/);
      expect(() => buildKit(options({ bodies: ["A", "B", "C", "A"] }))).to.throw(/unique/);
      expect(() => buildKit(options({ gasLimit: 29_999_999n }))).to.throw(/at least 30000000/);
      expect(buildKit(options({ gasLimit: 30_000_000n }), KEYS).genesis.gasLimit).to.equal("0x01c9c380");
      expect(() => buildKit(options({ blockPeriodSeconds: 0 }))).to.throw(/block period/);
    });
  });

  describe("npm run besu:kit", function () {
    it("writes the files, node keys with mode 0600, and never overwrites an existing directory", function () {
      this.timeout(60_000);
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cal-besu-")), "net");
      const run = () => execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/besu/generate.ts", "--bodies", BODIES.join(","), "--out", out], { encoding: "utf8", stdio: "pipe" });
      try {
        run();
        for (const f of ["genesis.json", "compose.yaml", "permissions_config.toml", "gateway.env", "validators.json"]) expect(fs.existsSync(path.join(out, f)), f).to.equal(true);
        expect(fs.statSync(path.join(out, "nodes/besu-donre/key")).mode & 0o777).to.equal(0o600);
        expect(run).to.throw(/exists; the kit writes new keys and never overwrites/);
      } finally {
        fs.rmSync(path.dirname(out), { recursive: true, force: true });
      }
    });
  });
});

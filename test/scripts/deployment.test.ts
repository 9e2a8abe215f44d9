import { expect } from "chai";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers, network } from "hardhat";
import {
  DEPLOYMENT_FILE,
  DeploymentError,
  attachSystem,
  compilerVersionOf,
  ensureDeployment,
  type DeploymentRecord,
} from "../../scripts/lib/deployment";
import { SYSTEM_FACTORIES } from "../../scripts/lib/system";
import { PlainERC721__factory } from "../../typechain-types";

describe("scripts/lib/deployment", function () {
  let snapshot: string;
  let dataDir: string;
  let messages: string[];

  before(async function () {
    snapshot = await network.provider.send("evm_snapshot", []);
  });
  after(async function () {
    await network.provider.send("evm_revert", [snapshot]);
  });
  beforeEach(function () {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "cal-deployment-"));
    messages = [];
  });
  afterEach(function () {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const ensure = async (extra: Partial<Parameters<typeof ensureDeployment>[0]> = {}) => {
    const [signer] = await ethers.getSigners();
    return ensureDeployment({ signer, dataDir, log: (m) => messages.push(m), ...extra });
  };
  const recordFile = () => path.join(dataDir, DEPLOYMENT_FILE);
  const readRecord = () => JSON.parse(fs.readFileSync(recordFile(), "utf8")) as DeploymentRecord;
  const writeRecord = (record: DeploymentRecord) => fs.writeFileSync(recordFile(), JSON.stringify(record));
  const clearCode = (address: string) => network.provider.send("hardhat_setCode", [address, "0x"]);

  describe("#ensureDeployment", function () {
    it("deploys on first run and writes a complete record", async function () {
      const [signer] = await ethers.getSigners();
      const before = await ethers.provider.getBlockNumber();
      const record = await ensure();
      expect(readRecord()).to.deep.equal(record);
      expect(record.version).to.equal(1);
      expect(record.chainId).to.equal(31337);
      expect(record.deployer).to.equal(signer.address);
      expect(record.deploymentBlock).to.equal(before + 1);
      expect(record.deploymentBlockHash).to.equal((await ethers.provider.getBlock(before + 1))!.hash);
      expect(record.compilerVersion).to.equal("0.8.28");
      expect(Date.parse(record.deployedAt)).to.be.closeTo(Date.now(), 60_000);
      expect(Object.keys(record.contracts).sort()).to.deep.equal(Object.keys(SYSTEM_FACTORIES).sort());
      for (const entry of Object.values(record.contracts)) {
        expect(ethers.keccak256(await ethers.provider.getCode(entry.address))).to.equal(entry.codeHash);
      }
      const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: __dirname, encoding: "utf8" }).trim();
      expect(record.gitCommit).to.match(new RegExp(`^${head}(\\+dirty)?$`));
      expect(messages).to.include("DataAssetRegistry deployed");
    });

    it("finds and verifies the deployment on the second run without sending a transaction", async function () {
      const first = await ensure();
      const block = await ethers.provider.getBlockNumber();
      const second = await ensure();
      expect(second).to.deep.equal(first);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      expect(messages.at(-1)).to.match(/found and verified/);
    });

    it("gives typed contracts for the record that are wired together", async function () {
      const record = await ensure();
      const system = attachSystem(record, ethers.provider);
      expect(await system.dataAssets.participants()).to.equal(record.contracts.participants.address);
      expect(await system.dataAssets.authority()).to.equal(record.contracts.accessManager.address);
      expect(await system.participants.authority()).to.equal(record.contracts.accessManager.address);
    });

    it("redeploys when no recorded address has code any more (the chain was reset), keeping the old record", async function () {
      const first = await ensure();
      for (const entry of Object.values(first.contracts)) await clearCode(entry.address);
      const second = await ensure();
      expect(second.contracts.dataAssets.address).to.not.equal(first.contracts.dataAssets.address);
      expect(second.deploymentBlock).to.be.greaterThan(first.deploymentBlock);
      expect(readRecord()).to.deep.equal(second);
      const archived = fs.readdirSync(dataDir).filter((f) => f.startsWith("deployment.replaced-"));
      expect(archived).to.have.length(1);
      expect(JSON.parse(fs.readFileSync(path.join(dataDir, archived[0]), "utf8"))).to.deep.equal(first);
      expect(messages.join("\n")).to.match(/chain was reset/);
    });

    it("refuses, changing nothing, when only some recorded addresses lost their code", async function () {
      const first = await ensure();
      await clearCode(first.contracts.participants.address);
      const block = await ethers.provider.getBlockNumber();
      await expect(ensure()).to.be.rejectedWith(DeploymentError, /participants has no code/);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      expect(readRecord()).to.deep.equal(first);
    });

    it("refuses when a recorded address runs other code", async function () {
      const first = await ensure();
      const [signer] = await ethers.getSigners();
      const other = await new PlainERC721__factory(signer).deploy();
      const code = await ethers.provider.getCode(await other.getAddress());
      await network.provider.send("hardhat_setCode", [first.contracts.dataAssets.address, code]);
      await expect(ensure()).to.be.rejectedWith(DeploymentError, /dataAssets at 0x[0-9a-fA-F]{40} runs other code/);
    });

    it("refuses when the chain runs an older build, and redeploys only when asked to", async function () {
      const first = await ensure();
      writeRecord({ ...first, contracts: { ...first.contracts, dataAssets: { ...first.contracts.dataAssets, initCodeHash: ethers.ZeroHash } } });
      await expect(ensure()).to.be.rejectedWith(DeploymentError, /older build .*dataAssets changed/);
      const redeployed = await ensure({ onBuildChange: "redeploy" });
      expect(redeployed.contracts.dataAssets.address).to.not.equal(first.contracts.dataAssets.address);
      expect(readRecord()).to.deep.equal(redeployed);
    });

    it("treats a record lacking a contract of the current build as an older build", async function () {
      const first = await ensure();
      const { dataAssets: _dropped, ...rest } = first.contracts;
      writeRecord({ ...first, contracts: rest as DeploymentRecord["contracts"] });
      await expect(ensure()).to.be.rejectedWith(DeploymentError, /dataAssets changed/);
    });

    it("refuses a record of another chain", async function () {
      const first = await ensure();
      writeRecord({ ...first, chainId: 1 });
      await expect(ensure()).to.be.rejectedWith(DeploymentError, /chain 1, but the node is chain 31337/);
    });

    it("refuses a file that is not a deployment record, and leaves it alone", async function () {
      fs.writeFileSync(recordFile(), "{ not json");
      await expect(ensure()).to.be.rejectedWith(DeploymentError, /not valid JSON/);
      fs.writeFileSync(recordFile(), JSON.stringify({ version: 1, chainId: 31337, contracts: { x: { address: "nope" } } }));
      await expect(ensure()).to.be.rejectedWith(DeploymentError, /not a deployment record/);
      expect(fs.readFileSync(recordFile(), "utf8")).to.match(/nope/);
    });

    it("creates the data directory", async function () {
      const nested = path.join(dataDir, "a", "b");
      const [signer] = await ethers.getSigners();
      await ensureDeployment({ signer, dataDir: nested });
      expect(fs.existsSync(path.join(nested, DEPLOYMENT_FILE))).to.equal(true);
    });
  });

  describe("#compilerVersionOf", function () {
    it("reads the solc version from the bytecode's metadata", function () {
      expect(compilerVersionOf(SYSTEM_FACTORIES.dataAssets.bytecode)).to.equal("0.8.28");
      expect(compilerVersionOf("0x6080")).to.equal("unknown");
    });
  });

  describe("module dependencies", function () {
    it("loads without the Hardhat runtime (the gateway runs it from plain node)", function () {
      this.timeout(120_000);
      const root = path.join(__dirname, "../..");
      const script =
        "require('./scripts/lib/deployment');" +
        "const loaded = Object.keys(require.cache).filter((k) => k.includes('/node_modules/hardhat/'));" +
        "process.stdout.write(JSON.stringify(loaded));";
      const out = execFileSync(process.execPath, ["-r", "ts-node/register", "-e", script], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" },
      });
      expect(JSON.parse(out)).to.deep.equal([]);
    });
  });
});

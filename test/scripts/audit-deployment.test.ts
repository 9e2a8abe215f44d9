import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Provider } from "ethers";
import { auditChain } from "../../scripts/audit/audit-chain";
import { CREATION_SCAN_BLOCKS, DEPLOYMENT_CHECKS } from "../../scripts/audit/deployment-check";
import { ROLES, DELAYS } from "../../scripts/lib/roles";
import { deploySystem } from "../../scripts/lib/system";
import type { AuditReport } from "../../scripts/audit/types";
import { historyFixture } from "./fixtures/history";

describe("audit tool: the deployment itself", function () {
  const messages = (report: AuditReport, check: string) => report.discrepancies.filter((d) => d.check === check).map((d) => d.message);
  const addressOf = (deployment: { contracts: Record<string, unknown> }, key: string) => (deployment.contracts[key] as { address: string }).address;
  /** The block in which the code at `address` appeared (binary search over getCode). */
  async function creationBlock(address: string): Promise<number> {
    let [low, high] = [0, await ethers.provider.getBlockNumber()];
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if ((await ethers.provider.getCode(address, mid)) === "0x") low = mid + 1;
      else high = mid;
    }
    return low;
  }

  it("passes a deployment wired as deploySystem wires it, with every deployment check run", async function () {
    const { deployment } = await loadFixture(historyFixture);
    const report = await auditChain({ provider: ethers.provider, deployment: { ...deployment, deploymentBlock: 1 } });
    expect(report.discrepancies).to.deep.equal([]);
    for (const description of Object.values(DEPLOYMENT_CHECKS).slice(1)) expect(report.checks.map((c) => c.description)).to.include(description);
  });

  describe("a late deployment block", function () {
    it("fails: the contracts already existed before it", async function () {
      const { deployment } = await loadFixture(historyFixture);
      const firstBlock = await creationBlock(addressOf(deployment, "accessManager"));
      const report = await auditChain({ provider: ethers.provider, deployment: { ...deployment, deploymentBlock: firstBlock + 3 } });
      const found = messages(report, DEPLOYMENT_CHECKS.before);
      expect(found).to.include(
        `CityAccessManager (${addressOf(deployment, "accessManager")}) already existed at block ${firstBlock + 2}, before the recorded deployment block ${firstBlock + 3}: the record starts the audit too late`,
      );
      expect(found.some((m) => /^an event was emitted at 0x[0-9a-fA-F]{40} in block \d+, before the recorded deployment block/.test(m))).to.equal(true);
    });

    it("passes at exactly the block of the first deployment", async function () {
      const { deployment } = await loadFixture(historyFixture);
      const first = await creationBlock(addressOf(deployment, Object.keys(deployment.contracts)[0]));
      const report = await auditChain({ provider: ethers.provider, deployment: { ...deployment, deploymentBlock: first } });
      expect(messages(report, DEPLOYMENT_CHECKS.before)).to.deep.equal([]);
    });
  });

  /**
   * ethers.provider as a node that keeps no state before `head` (a Besu node after 512 blocks, the embedded node past
   * its history): code and nonce at older blocks are refused, blocks and receipts are served.
   */
  function withoutOldState(head: number): Provider {
    const refuse = (what: string) => async (address: string, blockTag?: number) => {
      if (typeof blockTag === "number" && blockTag < head) throw new Error(`BlockOutOfRangeError: no state for block ${blockTag} (${what} of ${address})`);
      return what === "code" ? ethers.provider.getCode(address, blockTag) : ethers.provider.getTransactionCount(address, blockTag);
    };
    return new Proxy(ethers.provider, {
      get(target, prop) {
        if (prop === "getCode") return refuse("code");
        if (prop === "getTransactionCount") return refuse("nonce");
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    }) as unknown as Provider;
  }

  describe("on a node that keeps no state of old blocks", function () {
    it("passes: each contract's creating transaction, at or after the deployment block, shows nothing was there before", async function () {
      const { deployment } = await loadFixture(historyFixture);
      const first = await creationBlock(addressOf(deployment, Object.keys(deployment.contracts)[0]));
      const provider = withoutOldState(await ethers.provider.getBlockNumber());
      await expect(provider.getCode(addressOf(deployment, "accessManager"), first)).to.be.rejectedWith(/no state for block/);
      const report = await auditChain({ provider, deployment: { ...deployment, deploymentBlock: first } });
      expect(report.discrepancies).to.deep.equal([]);
    });

    it("fails when the deployment block is late: a contract created before it cannot be shown not to have existed", async function () {
      const { deployment } = await loadFixture(historyFixture);
      const firstBlock = await creationBlock(addressOf(deployment, "accessManager"));
      const provider = withoutOldState(await ethers.provider.getBlockNumber());
      const report = await auditChain({ provider, deployment: { ...deployment, deploymentBlock: firstBlock + 3 } });
      expect(messages(report, DEPLOYMENT_CHECKS.before)).to.include(
        `CityAccessManager (${addressOf(deployment, "accessManager")}) was not created by a transaction in the ${CREATION_SCAN_BLOCKS} blocks from the recorded ` +
          `deployment block ${firstBlock + 3}, and the node serves no state at block ${firstBlock + 2} to show it did not exist before: the record may start the audit too late`,
      );
      expect(report.passed).to.equal(false);
    });
  });

  describe("a shadow deployment", function () {
    it("fails when a recorded contract answers to another authority and another participant registry", async function () {
      const { deployment, signers } = await loadFixture(historyFixture);
      const shadow = await deploySystem(signers.admin, { adminGrantDelay: 0 });
      const shadowAssets = await shadow.dataAssets.getAddress();
      const codeHash = ethers.keccak256(await ethers.provider.getCode(shadowAssets));
      const forged = { ...deployment, contracts: { ...deployment.contracts, dataAssets: { address: shadowAssets, codeHash } } };
      const report = await auditChain({ provider: ethers.provider, deployment: forged });
      const found = messages(report, DEPLOYMENT_CHECKS.wiring);
      const shadowManager = (await shadow.accessManager.getAddress()).toLowerCase();
      expect(found).to.include(`DataAssetRegistry answers to authority ${shadowManager}, not to the recorded AccessManager ${addressOf(deployment, "accessManager").toLowerCase()}`);
      expect(found).to.include(
        `DataAssetRegistry.participants() is ${(await shadow.participants.getAddress()).toLowerCase()}, not the recorded ParticipantRegistry ${addressOf(deployment, "participants").toLowerCase()}`,
      );
      expect(report.passed).to.equal(false);
    });

    it("fails when the market the registry names is not the recorded market", async function () {
      const { deployment, signers } = await loadFixture(historyFixture);
      const shadow = await deploySystem(signers.admin, { adminGrantDelay: 0 });
      const market = await shadow.market.getAddress();
      const forged = { ...deployment, contracts: { ...deployment.contracts, market: { address: market, codeHash: ethers.keccak256(await ethers.provider.getCode(market)) } } };
      const found = messages(await auditChain({ provider: ethers.provider, deployment: forged }), DEPLOYMENT_CHECKS.wiring);
      expect(found).to.include(`CarbonCreditRegistry.market() is ${addressOf(deployment, "market").toLowerCase()}, not the recorded CarbonMarket ${market.toLowerCase()}`);
      expect(found).to.include(`CarbonMarket.registry() is ${(await shadow.carbon.getAddress()).toLowerCase()}, not the recorded CarbonCreditRegistry ${addressOf(deployment, "carbon").toLowerCase()}`);
    });

    it("fails when the exchange the data registry names is not the recorded exchange", async function () {
      const { deployment, signers } = await loadFixture(historyFixture);
      const shadow = await deploySystem(signers.admin, { adminGrantDelay: 0 });
      const exchange = await shadow.exchange.getAddress();
      const forged = { ...deployment, contracts: { ...deployment.contracts, exchange: { address: exchange, codeHash: ethers.keccak256(await ethers.provider.getCode(exchange)) } } };
      const found = messages(await auditChain({ provider: ethers.provider, deployment: forged }), DEPLOYMENT_CHECKS.wiring);
      expect(found).to.include(`DataAssetRegistry.exchange() is ${addressOf(deployment, "exchange").toLowerCase()}, not the recorded DataExchange ${exchange.toLowerCase()}`);
      expect(found).to.include(`DataExchange.registry() is ${(await shadow.dataAssets.getAddress()).toLowerCase()}, not the recorded DataAssetRegistry ${addressOf(deployment, "dataAssets").toLowerCase()}`);
    });

    it("fails when a contract trusts a Forwarder other than the recorded one", async function () {
      const { deployment } = await loadFixture(historyFixture);
      if (!deployment.contracts.forwarder) this.skip(); // the system has no Forwarder before the contracts branch
      const other = await (await ethers.getContractFactory("CityForwarder")).deploy();
      const address = await other.getAddress();
      const forged = { ...deployment, contracts: { ...deployment.contracts, forwarder: { address, codeHash: ethers.keccak256(await ethers.provider.getCode(address)) } } };
      const found = messages(await auditChain({ provider: ethers.provider, deployment: forged }), DEPLOYMENT_CHECKS.wiring);
      // Every contract that trusts the Forwarder is checked, the ParticipantRegistry (own-key governors) included.
      for (const name of ["ParticipantRegistry", "DataAssetRegistry", "CarbonCreditRegistry", "SettlementToken", "CarbonMarket", "DataExchange", "CityAccessManager"]) {
        expect(found).to.include(`${name} trusts Forwarder ${addressOf(deployment, "forwarder").toLowerCase()}, not the recorded CityForwarder ${address.toLowerCase()}`);
      }
    });
  });

  describe("the permission policy", function () {
    it("fails when a policy function is restricted to another role", async function () {
      const { deployment, accessManager, carbon, signers } = await loadFixture(historyFixture);
      await accessManager.connect(signers.admin).setTargetFunctionRole(await carbon.getAddress(), [carbon.interface.getFunction("issue").selector], ROLES.GUARDIAN);
      const found = messages(await auditChain({ provider: ethers.provider, deployment }), DEPLOYMENT_CHECKS.policy);
      expect(found).to.deep.equal(["CarbonCreditRegistry.issue is restricted to role GUARDIAN on chain; the policy says ISSUER"]);
    });

    it("fails when a function outside the policy is given to a role", async function () {
      const { deployment, accessManager, dataAssets, signers } = await loadFixture(historyFixture);
      const selector = dataAssets.interface.getFunction("transferFrom").selector;
      await accessManager.connect(signers.admin).setTargetFunctionRole(await dataAssets.getAddress(), [selector], ROLES.REGISTRAR);
      const found = messages(await auditChain({ provider: ethers.provider, deployment }), DEPLOYMENT_CHECKS.policy);
      expect(found).to.deep.equal([`function ${selector} of ${(await dataAssets.getAddress()).toLowerCase()} is restricted to role REGISTRAR, which the permission policy does not name`]);
    });

    it("fails when a RECOVERY holder's execution delay is below the policy's, and passes at exactly the policy's", async function () {
      const { deployment, accessManager, signers } = await loadFixture(historyFixture);
      await accessManager.connect(signers.admin).grantRole(ROLES.RECOVERY, signers.stranger.address, DELAYS.RECOVERY_EXECUTION - 1);
      const found = messages(await auditChain({ provider: ethers.provider, deployment }), DEPLOYMENT_CHECKS.policy);
      expect(found).to.deep.equal([
        `${signers.stranger.address.toLowerCase()} holds RECOVERY with an execution delay of ${DELAYS.RECOVERY_EXECUTION - 1} s; the policy requires at least ${DELAYS.RECOVERY_EXECUTION} s`,
      ]);
      await accessManager.connect(signers.admin).grantRole(ROLES.RECOVERY, signers.stranger.address, DELAYS.RECOVERY_EXECUTION);
      expect(messages(await auditChain({ provider: ethers.provider, deployment }), DEPLOYMENT_CHECKS.policy)).to.deep.equal([]);
    });

    it("fails when an account holds a role the policy does not define", async function () {
      const { deployment, accessManager, signers } = await loadFixture(historyFixture);
      await accessManager.connect(signers.admin).grantRole(42, signers.stranger.address, 0);
      const found = messages(await auditChain({ provider: ethers.provider, deployment }), DEPLOYMENT_CHECKS.policy);
      expect(found).to.deep.equal([`${signers.stranger.address.toLowerCase()} holds role 42, which the permission policy does not define`]);
    });
  });

  describe("several RPC endpoints", function () {
    /** The in-process node as another endpoint would serve it, with one block or the chain id changed. */
    function endpoint(change: { block?: number; chainId?: bigint }): Provider {
      return new Proxy(ethers.provider, {
        get(target, key, receiver) {
          if (key === "getBlock") {
            return async (tag: number) => {
              const block = await target.getBlock(tag);
              return block && tag === change.block ? { ...block, hash: ethers.id("another history") } : block;
            };
          }
          if (key === "getNetwork" && change.chainId !== undefined) return async () => ({ chainId: change.chainId });
          const value = Reflect.get(target, key, receiver);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }) as unknown as Provider;
    }

    it("passes when every endpoint serves the same blocks", async function () {
      const { deployment } = await loadFixture(historyFixture);
      const report = await auditChain({ provider: ethers.provider, providerUrl: "http://a", otherProviders: [{ url: "http://b", provider: endpoint({}) }], deployment });
      expect(report.discrepancies).to.deep.equal([]);
    });

    it("fails when an endpoint disagrees on a block hash, naming the block and both hashes", async function () {
      const { deployment } = await loadFixture(historyFixture);
      const toBlock = await ethers.provider.getBlockNumber();
      const report = await auditChain({ provider: ethers.provider, providerUrl: "http://a", otherProviders: [{ url: "http://b", provider: endpoint({ block: toBlock }) }], deployment });
      const real = (await ethers.provider.getBlock(toBlock))!.hash;
      expect(messages(report, DEPLOYMENT_CHECKS.rpc)).to.deep.equal([`http://b disagrees with http://a on block ${toBlock}: ${ethers.id("another history")} against ${real}`]);
    });

    it("fails when an endpoint serves another chain", async function () {
      const { deployment } = await loadFixture(historyFixture);
      const report = await auditChain({ provider: ethers.provider, providerUrl: "http://a", otherProviders: [{ url: "http://b", provider: endpoint({ chainId: 1n }) }], deployment });
      expect(messages(report, DEPLOYMENT_CHECKS.rpc)).to.deep.equal(["http://b serves chain 1, http://a chain 31337"]);
    });
  });
});

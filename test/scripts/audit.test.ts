import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Interface } from "ethers";
import { systemFixture } from "../contracts/fixtures/system";
import { auditChain, type AuditDeployment } from "../../scripts/audit/audit-chain";
import { RpcChainView } from "../../scripts/audit/chain-view";
import { runAudit } from "../../scripts/audit/engine";
import { fetchHistory } from "../../scripts/audit/history";
import { createModules } from "../../scripts/audit/modules";
import { CONTRACT_ABIS, type ContractName } from "../../scripts/lib/abis";
import type { AuditEvent } from "../../scripts/audit/types";

describe("audit tool", function () {
  async function historyFixture() {
    const system = await systemFixture();
    const { participants, signers, orgs } = system;
    await participants.connect(signers.governor).suspend(orgs.businessB.id, "unpaid fees");
    await participants.connect(signers.governor).reinstate(orgs.businessB.id, "paid");
    await participants.connect(signers.governor).suspend(orgs.agencyB.id, "merger");
    await participants.connect(signers.governor).removeAccount(signers.agencyA.address);
    await participants.connect(signers.governor).addAccount(orgs.agencyA.id, signers.stranger.address);
    const deployment: AuditDeployment = {
      chainId: Number((await ethers.provider.getNetwork()).chainId),
      deploymentBlock: 0,
      contracts: {
        CityAccessManager: await system.accessManager.getAddress(),
        ParticipantRegistry: await participants.getAddress(),
        AuditAnchor: await system.auditAnchor.getAddress(),
      },
    };
    return { ...system, deployment };
  }

  async function recordedEvents(deployment: AuditDeployment, toBlock: number): Promise<AuditEvent[]> {
    const contracts = Object.fromEntries(
      Object.entries(deployment.contracts).map(([n, a]) => [n, { address: a as string, abi: new Interface(CONTRACT_ABIS[n as ContractName]) }]),
    );
    const events: AuditEvent[] = [];
    for await (const e of fetchHistory(ethers.provider, contracts, 0, toBlock)) if (!("unknown" in e)) events.push(e);
    return events;
  }

  async function auditEvents(deployment: AuditDeployment, events: AuditEvent[], toBlock: number) {
    const contracts = Object.fromEntries(
      Object.entries(deployment.contracts).map(([n, a]) => [n, { address: a as string, abi: new Interface(CONTRACT_ABIS[n as ContractName]) }]),
    );
    return runAudit({ chainId: 31337, fromBlock: 0, toBlock, events, chain: new RpcChainView(ethers.provider, contracts, toBlock), modules: createModules() });
  }

  it("passes over a clean history and says what it checked", async function () {
    const { deployment } = await loadFixture(historyFixture);
    const report = await auditChain({ provider: ethers.provider, deployment });
    expect(report.discrepancies).to.deep.equal([]);
    expect(report.passed).to.equal(true);
    const registryLogs = await ethers.provider.getLogs({ address: deployment.contracts.ParticipantRegistry as string, fromBlock: 0 });
    expect(report.eventsByContract.ParticipantRegistry).to.equal(registryLogs.length);
    expect(report.events).to.be.greaterThan(registryLogs.length);
    expect(report.checkedCounts["participants match the registry"]).to.be.greaterThan(40);
  });

  it("reports an event the replay did not get, with what differs", async function () {
    const { deployment } = await loadFixture(historyFixture);
    const toBlock = await ethers.provider.getBlockNumber();
    const events = await recordedEvents(deployment, toBlock);
    const dropped = events.findIndex((e) => e.name === "OrganizationStatusChanged" && e.args.reason === "merger");
    events.splice(dropped, 1);
    const report = await auditEvents(deployment, events, toBlock);
    expect(report.passed).to.equal(false);
    expect(report.discrepancies.map((d) => d.message)).to.include.members([
      `organisation ${ethers.encodeBytes32String("AGENCY-B")} status: replayed 1, on chain 2`,
    ]);
  });

  it("reports an event that contradicts the history before it, at its transaction", async function () {
    const { deployment } = await loadFixture(historyFixture);
    const toBlock = await ethers.provider.getBlockNumber();
    const events = await recordedEvents(deployment, toBlock);
    const reinstated = events.find((e) => e.name === "OrganizationStatusChanged" && e.args.reason === "paid")!;
    const forged = { ...reinstated, logIndex: reinstated.logIndex + 1, args: { ...reinstated.args } };
    events.splice(events.indexOf(reinstated) + 1, 0, forged);
    const report = await auditEvents(deployment, events, toBlock);
    const found = report.discrepancies.find((d) => d.check === "participant events");
    expect(found?.message).to.match(/leaves Suspended but the organisation was Active/);
    expect(found?.location).to.deep.equal({ blockNumber: forged.blockNumber, txHash: forged.txHash, logIndex: forged.logIndex });
  });

  it("reports events out of chain order", async function () {
    const { deployment } = await loadFixture(historyFixture);
    const toBlock = await ethers.provider.getBlockNumber();
    const events = await recordedEvents(deployment, toBlock);
    [events[3], events[4]] = [events[4], events[3]];
    const report = await auditEvents(deployment, events, toBlock);
    expect(report.discrepancies.some((d) => d.check === "events in chain order")).to.equal(true);
  });

  it("refuses a deployment record of another chain", async function () {
    const { deployment } = await loadFixture(historyFixture);
    await expect(auditChain({ provider: ethers.provider, deployment: { ...deployment, chainId: 1 } })).to.be.rejectedWith(/chain 1/);
  });
});

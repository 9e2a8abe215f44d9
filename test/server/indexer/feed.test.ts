import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import Database from "better-sqlite3";
import pino from "pino";
import { systemFixture } from "../../contracts/fixtures/system";
import { Indexer } from "../../../server/indexer/indexer";
import { participantsProjection, orgOfAccount } from "../../../server/indexer/projections/participants";
import { readFeed, feedHead } from "../../../server/indexer/queries/feed";
import { resolveDeployment } from "../../../scripts/audit/contracts";
import { deploymentOf } from "../../scripts/fixtures/history";

describe("event feed (offsets across reorgs)", function () {
  async function indexedSystem() {
    const system = await systemFixture();
    const { contracts } = resolveDeployment(await deploymentOf(system));
    return { ...system, contracts };
  }

  async function catchUp(indexer: Indexer): Promise<void> {
    for (let i = 0; i < 1_000 && (await indexer.syncOnce()); i++);
  }

  it("numbers every indexed event once, in chain order", async function () {
    const { contracts } = await loadFixture(indexedSystem);
    const db = new Database(":memory:");
    const indexer = new Indexer({ provider: ethers.provider, db, contracts, fromBlock: 0, projections: [participantsProjection], logger: pino({ level: "silent" }), chunkSize: 3, resolveActorOrg: orgOfAccount });
    await catchUp(indexer);
    const { entries } = readFeed(db, 0, 10_000);
    const events = db.prepare("SELECT tx_hash, log_index FROM idx_events ORDER BY block_number, log_index").all() as { tx_hash: string; log_index: number }[];
    expect(entries.map((e) => [e.event.txHash, e.event.logIndex])).to.deep.equal(events.map((e) => [e.tx_hash, e.log_index]));
    expect(entries.every((e, i) => e.offset === i + 1 && !e.removed)).to.equal(true);
    expect(feedHead(db)).to.equal(events.length);
  });

  it("announces the events a reorg rolled back as removed, then the new branch's, with offsets never reused", async function () {
    const { contracts, participants, signers, orgs } = await loadFixture(indexedSystem);
    const db = new Database(":memory:");
    const indexer = new Indexer({ provider: ethers.provider, db, contracts, fromBlock: 0, projections: [participantsProjection], logger: pino({ level: "silent" }), resolveActorOrg: orgOfAccount });
    await catchUp(indexer);
    const fork = await network.provider.send("evm_snapshot");
    await participants.connect(signers.governor).suspend(orgs.businessA.id, "branch one");
    await catchUp(indexer);
    const before = feedHead(db);
    const lost = readFeed(db, before - 1, 10).entries;
    expect(lost.map((e) => [e.offset, e.removed, e.event.args.reason])).to.deep.equal([[before, false, "branch one"]]);

    await network.provider.send("evm_revert", [fork]);
    await participants.connect(signers.governor).suspend(orgs.businessB.id, "branch two");
    await mine(2);
    await catchUp(indexer);

    // A subscriber that had seen "branch one" learns it is gone, then gets "branch two".
    const after = readFeed(db, before, 10).entries;
    expect(after.map((e) => [e.offset, e.removed, e.event.args.reason])).to.deep.equal([
      [before + 1, true, "branch one"],
      [before + 2, false, "branch two"],
    ]);
    expect(after[0].removedSubjects).to.include(`org:${orgs.businessA.id}`);
    expect(after[0].event.txHash).to.equal(lost[0].event.txHash);
    // One that had not: the rolled-back event is no longer offered as added.
    expect(readFeed(db, before - 1, 10).entries.map((e) => e.offset)).to.deep.equal([before + 1, before + 2]);
  });
});

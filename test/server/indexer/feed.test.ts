import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import Database from "better-sqlite3";
import pino from "pino";
import { systemFixture } from "../../contracts/fixtures/system";
import { Indexer } from "../../../server/indexer/indexer";
import { participantsProjection, orgOfAccount } from "../../../server/indexer/projections/participants";
import { readFeed, feedHead, feedMark, resumeOffset, feedEpoch } from "../../../server/indexer/queries/feed";
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

  describe("#feedMark and #resumeOffset: a cursor moved into a rebuilt feed", function () {
    it("resumes every cursor of the old numbering at its place on the chain: nothing missed, at most its block again", async function () {
      const { contracts, participants, signers, orgs } = await loadFixture(indexedSystem);
      const indexerOf = (db: Database.Database) =>
        new Indexer({ provider: ethers.provider, db, contracts, fromBlock: 0, projections: [participantsProjection], logger: pino({ level: "silent" }), resolveActorOrg: orgOfAccount });
      const old = new Database(":memory:");
      const oldIndexer = indexerOf(old);
      await catchUp(oldIndexer);
      // A reorg the old feed saw (an added, a removed and a new entry), then one more event.
      const fork = await network.provider.send("evm_snapshot");
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "branch one");
      await catchUp(oldIndexer);
      await network.provider.send("evm_revert", [fork]);
      await participants.connect(signers.governor).suspend(orgs.businessB.id, "branch two");
      await mine(2);
      await catchUp(oldIndexer);
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "later");
      await catchUp(oldIndexer);

      // The rebuild: a new index of the same chain, numbered afresh (no trace of the lost branch).
      const rebuilt = new Database(":memory:");
      await catchUp(indexerOf(rebuilt));
      expect(feedEpoch(rebuilt)).to.not.equal(feedEpoch(old));
      expect(feedHead(rebuilt)).to.equal(feedHead(old) - 2);

      const key = (e: { event: { txHash: string; logIndex: number; blockHash: string } }) => `${e.event.blockHash}:${e.event.txHash}:${e.event.logIndex}`;
      const oldEntries = readFeed(old, 0, 100_000).entries;
      const newEntries = readFeed(rebuilt, 0, 100_000).entries;
      const canonical = new Set(newEntries.map(key));
      const blockOf = new Map(newEntries.map((e) => [key(e), e.event.blockNumber]));
      for (let cursor = 0; cursor <= feedHead(old); cursor++) {
        const seen = new Set(oldEntries.filter((e) => e.offset <= cursor && !e.removed).map(key));
        const resumed = resumeOffset(rebuilt, feedMark(old, cursor));
        expect(resumed, `cursor ${cursor}`).to.not.equal(null);
        expect(resumed!.exact).to.equal(true);
        const again = new Set(newEntries.filter((e) => e.offset > resumed!.offset).map(key));
        for (const event of canonical) if (!seen.has(event)) expect(again.has(event), `cursor ${cursor}: ${event} missed`).to.equal(true);
        const repeated = [...again].filter((event) => seen.has(event));
        expect(new Set(repeated.map((event) => blockOf.get(event))).size, `cursor ${cursor} repeats more than one block`).to.be.at.most(1);
      }
      expect(resumeOffset(rebuilt, feedMark(old, feedHead(old)))).to.deep.equal({ offset: feedHead(rebuilt), exact: true });
      expect(resumeOffset(rebuilt, null)).to.deep.equal({ offset: 0, exact: true });
    });

    it("starts over when the marked block is no longer the chain's, and waits while the index has not reached it", async function () {
      const { contracts } = await loadFixture(indexedSystem);
      const db = new Database(":memory:");
      await catchUp(new Indexer({ provider: ethers.provider, db, contracts, fromBlock: 0, projections: [participantsProjection], logger: pino({ level: "silent" }), resolveActorOrg: orgOfAccount }));
      const mark = feedMark(db, feedHead(db))!;
      expect(resumeOffset(db, mark)).to.deep.equal({ offset: feedHead(db), exact: true });
      expect(resumeOffset(db, { block: mark.block, blockHash: `0x${"11".repeat(32)}` })).to.deep.equal({ offset: 0, exact: false });
      const indexed = (db.prepare("SELECT block_number FROM idx_cursor").get() as { block_number: number }).block_number;
      expect(resumeOffset(db, { block: indexed + 1, blockHash: mark.blockHash })).to.equal(null);
    });
  });
});

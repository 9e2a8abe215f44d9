import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import Database from "better-sqlite3";
import pino from "pino";
import { orgId, systemFixture } from "../../contracts/fixtures/system";
import type { Projection } from "../../../server/indexer/projection";
import { Indexer } from "../../../server/indexer/indexer";
import { participantsProjection, orgOfAccount } from "../../../server/indexer/projections/participants";
import { resolveDeployment } from "../../../scripts/audit/contracts";
import { deploymentOf } from "../../scripts/fixtures/history";
import { reconcileIndex } from "../../../server/indexer/reconcile";
import { historyOf } from "../../../server/indexer/queries";

describe("Indexer", function () {
  async function indexedSystem() {
    const system = await systemFixture();
    const { contracts } = resolveDeployment(await deploymentOf(system));
    return { ...system, contracts };
  }

  function newIndexer(db: Database.Database, contracts: ConstructorParameters<typeof Indexer>[0]["contracts"], chunkSize = 1_000) {
    return new Indexer({
      provider: ethers.provider,
      db,
      contracts,
      fromBlock: 0,
      projections: [participantsProjection],
      logger: pino({ level: "silent" }),
      chunkSize,
      resolveActorOrg: orgOfAccount,
    });
  }

  async function catchUp(indexer: Indexer): Promise<void> {
    for (let i = 0; i < 1_000 && (await indexer.syncOnce()); i++);
  }

  async function chainEventCount(contracts: Record<string, { address: string }>): Promise<number> {
    const logs = await ethers.provider.getLogs({ address: Object.values(contracts).map((c) => c.address), fromBlock: 0, toBlock: "latest" });
    return logs.length;
  }

  const count = (db: Database.Database, table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const statusOf = (db: Database.Database, orgId: string) => (db.prepare("SELECT status FROM idx_orgs WHERE org_id = ?").get(orgId) as { status: number } | undefined)?.status;

  it("backfills every event in small chunks, with block time and acting organisation", async function () {
    const { contracts, participants, signers, orgs } = await loadFixture(indexedSystem);
    await participants.connect(signers.governor).suspend(orgs.businessA.id, "audit");
    const db = new Database(":memory:");
    const indexer = newIndexer(db, contracts, 3);
    await catchUp(indexer);
    expect(count(db, "idx_events")).to.equal(await chainEventCount(contracts));
    expect(indexer.status().indexedBlock).to.equal(await ethers.provider.getBlockNumber());
    expect(indexer.status().lag).to.equal(0);
    expect(statusOf(db, orgs.businessA.id)).to.equal(2);
    const suspended = db.prepare("SELECT * FROM idx_events WHERE name = 'OrganizationStatusChanged'").get() as { timestamp: number; actor_account: string; block_number: number };
    expect(suspended.actor_account).to.equal(signers.governor.address.toLowerCase());
    expect(suspended.timestamp).to.equal((await ethers.provider.getBlock(suspended.block_number))!.timestamp);
    const added = db.prepare("SELECT actor_org FROM idx_events WHERE name = 'AccountAdded' ORDER BY block_number LIMIT 1").get() as { actor_org: string | null };
    expect(added.actor_org).to.equal(null); // the governor acts for no organisation in this fixture
  });

  it("resumes where it stopped after a restart, without duplicating rows", async function () {
    const { contracts, participants, signers, orgs } = await loadFixture(indexedSystem);
    const db = new Database(":memory:");
    await catchUp(newIndexer(db, contracts));
    const before = count(db, "idx_events");
    await participants.connect(signers.governor).suspend(orgs.businessB.id, "late filing");
    const restarted = newIndexer(db, contracts);
    await catchUp(restarted);
    expect(count(db, "idx_events")).to.equal(before + 1);
    expect(count(db, "idx_events")).to.equal(await chainEventCount(contracts));
  });

  it("is idempotent when blocks are processed again", async function () {
    const { contracts, ...system } = await loadFixture(indexedSystem);
    const db = new Database(":memory:");
    await catchUp(newIndexer(db, contracts));
    const before = count(db, "idx_events");
    db.prepare("UPDATE idx_cursor SET block_number = 0, block_hash = ?").run((await ethers.provider.getBlock(0))!.hash);
    await catchUp(newIndexer(db, contracts));
    expect(count(db, "idx_events")).to.equal(before);
    const registered = await system.participants.queryFilter(system.participants.filters.OrganizationRegistered());
    expect(count(db, "idx_orgs")).to.equal(registered.length);
  });

  it("rolls back to the common ancestor when the chain switches to another branch", async function () {
    const { contracts, participants, signers, orgs } = await loadFixture(indexedSystem);
    const db = new Database(":memory:");
    const indexer = newIndexer(db, contracts);
    await catchUp(indexer);
    const fork = await network.provider.send("evm_snapshot");

    await participants.connect(signers.governor).suspend(orgs.businessA.id, "branch one");
    await catchUp(indexer);
    expect(statusOf(db, orgs.businessA.id)).to.equal(2);

    await network.provider.send("evm_revert", [fork]);
    await participants.connect(signers.governor).suspend(orgs.businessB.id, "branch two");
    await mine(3);
    await catchUp(indexer);

    expect(statusOf(db, orgs.businessA.id)).to.equal(1);
    expect(statusOf(db, orgs.businessB.id)).to.equal(2);
    expect(count(db, "idx_events")).to.equal(await chainEventCount(contracts));
    const reasons = (db.prepare("SELECT args FROM idx_events WHERE name = 'OrganizationStatusChanged'").all() as { args: string }[]).map((r) => JSON.parse(r.args).reason);
    expect(reasons).to.deep.equal(["branch two"]);
  });

  it("rolls back when the chain loses its latest blocks (a node restarted from an older state)", async function () {
    const { contracts, participants, signers, orgs } = await loadFixture(indexedSystem);
    const db = new Database(":memory:");
    const indexer = newIndexer(db, contracts);
    await catchUp(indexer);
    const fork = await network.provider.send("evm_snapshot");
    const events = count(db, "idx_events");
    await participants.connect(signers.governor).suspend(orgs.agencyA.id, "to be lost");
    await catchUp(indexer);
    await network.provider.send("evm_revert", [fork]);
    await catchUp(indexer);
    expect(count(db, "idx_events")).to.equal(events);
    expect(statusOf(db, orgs.agencyA.id)).to.equal(1);
    expect(indexer.status().indexedBlock).to.equal(await ethers.provider.getBlockNumber());
  });

  /** Mines one block at a time: Hardhat's `mine(n)` reserves blocks whose parent hash reads as zero. */
  async function mineEach(blocks: number): Promise<void> {
    for (let i = 0; i < blocks; i++) await network.provider.send("evm_mine");
  }

  /** ethers.provider with its eth_getLogs ranges recorded, and the index's cursor at the moment each was asked. */
  function recordingProvider(cursorAt: () => number) {
    const ranges: { from: number; to: number; indexedBlock: number }[] = [];
    const provider = {
      getBlockNumber: () => ethers.provider.getBlockNumber(),
      getBlock: (n: number) => ethers.provider.getBlock(n),
      send: (method: string, params: unknown[]) => {
        if (method === "eth_getLogs") {
          const [filter] = params as { fromBlock: string; toBlock: string }[];
          ranges.push({ from: Number(filter.fromBlock), to: Number(filter.toBlock), indexedBlock: cursorAt() });
        }
        return ethers.provider.send(method, params);
      },
    } as unknown as ConstructorParameters<typeof Indexer>[0]["provider"];
    return { provider, ranges };
  }

  it("fetches the next ranges while it writes one, sizes ranges to the history's density, and covers every block once", async function () {
    const { contracts } = await loadFixture(indexedSystem);
    await mineEach(200);
    const head = await ethers.provider.getBlockNumber();
    const db = new Database(":memory:");
    let indexer: Indexer | undefined;
    const { provider, ranges } = recordingProvider(() => indexer!.status().indexedBlock);
    indexer = new Indexer({ provider, db, contracts, fromBlock: 0, projections: [participantsProjection], logger: pino({ level: "silent" }), chunkSize: 100, logsPerRange: 4, resolveActorOrg: orgOfAccount });
    await catchUp(indexer);

    expect(count(db, "idx_events")).to.equal(await chainEventCount(contracts));
    // Contiguous, from the deployment block to the head, none wider than chunkSize.
    expect(ranges[0]).to.include({ from: 0, to: 7 }); // the first range: FIRST_SPAN blocks
    for (let i = 1; i < ranges.length; i++) expect(ranges[i].from).to.equal(ranges[i - 1].to + 1);
    expect(ranges[ranges.length - 1].to).to.equal(head);
    for (const r of ranges) expect(r.to - r.from + 1).to.be.at.most(100);
    // Dense at first (the fixture's setup: more than 4 logs in 8 blocks), so ranges shrank; empty after, so they grew.
    const spans = ranges.map((r) => r.to - r.from + 1);
    const smallest = Math.min(...spans.slice(0, -1));
    expect(smallest).to.be.below(8);
    expect(Math.max(...spans.slice(spans.indexOf(smallest)))).to.be.at.least(smallest * 4);
    // Fetched ahead: some range was asked for before the one before it was written.
    expect(ranges.some((r) => r.from > r.indexedBlock + 1)).to.equal(true);
  });

  it("does not keep ranges fetched ahead from a branch the chain left: the index ends equal to the new branch", async function () {
    const { contracts, participants, signers, orgs } = await loadFixture(indexedSystem);
    const db = new Database(":memory:");
    const indexer = newIndexer(db, contracts, 3);
    await catchUp(indexer);
    const fork = await network.provider.send("evm_snapshot");
    await participants.connect(signers.governor).suspend(orgs.businessA.id, "branch one");
    await mineEach(2);
    await participants.connect(signers.governor).suspend(orgs.agencyA.id, "branch one");
    await mineEach(12);
    // One range written; the next ones are fetched ahead from branch one.
    expect(await indexer.syncOnce()).to.equal(true);

    await network.provider.send("evm_revert", [fork]);
    await participants.connect(signers.governor).suspend(orgs.businessB.id, "branch two");
    await mineEach(20);
    await catchUp(indexer);

    expect(statusOf(db, orgs.businessA.id)).to.equal(1);
    expect(statusOf(db, orgs.agencyA.id)).to.equal(1);
    expect(statusOf(db, orgs.businessB.id)).to.equal(2);
    expect(count(db, "idx_events")).to.equal(await chainEventCount(contracts));
    expect(indexer.status().indexedBlock).to.equal(await ethers.provider.getBlockNumber());
  });

  it("asks for an account's organisation once per commit, and again after each participant event (which may change it)", async function () {
    const { contracts, participants, signers } = await loadFixture(indexedSystem);
    const governor = participants.connect(signers.governor);
    const [one, two] = [ethers.Wallet.createRandom().address, ethers.Wallet.createRandom().address];
    // Both additions by the governor in one block, so in one range and one commit.
    await network.provider.send("evm_setAutomine", [false]);
    try {
      await governor.addAccount(orgId("AGENCY-A"), one);
      await governor.addAccount(orgId("AGENCY-A"), two);
      await network.provider.send("evm_mine");
    } finally {
      await network.provider.send("evm_setAutomine", [true]);
    }
    // The "organisation" of an account is the number of participant events applied so far: it changes at each one.
    let applied = 0;
    const asked: string[] = [];
    const counting: Projection = {
      name: "counting",
      schema: [],
      apply: (_db, event) => void (event.contract === "ParticipantRegistry" && applied++),
      subjects: () => [],
      reset: () => void (applied = 0),
    };
    const db = new Database(":memory:");
    const indexer = new Indexer({
      provider: ethers.provider,
      db,
      contracts,
      fromBlock: await ethers.provider.getBlockNumber(),
      projections: [counting],
      logger: pino({ level: "silent" }),
      resolveActorOrg: (_db, account) => (asked.push(account), `after-${applied}`),
    });
    await catchUp(indexer);
    const actorOrgs = (db.prepare("SELECT actor_org FROM idx_events WHERE name = 'AccountAdded' ORDER BY block_number, log_index").all() as { actor_org: string }[]).map((r) => r.actor_org);
    expect(actorOrgs).to.deep.equal(["after-0", "after-1"]);
    expect(asked.filter((a) => a === signers.governor.address.toLowerCase())).to.have.length(2);
  });

  it("follows new blocks in the background and lets a caller wait for a block", async function () {
    const { contracts, participants, signers, orgs } = await loadFixture(indexedSystem);
    const db = new Database(":memory:");
    const indexer = new Indexer({ provider: ethers.provider, db, contracts, fromBlock: 0, projections: [participantsProjection], logger: pino({ level: "silent" }), pollIntervalMs: 20 });
    indexer.start();
    try {
      const receipt = await (await participants.connect(signers.governor).suspend(orgs.agencyB.id, "live")).wait();
      await indexer.waitForBlock(receipt!.blockNumber, 5_000);
      expect(statusOf(db, orgs.agencyB.id)).to.equal(2);
    } finally {
      await indexer.stop();
    }
  });

  describe("history and reconciliation", function () {
    it("pages an organisation's history in chain order with a stable cursor", async function () {
      const { contracts, participants, signers, orgs } = await loadFixture(indexedSystem);
      for (let i = 0; i < 3; i++) {
        await participants.connect(signers.governor).suspend(orgs.businessA.id, `round ${i}`);
        await participants.connect(signers.governor).reinstate(orgs.businessA.id, `round ${i}`);
      }
      const db = new Database(":memory:");
      await catchUp(newIndexer(db, contracts));
      const subject = `org:${orgs.businessA.id}`;
      const first = historyOf(db, subject, { limit: 5 });
      expect(first.events.map((e) => e.name)).to.deep.equal(["OrganizationRegistered", "AccountAdded", "OrganizationStatusChanged", "OrganizationStatusChanged", "OrganizationStatusChanged"]);
      const second = historyOf(db, subject, { after: first.next, limit: 5 });
      expect(second.events).to.have.length(3);
      expect(second.next).to.equal(null);
      const all = [...first.events, ...second.events];
      for (let i = 1; i < all.length; i++) expect(all[i].blockNumber * 1e6 + all[i].logIndex).to.be.greaterThan(all[i - 1].blockNumber * 1e6 + all[i - 1].logIndex);
    });

    it("reconciles a complete index with the chain", async function () {
      const { contracts } = await loadFixture(indexedSystem);
      const db = new Database(":memory:");
      await catchUp(newIndexer(db, contracts));
      const report = await reconcileIndex({ db, provider: ethers.provider, contracts, chainId: 31337, fromBlock: 0 });
      expect(report.discrepancies).to.deep.equal([]);
      expect(report.events).to.equal(await chainEventCount(contracts));
    });

    it("reports an index that lost a row", async function () {
      const { contracts, participants, signers, orgs } = await loadFixture(indexedSystem);
      await participants.connect(signers.governor).suspend(orgs.businessB.id, "lost in the index");
      const db = new Database(":memory:");
      await catchUp(newIndexer(db, contracts));
      db.prepare("DELETE FROM idx_events WHERE name = 'OrganizationStatusChanged'").run();
      const report = await reconcileIndex({ db, provider: ethers.provider, contracts, chainId: 31337, fromBlock: 0 });
      expect(report.passed).to.equal(false);
      expect(report.discrepancies.map((d) => d.message)).to.include(`organisation BIZ-B status: replayed "Active", on chain "Suspended"`);
    });
  });
});

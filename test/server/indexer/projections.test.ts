import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import Database from "better-sqlite3";
import pino from "pino";
import { Indexer } from "../../../server/indexer/indexer";
import { PROJECTIONS, orgOfAccount } from "../../../server/indexer/projections";
import { reconcileIndex } from "../../../server/indexer/reconcile";
import {
  InvalidQueryError,
  balancesOfOrganisation,
  getBatch,
  getListing,
  getProject,
  getRetirement,
  listBatches,
  listCancellations,
  listCreditBalances,
  listListings,
  listRetirements,
  listTrades,
  marketConfig,
  vndSupply,
  getDataset,
  getDatasetByHash,
  historyOf,
  listDatasets,
  listLicences,
  listValuations,
  versionsOf,
  type DatasetView,
  type Page,
} from "../../../server/indexer/queries";
import { resolveDeployment } from "../../../scripts/audit/contracts";
import { ADJUSTMENT_STATUSES, DATA_CLASSIFICATIONS, DATA_STATUSES } from "../../../scripts/lib/enums";
import { AssetStatus } from "../../contracts/helpers/datasets";
import { historyFixture } from "../../scripts/fixtures/history";

const hex = (id: bigint) => ethers.toBeHex(id, 32);

describe("Indexer projections", function () {
  /** The history indexed once; every test gets its own copy of the index (loadFixture restores the chain only). */
  async function indexedHistoryOnce() {
    const history = await historyFixture();
    const { contracts } = resolveDeployment(history.deployment);
    const db = new Database(":memory:");
    await catchUp(newIndexer(db, contracts));
    return { ...history, contracts, image: db.serialize() };
  }

  async function indexedHistory() {
    const fixture = await loadFixture(indexedHistoryOnce);
    return { ...fixture, db: new Database(fixture.image) };
  }

  function newIndexer(db: Database.Database, contracts: ReturnType<typeof resolveDeployment>["contracts"]) {
    return new Indexer({
      provider: ethers.provider,
      db,
      contracts,
      fromBlock: 0,
      projections: [...PROJECTIONS],
      logger: pino({ level: "silent" }),
      chunkSize: 500,
      resolveActorOrg: orgOfAccount,
    });
  }

  async function catchUp(indexer: Indexer): Promise<void> {
    for (let i = 0; i < 1_000 && (await indexer.syncOnce()); i++);
  }

  /** Every page of a list, following the cursors. */
  function allPages<T>(fetch: (after: string | null) => Page<T>): T[] {
    const items: T[] = [];
    for (let page = fetch(null), n = 0; ; page = fetch(page.next), n++) {
      items.push(...page.items);
      if (!page.next || n > 1_000) return items;
    }
  }

  /** Every projection table's rows, to compare two indexes. */
  // The event feed (idx_feed) is left out: it is an append-only log that announces rolled-back events as removed,
  // so after a reorg it rightly holds more than a fresh index of the new branch (test/server/indexer/feed.test.ts);
  // so is its numbering (idx_feed_epoch), new in every index by design.
  function dump(db: Database.Database): Record<string, unknown[]> {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'idx\\_%' ESCAPE '\\' AND name NOT LIKE 'idx_datasets_fts%' AND name NOT IN ('idx_cursor', 'idx_blocks', 'idx_feed', 'idx_feed_epoch')").all() as { name: string }[]).map((r) => r.name);
    expect(tables).to.include.members(["idx_datasets", "idx_batches", "idx_listings", "idx_trades", "idx_vnd_balances", "idx_event_subjects"]);
    const out: Record<string, unknown[]> = Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all()]));
    out.fts = db.prepare("SELECT d.id, f.title FROM idx_datasets_fts f JOIN idx_datasets d ON d.rowid = f.rowid ORDER BY d.id").all();
    return out;
  }

  it("reconciles clean with the chain through the audit engine", async function () {
    const { db, contracts } = await indexedHistory();
    const report = await reconcileIndex({ db, provider: ethers.provider, contracts, chainId: 31337, fromBlock: 0 });
    expect(report.discrepancies).to.deep.equal([]);
    expect(report.eventsByContract.DataAssetRegistry).to.be.greaterThan(100);
  });

  it("reports read-model rows that differ from the chain, though the events are intact", async function () {
    const { db, contracts, ids, signers } = await indexedHistory();
    db.prepare("UPDATE idx_datasets SET holder = ? WHERE id = ?").run(signers.stranger.address.toLowerCase(), hex(ids.core));
    db.prepare("UPDATE idx_batches SET retired = '0' WHERE batch_id = '1'").run();
    db.prepare("UPDATE idx_listings SET status = 'open' WHERE listing_id = '3'").run();
    const report = await reconcileIndex({ db, provider: ethers.provider, contracts, chainId: 31337, fromBlock: 0 });
    expect(report.discrepancies.map((d) => d.message)).to.have.members([
      `dataset ${hex(ids.core)} holder: index ${signers.stranger.address.toLowerCase()}, on chain ${signers.agencyA.address.toLowerCase()}`,
      "batch 1 issued/circulating/retired/cancelled: index 1000/885/0/15, on chain 1000/885/100/15",
      "listing 3 open: index true, on chain false",
    ]);
    expect(report.checks.filter((c) => c.module === "index")).to.have.length(5);
  });

  describe("datasets", function () {
    it("equal the registry's view of every dataset", async function () {
      const { db, dataAssets } = await indexedHistory();
      const rows = allPages((after) => listDatasets(db, {}, { after, limit: 7 }));
      expect(rows).to.have.length((db.prepare("SELECT COUNT(*) AS n FROM idx_datasets").get() as { n: number }).n);
      // The registry keeps the metadata hash in events only: the latest registration or metadata change names it.
      const events = [
        ...(await dataAssets.queryFilter(dataAssets.filters.DatasetRegistered())),
        ...(await dataAssets.queryFilter(dataAssets.filters.DatasetMetadataChanged())),
      ].sort((x, y) => x.blockNumber - y.blockNumber || x.index - y.index);
      const metadataOf = new Map(events.map((e) => [ethers.toBeHex(e.args.id, 32), e.args.metadataHash]));
      for (const row of rows) {
        const asset = await dataAssets.assetOf(row.id);
        expect(row.holder, row.id).to.equal(asset.holder.toLowerCase());
        expect(row.custodian ?? ethers.ZeroAddress, row.id).to.equal(asset.custodian.toLowerCase());
        expect(row.classification, row.id).to.equal(DATA_CLASSIFICATIONS[Number(asset.classification)]);
        expect(row.status, row.id).to.equal(DATA_STATUSES[Number(asset.status)]);
        expect(row.transferable, row.id).to.equal(asset.transferable);
        expect(row.metadataHash, row.id).to.equal(metadataOf.get(row.id));
        expect(row.parentId ?? ethers.ZeroHash, row.id).to.equal(ethers.toBeHex(asset.parentId, 32));
      }
      const holders = [...new Set(rows.map((r) => r.holder))];
      for (const holder of holders) expect(rows.filter((r) => r.holder === holder).length).to.equal(Number(await dataAssets.balanceOf(holder)));
    });

    it("keep the title and URI of the events, and find datasets by words of them", async function () {
      const { db, catalogue, ids } = await indexedHistory();
      const first = catalogue.dataset[3];
      const view = getDatasetByHash(db, first.distribution[0].checksum.checksumValue)!;
      expect(view.title).to.equal(first.title);
      expect(view.uri).to.equal(first.distribution[0].downloadURL);
      expect(view.holderOrg).to.equal(ethers.encodeBytes32String("AGENCY-A"));

      const corrected = listDatasets(db, { text: "bus 2026 correct" }, { limit: 10 }).items;
      expect(corrected.map((d) => d.id)).to.deep.equal([hex(ids.openV2)]);
      const subject = first.title.split(",")[0];
      const found = allPages((after) => listDatasets(db, { text: subject }, { after, limit: 5 }));
      const expected = catalogue.dataset.filter((d) => d.title.toLowerCase().includes(subject.toLowerCase())).map((d) => "0x" + d.distribution[0].checksum.checksumValue);
      expect(found.map((d) => d.id)).to.include.members(expected);
      expect(() => listDatasets(db, { text: '"*' }, { limit: 5 })).to.throw(InvalidQueryError, /at least one letter or digit/);
    });

    it("filter by holder, holder organisation, class and status, and page in registration order", async function () {
      const { db, signers, orgs, ids } = await indexedHistory();
      const byB = allPages((after) => listDatasets(db, { holder: signers.agencyB.address }, { after, limit: 2 }));
      expect(byB.map((d) => d.id)).to.have.members([hex(ids.catalogue[0]), hex(ids.catalogue[2]), hex(ids.important)]);
      expect(allPages((after) => listDatasets(db, { holderOrg: orgs.agencyB.id }, { after, limit: 2 })).map((d) => d.id)).to.have.members(byB.map((d) => d.id));
      const core = listDatasets(db, { classification: "Core" }, { limit: 50 }).items;
      expect(core.map((d) => d.id)).to.deep.equal([hex(ids.core)]);
      expect(core[0].custodian).to.equal(signers.agencyB.address.toLowerCase());
      const revoked = listDatasets(db, { status: "Revoked" }, { limit: 50 }).items;
      expect(revoked.map((d) => [d.id, d.statusReason])).to.deep.equal([[hex(ids.catalogue[1]), "published with personal data"]]);

      const all = allPages((after) => listDatasets(db, {}, { after, limit: 3 }));
      const order = all.map((d) => d.registered.blockNumber * 1e6 + d.registered.logIndex);
      expect(order).to.deep.equal([...order].sort((x, y) => x - y));
      expect(() => listDatasets(db, { classification: "Secret" as never }, { limit: 5 })).to.throw(InvalidQueryError, /one of Open, Other, Important, Core/);
      expect(() => listDatasets(db, {}, { limit: 0 })).to.throw(InvalidQueryError);
      expect(() => listDatasets(db, {}, { limit: 5, after: "not-a-cursor" })).to.throw(InvalidQueryError);
    });

    it("link versions both ways", async function () {
      const { db, ids } = await indexedHistory();
      const versions = (id: bigint) => versionsOf(db, hex(id)).map((d: DatasetView) => [d.id, d.status]);
      const expected = [
        [hex(ids.open), "Deprecated"],
        [hex(ids.openV2), "Active"],
      ];
      expect(versions(ids.open)).to.deep.equal(expected);
      expect(versions(ids.openV2)).to.deep.equal(expected);
      expect(getDataset(db, hex(ids.openV2))!.parentId).to.equal(hex(ids.open));
      expect(listDatasets(db, { parentId: hex(ids.open) }, { limit: 5 }).items.map((d) => d.id)).to.deep.equal([hex(ids.openV2)]);
    });
  });

  it("licences and valuations equal the registry and its events", async function () {
    const { db, dataAssets, ids, orgs } = await indexedHistory();
    const licences = allPages((after) => listLicences(db, {}, { after, limit: 2 }));
    // Three granted by the data office, two sold through the exchange (the fixture's exchangeHistory).
    expect(licences).to.have.length(5);
    for (const licence of licences) {
      const onChain = await dataAssets.licenseOf(licence.datasetId, licence.orgId);
      expect(licence.revoked ? ethers.ZeroHash : licence.termsHash).to.equal(onChain.termsHash);
      expect(licence.revoked ? 0 : (licence.expiresAt ?? 0)).to.equal(Number(onChain.expiresAt));
    }
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    expect(listLicences(db, { orgId: orgs.businessA.id, inForceAt: now }, { limit: 10 }).items.map((l) => l.datasetId)).to.deep.equal([hex(ids.other)]);
    const valuations = listValuations(db, hex(ids.important), { limit: 10 }).items;
    expect(valuations.map((v) => [v.amountVnd, v.method])).to.deep.equal([
      ["1250000000", "cost"],
      ["1400000000", "income"],
    ]);
  });

  it("give every dataset, organisation and account its history, with the acting organisation", async function () {
    const { db, ids, orgs, signers } = await indexedHistory();
    const names = (subject: string) => allPages((after) => {
      const page = historyOf(db, subject, { after, limit: 4 });
      return { items: page.events, next: page.next };
    });
    const important = names(`dataset:${hex(ids.important)}`).filter((e) => e.name !== "MetadataUpdate");
    expect(important.map((e) => e.name)).to.include.ordered.members(["Transfer", "DatasetRegistered", "CustodianChanged", "LicenseGranted", "ValuationRecorded", "ValuationRecorded", "Transfer"]);
    expect(important.find((e) => e.name === "LicenseGranted")!.actorOrg).to.equal(orgs.dataOffice.id);
    // The business's history: its licences (named by organisation) and the dataset it received (named by account).
    const business = names(`org:${orgs.businessA.id}`).filter((e) => e.contract === "DataAssetRegistry");
    expect(business.map((e) => e.name)).to.include.members(["LicenseGranted", "LicenseRevoked", "Transfer"]);
    // The data office's history holds what it did, through the transactions its account sent.
    const office = names(`org:${orgs.dataOffice.id}`);
    expect(office.filter((e) => e.name === "DatasetRegistered").length).to.be.greaterThan(40);
    const account = names(`account:${signers.businessB.address.toLowerCase()}`);
    expect(account.map((e) => e.name)).to.include("Transfer");
  });

  describe("carbon, settlement and market", function () {
    it("batches equal the registry's view, and issued = circulating + retired + cancelled", async function () {
      const { db, carbon, batches } = await indexedHistory();
      const rows = allPages((after) => listBatches(db, {}, { after, limit: 2 }));
      expect(rows.map((b) => b.batchId)).to.deep.equal(["1", "2", "3"]);
      for (const row of rows) {
        const info = await carbon.batch(row.batchId);
        expect([row.issued, row.circulating, row.retired, row.cancelled], row.batchId).to.deep.equal([info.issued, info.circulating, info.retired, info.cancelled].map(String));
        expect(BigInt(row.issued)).to.equal(BigInt(row.circulating) + BigInt(row.retired) + BigInt(row.cancelled));
        expect([row.serialFirst, row.serialLast, row.frozen, row.adjustment, row.periodStart, row.periodEnd]).to.deep.equal([
          String(info.serialFirst),
          String(info.serialLast),
          info.frozen,
          ADJUSTMENT_STATUSES[Number(info.adjustment)],
          Number(info.periodStart),
          Number(info.periodEnd),
        ]);
      }
      const rice = getBatch(db, batches.rice)!;
      expect([rice.projectId, rice.adjustment, rice.retired, rice.cancelled]).to.deep.equal(["VN-DN-0001", "Applied", "100", "15"]);
      expect(getProject(db, "VN-DN-0002")!.standard).to.equal("GS");
      expect(listBatches(db, { projectKey: ethers.id("VN-DN-0001") }, { limit: 10 }).items.map((b) => b.batchId)).to.deep.equal(["1", "3"]);
    });

    it("credit balances, retired balances, certificates and cancellations equal the registry", async function () {
      const { db, carbon, batches, orgs, signers } = await indexedHistory();
      const balances = allPages((after) => listCreditBalances(db, {}, { after, limit: 3 }));
      for (const b of balances) {
        expect(b.balance, `${b.account} ${b.batchId}`).to.equal(String(await carbon.balanceOf(b.account, b.batchId)));
        expect(b.retired, `${b.account} ${b.batchId}`).to.equal(String(await carbon.retiredBalanceOf(b.account, b.batchId)));
      }
      const retirements = allPages((after) => listRetirements(db, {}, { after, limit: 2 }));
      expect(retirements).to.have.length(3);
      for (const r of retirements) {
        const record = await carbon.retirement(r.retirementId);
        expect([r.holder, r.batchId, r.amount, r.serialFirst, r.serialLast]).to.deep.equal([record.holder.toLowerCase(), ...[record.batchId, record.amount, record.serialFirst, record.serialLast].map(String)]);
      }
      const onPurchase = retirements.find((r) => r.purchase)!;
      expect([onPurchase.beneficiaryName, onPurchase.holder, onPurchase.purchase!.listingId]).to.deep.equal(["Da Nang Port", signers.businessB.address.toLowerCase(), "1"]);
      expect(getRetirement(db, onPurchase.retirementId)).to.deep.equal(onPurchase);
      expect(listRetirements(db, { beneficiaryOrg: orgs.businessA.id }, { limit: 5 }).items.map((r) => r.amount)).to.deep.equal(["50"]);
      expect(listCancellations(db, { batchId: String(batches.rice) }, { limit: 5 }).items.map((c) => [c.amount, c.serialFirst, c.serialLast])).to.deep.equal([
        ["10", "71", "80"],
        ["5", "81", "85"],
      ]);
    });

    it("VND balances and supply equal the token; an organisation's balances gather its accounts", async function () {
      const { db, settlement, carbon, orgs, signers } = await indexedHistory();
      expect(vndSupply(db).supply).to.equal(String(await settlement.totalSupply()));
      const biz = balancesOfOrganisation(db, orgs.businessB.id);
      expect(biz.accounts).to.deep.equal([signers.businessB.address.toLowerCase()]);
      expect(biz.vnd).to.deep.equal([{ account: signers.businessB.address.toLowerCase(), balance: String(await settlement.balanceOf(signers.businessB.address)) }]);
      expect(biz.credits.length).to.be.greaterThan(0);
      for (const c of biz.credits) expect(c.balance).to.equal(String(await carbon.balanceOf(c.account, c.batchId)));
      expect(biz.frozenAccounts).to.deep.equal([]);
    });

    it("listings and trades equal the market, with the fill that was retired on purchase", async function () {
      const { db, market } = await indexedHistory();
      const listings = allPages((after) => listListings(db, {}, { after, limit: 3 }));
      expect(listings.map((l) => [l.listingId, l.status])).to.deep.equal([
        ["1", "filled"],
        ["2", "reclaimed"],
        ["3", "cancelled"],
        ["4", "open"],
      ]);
      for (const l of listings) {
        const info = await market.listing(l.listingId);
        expect([l.seller, l.batchId, l.remaining, l.unitPrice, l.minFill, l.expiry ?? 0, l.buyer ?? ethers.ZeroAddress]).to.deep.equal([
          info.seller.toLowerCase(),
          String(info.batchId),
          String(info.remaining),
          String(info.unitPrice),
          String(info.minFill),
          Number(info.expiry),
          info.buyer.toLowerCase(),
        ]);
      }
      expect(listListings(db, { status: "open" }, { limit: 5 }).items.map((l) => l.listingId)).to.deep.equal(["4"]);
      expect(() => listListings(db, { status: "gone" as never }, { limit: 5 })).to.throw(InvalidQueryError);
      const trades = listTrades(db, { listingId: "1" }, { limit: 10 }).items;
      expect(trades.map((t) => [t.amount, t.cost, t.fee, t.retirementId !== null])).to.deep.equal([
        ["50", "12500000", "125000", false],
        ["30", "7500000", "75000", true],
        ["120", "30000000", "300000", false],
      ]);
      expect(getListing(db, 3)!.buyer).to.not.equal(null);
      expect(marketConfig(db).feeBps).to.equal(Number(await market.feeBps()));
    });

    it("give batches and listings their history", async function () {
      const { db, batches, orgs } = await indexedHistory();
      const names = (subject: string) => allPages((after) => {
        const page = historyOf(db, subject, { after, limit: 5 });
        return { items: page.events, next: page.next };
      }).map((e) => e.name);
      expect(names(`batch:${batches.rice}`)).to.include.members(["BatchIssued", "TransferSingle", "Retired", "Cancelled", "CorrespondingAdjustmentChanged", "Listed", "Traded"]);
      expect(names("listing:1")).to.deep.equal(["Listed", "Traded", "Traded", "Traded"]);
      expect(names(`org:${orgs.businessA.id}`)).to.include.members(["ProjectRegistered", "Retired", "Listed", "Traded", "Transfer"]);
    });
  });

  it("rebuilds the projections after a reorg to what a fresh index of the new branch holds", async function () {
    const { db, contracts, dataAssets, carbon, market, settlement, signers, ids, orgs, batches } = await indexedHistory();
    const indexer = newIndexer(db, contracts);
    const fork = await network.provider.send("evm_snapshot");
    const registry = dataAssets.connect(signers.registrar);
    const { agencyA, agencyB, businessA, businessB, treasury } = signers;

    // Branch one: a revocation, a transfer, a title, a credit transfer, a fill and a deposit that the chain will drop.
    await registry.setStatus(ids.catalogue[5], AssetStatus.Revoked, "branch one");
    await dataAssets.connect(agencyA).transferFrom(agencyA.address, agencyB.address, ids.catalogue[6]);
    await registry.updateMetadata(ids.catalogue[7], ethers.id("branch one"), "Branch one title", "https://example.org/one");
    await carbon.connect(businessA).safeTransferFrom(businessA.address, businessB.address, batches.rice2, 7n, "0x");
    await market.connect(businessB).fill(4, 10n, 10n * 310_000n);
    await settlement.connect(treasury).mint(businessA.address, 1_000n, ethers.id("branch one"));
    await catchUp(indexer);
    expect(getDataset(db, hex(ids.catalogue[5]))!.status).to.equal("Revoked");
    expect(listDatasets(db, { text: "Branch one" }, { limit: 5 }).items).to.have.length(1);
    expect(getListing(db, 4)!.remaining).to.equal("60");

    await network.provider.send("evm_revert", [fork]);
    // Branch two: other changes, and more blocks than branch one.
    await registry.grantLicense(ids.catalogue[8], orgs.businessB.id, 0, ethers.id("branch two"), "branch two");
    await dataAssets.connect(agencyA).transferFrom(agencyA.address, agencyB.address, ids.catalogue[9]);
    await carbon.connect(businessA).retire(batches.rice2, 3n, { beneficiaryName: "Branch two", beneficiaryOrg: ethers.ZeroHash, reason: "branch two", consumptionStart: 0, consumptionEnd: 1 });
    await market.connect(businessA).cancelListing(4);
    await mine(6);
    await catchUp(indexer);

    expect(getDataset(db, hex(ids.catalogue[5]))!.status).to.equal("Active");
    expect(getDataset(db, hex(ids.catalogue[6]))!.holder).to.equal(agencyA.address.toLowerCase());
    expect(getDataset(db, hex(ids.catalogue[9]))!.holder).to.equal(agencyB.address.toLowerCase());
    expect(listDatasets(db, { text: "Branch one" }, { limit: 5 }).items).to.have.length(0);
    expect([getListing(db, 4)!.status, getListing(db, 4)!.remaining]).to.deep.equal(["cancelled", "0"]);
    expect(getBatch(db, batches.rice2)!.retired).to.equal("3");
    expect(listTrades(db, { listingId: "4" }, { limit: 5 }).items).to.have.length(0);

    const fresh = new Database(":memory:");
    await catchUp(newIndexer(fresh, contracts));
    expect(dump(db)).to.deep.equal(dump(fresh));
    const report = await reconcileIndex({ db, provider: ethers.provider, contracts, chainId: 31337, fromBlock: 0 });
    expect(report.discrepancies).to.deep.equal([]);
  });
});

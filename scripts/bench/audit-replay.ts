/**
 * Benchmark of the audit replay and of the gateway's indexer over a city-sized history: the 540-dataset catalogue,
 * transfers, licences, valuations, carbon batches, transfers, retirements, cancellations, VND, listings and fills.
 *
 *   npm run bench:audit                                   # in-process Hardhat network
 *   CHAIN_PORT=8546 npm run bench:audit -- --network localhost   # a running node (e.g. `npx anvil --port 8546`)
 *
 * BENCH_SCALE (default 1) multiplies the number of transactions after the catalogue. The deployment record is
 * written to BENCH_DATA_DIR (default a temporary directory), so `npm run audit -- --deployment <it>/deployment.json`
 * can audit the same chain afterwards.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { ethers, network } from "hardhat";
import pino from "pino";
import { auditChain } from "../audit/audit-chain";
import { resolveDeployment } from "../audit/contracts";
import { generateCatalogue } from "../lib/catalogue";
import { attachSystem, ensureDeployment } from "../lib/deployment";
import { ROLES, orgKind, type OrgKindName } from "../lib/roles";
import { Indexer } from "../../server/indexer/indexer";
import { PROJECTIONS, orgOfAccount } from "../../server/indexer/projections";
import { reconcileIndex } from "../../server/indexer/reconcile";

const DAY = 24 * 3600;

async function main(): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? "1");
  const dataDir = process.env.BENCH_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "cal-bench-"));
  const [admin, verifier, agencyA, agencyB, ...rest] = await ethers.getSigners();
  const businesses = rest.slice(0, 4);
  if (businesses.length < 4) throw new Error("the network needs at least 8 accounts");
  const record = await ensureDeployment({ signer: admin, dataDir, deployOptions: { adminGrantDelay: 0 }, onBuildChange: "redeploy" });
  const system = attachSystem(record, admin);
  const { accessManager, participants, dataAssets, carbon, settlement, market } = system;
  const started = Date.now();
  let sent = 0;
  const send = async (tx: Promise<{ wait(): Promise<unknown> }>) => {
    sent += 1;
    return (await tx).wait();
  };

  for (const role of [ROLES.GOVERNOR, ROLES.REGISTRAR, ROLES.ISSUER, ROLES.TREASURY, ROLES.MARKET_OPERATOR]) await send(accessManager.grantRole(role, admin.address, 0));
  await send(accessManager.grantRole(ROLES.VERIFIER, verifier.address, 0));
  const orgs: [string, OrgKindName, string][] = [
    ["BENCH-OFFICE", "CityAgency", admin.address],
    ["BENCH-VVB", "Verifier", verifier.address],
    ["BENCH-AGENCY-A", "CityAgency", agencyA.address],
    ["BENCH-AGENCY-B", "CityAgency", agencyB.address],
    ...businesses.map((b, i): [string, OrgKindName, string] => [`BENCH-BIZ-${i}`, "Business", b.address]),
  ];
  for (const [code, kind, account] of orgs) {
    const id = ethers.encodeBytes32String(code);
    await send(participants.registerOrganization(id, orgKind(kind), 0, ethers.ZeroHash, code));
    await send(participants.addAccount(id, account));
  }

  // The catalogue, in batches of 180.
  const { catalogue } = generateCatalogue(540, 57);
  const registrations = catalogue.dataset.map((d) => ({
    contentHash: "0x" + d.distribution[0].checksum.checksumValue,
    metadataHash: ethers.id(JSON.stringify(d)),
    to: agencyA.address,
    custodian: ethers.ZeroAddress,
    classification: ["Open", "Other", "Important", "Core"].indexOf(d.classification),
    transferable: true,
    title: d.title,
    uri: d.distribution[0].downloadURL,
  }));
  for (let i = 0; i < registrations.length; i += 180) await send(dataAssets.registerBatch(registrations.slice(i, i + 180)));
  const ids = registrations.map((r) => BigInt(r.contentHash));
  const now = async () => (await ethers.provider.getBlock("latest"))!.timestamp;

  for (let i = 0; i < 200 * scale; i++) {
    const id = ids[i % ids.length];
    const [from, to] = Math.floor(i / ids.length) % 2 === 0 ? [agencyA, agencyB] : [agencyB, agencyA];
    await send(dataAssets.connect(from).transferFrom(from.address, to.address, id));
  }
  for (let i = 0; i < 20 * scale; i++) {
    const org = ethers.encodeBytes32String(`BENCH-BIZ-${i % 4}`);
    await send(dataAssets.grantLicense(ids[300 + (i % 200)], org, (await now()) + 365 * DAY, ethers.id(`terms ${i}`), `terms ${i}`));
    await send(dataAssets.recordValuation(ids[i % ids.length], 1_000_000n + BigInt(i), await now(), "cost", "bench appraiser", ethers.id(`report ${i}`)));
  }

  // Carbon: projects, attested batches, transfers, retirements, cancellations.
  const batchCount = 30 * scale;
  const projectKey = ethers.id("BENCH-0001");
  await send(carbon.registerProject("BENCH-0001", ethers.encodeBytes32String("BENCH-BIZ-0"), "VCS", "bench", "Da Nang", ethers.id("bench project")));
  // One project's monitoring periods may not overlap: consecutive 100-second periods, the first long ago.
  const firstPeriod = BigInt(await now()) - BigInt(batchCount) * 100n - 1_000n;
  for (let i = 0; i < batchCount; i++) {
    const [start, end] = [firstPeriod + BigInt(i) * 100n, firstPeriod + BigInt(i) * 100n + 99n];
    await send(carbon.connect(verifier).attest(projectKey, start, end, 10_000n, ethers.id(`bench report ${i}`)));
    const attestation = await carbon.attestationIdOf(projectKey, start, end, ethers.id(`bench report ${i}`));
    await send(carbon.issue(attestation, businesses[i % 4].address, 10_000n));
  }
  const claim = { beneficiaryName: "Bench beneficiary", beneficiaryOrg: ethers.ZeroHash, reason: "bench", consumptionStart: 0, consumptionEnd: 1 };
  for (let i = 0; i < 300 * scale; i++) {
    const batchId = BigInt((i % batchCount) + 1);
    const holder = businesses[(i % batchCount) % 4];
    const to = businesses[((i % batchCount) % 4 + 1 + (i % 3)) % 4];
    await send(carbon.connect(holder).safeTransferFrom(holder.address, to.address, batchId, 5n, "0x"));
  }
  for (let i = 0; i < 100 * scale; i++) {
    const batchId = BigInt((i % batchCount) + 1);
    await send(carbon.connect(businesses[(i % batchCount) % 4]).retire(batchId, 3n, claim));
  }
  for (let i = 0; i < 20 * scale; i++) {
    const batchId = BigInt((i % batchCount) + 1);
    await send(carbon.cancel(batchId, businesses[(i % batchCount) % 4].address, 2n, "bench cancellation"));
  }

  // VND and the market.
  const marketAddress = await market.getAddress();
  await send(market.setFee(50, admin.address));
  for (const b of businesses) {
    await send(settlement.mint(b.address, 10_000_000_000n, ethers.id(`deposit ${b.address}`)));
    await send(carbon.connect(b).setApprovalForAll(marketAddress, true));
    await send(settlement.connect(b).approve(marketAddress, ethers.MaxUint256));
  }
  let listings = 0;
  for (let i = 0; i < 60 * scale; i++) {
    const batchId = BigInt((i % batchCount) + 1);
    const seller = businesses[(i % batchCount) % 4];
    const buyer = businesses[((i % batchCount) % 4 + 1) % 4];
    await send(market.connect(seller).list(batchId, 40n, 250_000n, 0, 0, ethers.ZeroAddress));
    listings += 1;
    await send(market.connect(buyer).fill(listings, 15n, 15n * 250_000n));
    await send(market.connect(buyer).fillAndRetire(listings, 5n, 5n * 250_000n, claim));
    if (i % 3 === 0) await send(market.connect(seller).cancelListing(listings));
  }
  const built = (Date.now() - started) / 1000;
  const toBlock = await ethers.provider.getBlockNumber();
  console.log(`history: ${sent} transactions in ${built.toFixed(1)} s on ${network.name}, up to block ${toBlock}; deployment record in ${dataDir}`);

  const report = await auditChain({ provider: ethers.provider, deployment: record, toBlock });
  console.log(
    `auditChain: ${report.events} events fetched and replayed in ${report.replaySeconds.toFixed(2)} s ` +
      `(${Math.round(report.events / report.replaySeconds)} events/s); whole audit ${report.seconds.toFixed(2)} s; ` +
      `${Object.values(report.checkedCounts).reduce((a, b) => a + b, 0)} comparisons; ${report.discrepancies.length} discrepancies`,
  );

  const db = new Database(":memory:");
  const { contracts } = resolveDeployment(record);
  const indexer = new Indexer({ provider: ethers.provider, db, contracts, fromBlock: record.deploymentBlock, projections: [...PROJECTIONS], logger: pino({ level: "silent" }), resolveActorOrg: orgOfAccount });
  const indexStarted = Date.now();
  while (await indexer.syncOnce());
  const indexSeconds = (Date.now() - indexStarted) / 1000;
  const indexed = (db.prepare("SELECT COUNT(*) AS n FROM idx_events").get() as { n: number }).n;
  console.log(`indexer backfill: ${indexed} events in ${indexSeconds.toFixed(2)} s (${Math.round(indexed / indexSeconds)} events/s)`);
  const reconciled = await reconcileIndex({ db, provider: ethers.provider, contracts, chainId: Number(record.chainId), fromBlock: record.deploymentBlock });
  console.log(
    `reconcileIndex: ${reconciled.events} events replayed in ${reconciled.replaySeconds.toFixed(2)} s ` +
      `(${Math.round(reconciled.events / reconciled.replaySeconds)} events/s); whole run ${reconciled.seconds.toFixed(2)} s; ${reconciled.discrepancies.length} discrepancies`,
  );
  if (!report.passed || !reconciled.passed) {
    for (const d of [...report.discrepancies, ...reconciled.discrepancies].slice(0, 20)) console.log(`  - [${d.check}] ${d.message}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

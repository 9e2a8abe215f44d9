import type Database from "better-sqlite3";
import { ZeroAddress, ZeroHash } from "ethers";
import { mapConcurrent } from "../../scripts/audit/engine";
import type { ChainView, Discrepancy } from "../../scripts/audit/types";

/** What `projectionDiscrepancies` checks, for the report. */
export const PROJECTION_CHECKS = [
  "organisations (kind, status) equal the participant registry",
  "datasets (holder, custodian, class, status, transferability, parent) and licences equal the data registry (the metadata hash is in events only)",
  "batches (issued, circulating, retired, cancelled, frozen, adjustment), credit and retired balances, and certificates equal the carbon registry",
  "VND balances and supply equal the settlement token",
  "listings' remainders equal the market, and a listing is open exactly while something remains",
].map((description) => ({ module: "index", description }));

const CHECK = "the index's read model matches the chain";

/**
 * Compares the rows the read API serves with the contracts' views at the block the index has reached. The audit
 * replay checks the indexed events; this checks what the projections made of them.
 */
export async function projectionDiscrepancies(db: Database.Database, chain: ChainView): Promise<Discrepancy[]> {
  const found: Discrepancy[] = [];
  const compare = (what: string, indexed: unknown, onChain: unknown) => {
    const a = String(indexed).toLowerCase();
    const b = String(onChain).toLowerCase();
    if (a !== b) found.push({ check: CHECK, message: `${what}: index ${a}, on chain ${b}`, details: { indexed: a, onChain: b } });
  };
  // An indexer may run with only some projections: tables it does not have are skipped.
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
  const rows = <T>(sql: string) => (tables.has(/FROM (\w+)/.exec(sql)![1]) ? (db.prepare(sql).all() as T[]) : []);

  const orgs = rows<{ org_id: string; kind: number; status: number }>("SELECT org_id, kind, status FROM idx_orgs");
  const orgViews = await mapConcurrent(orgs, 16, (o) => chain.call<{ kind: bigint; status: bigint }>("ParticipantRegistry", "organization", [o.org_id]));
  orgs.forEach((o, i) => {
    compare(`organisation ${o.org_id} kind`, o.kind, orgViews[i].kind);
    compare(`organisation ${o.org_id} status`, o.status, orgViews[i].status);
  });

  type DatasetRow = { id: string; holder: string; custodian: string | null; classification: number; status: number; transferable: number; parent_id: string | null };
  const datasets = rows<DatasetRow>("SELECT id, holder, custodian, classification, status, transferable, parent_id FROM idx_datasets");
  type Asset = { holder: string; custodian: string; classification: bigint; status: bigint; transferable: boolean; parentId: bigint };
  const assets = await mapConcurrent(datasets, 16, (d) => chain.call<Asset>("DataAssetRegistry", "assetOf", [d.id]).catch(() => undefined));
  datasets.forEach((d, i) => {
    const asset = assets[i];
    if (!asset) return compare(`dataset ${d.id}`, "indexed", "not registered");
    compare(`dataset ${d.id} holder`, d.holder, asset.holder);
    compare(`dataset ${d.id} custodian`, d.custodian ?? ZeroAddress, asset.custodian);
    compare(`dataset ${d.id} classification`, d.classification, asset.classification);
    compare(`dataset ${d.id} status`, d.status, asset.status);
    compare(`dataset ${d.id} transferable`, d.transferable === 1, asset.transferable);
    compare(`dataset ${d.id} parent`, d.parent_id ?? ZeroHash, "0x" + asset.parentId.toString(16).padStart(64, "0"));
  });

  const licences = rows<{ dataset_id: string; org_id: string; terms_hash: string; expires_at: number; revoked: number }>(
    "SELECT dataset_id, org_id, terms_hash, expires_at, revoked FROM idx_licences",
  );
  const licenceViews = await mapConcurrent(licences, 16, (l) => chain.call<{ termsHash: string; expiresAt: bigint }>("DataAssetRegistry", "licenseOf", [l.dataset_id, l.org_id]));
  licences.forEach((l, i) => {
    compare(`licence of ${l.dataset_id} to ${l.org_id} terms hash`, l.revoked ? ZeroHash : l.terms_hash, licenceViews[i].termsHash);
    compare(`licence of ${l.dataset_id} to ${l.org_id} expiry`, l.revoked ? 0 : l.expires_at, licenceViews[i].expiresAt);
  });

  type BatchRow = { batch_id: string; issued: string; circulating: string; retired: string; cancelled: string; frozen: number; adjustment: number };
  const batches = rows<BatchRow>("SELECT batch_id, issued, circulating, retired, cancelled, frozen, adjustment FROM idx_batches");
  type BatchInfo = { issued: bigint; circulating: bigint; retired: bigint; cancelled: bigint; frozen: boolean; adjustment: bigint };
  const batchViews = await mapConcurrent(batches, 16, (b) => chain.call<BatchInfo>("CarbonCreditRegistry", "batch", [b.batch_id]));
  batches.forEach((b, i) => {
    const v = batchViews[i];
    compare(`batch ${b.batch_id} issued/circulating/retired/cancelled`, [b.issued, b.circulating, b.retired, b.cancelled].join("/"), [v.issued, v.circulating, v.retired, v.cancelled].join("/"));
    compare(`batch ${b.batch_id} frozen`, b.frozen === 1, v.frozen);
    compare(`batch ${b.batch_id} adjustment`, b.adjustment, v.adjustment);
  });

  const credits = rows<{ account: string; batch_id: string; balance: string; retired: string }>("SELECT account, batch_id, balance, retired FROM idx_carbon_balances");
  const creditViews = await mapConcurrent(credits, 16, (c) =>
    Promise.all([chain.call<bigint>("CarbonCreditRegistry", "balanceOf", [c.account, c.batch_id]), chain.call<bigint>("CarbonCreditRegistry", "retiredBalanceOf", [c.account, c.batch_id])]),
  );
  credits.forEach((c, i) => {
    compare(`credits of ${c.account} in batch ${c.batch_id}`, c.balance, creditViews[i][0]);
    compare(`retired credits of ${c.account} in batch ${c.batch_id}`, c.retired, creditViews[i][1]);
  });

  const retirements = rows<{ retirement_id: string; holder: string; batch_id: string; amount: string }>("SELECT retirement_id, holder, batch_id, amount FROM idx_retirements");
  const retirementViews = await mapConcurrent(retirements, 16, (r) =>
    chain.call<{ holder: string; batchId: bigint; amount: bigint }>("CarbonCreditRegistry", "retirement", [r.retirement_id]).catch(() => undefined),
  );
  retirements.forEach((r, i) => {
    const v = retirementViews[i];
    compare(`certificate ${r.retirement_id} (holder, batch, amount)`, [r.holder, r.batch_id, r.amount].join(","), v ? [v.holder, v.batchId, v.amount].join(",") : "none");
  });

  const vnd = rows<{ account: string; balance: string }>("SELECT account, balance FROM idx_vnd_balances");
  const vndViews = await mapConcurrent(vnd, 16, (v) => chain.call<bigint>("SettlementToken", "balanceOf", [v.account]));
  vnd.forEach((v, i) => compare(`VND of ${v.account}`, v.balance, vndViews[i]));
  if (tables.has("idx_vnd_supply")) {
    const supply = db.prepare("SELECT minted, burned FROM idx_vnd_supply WHERE id = 1").get() as { minted: string; burned: string } | undefined;
    compare("VND supply", BigInt(supply?.minted ?? "0") - BigInt(supply?.burned ?? "0"), await chain.call<bigint>("SettlementToken", "totalSupply"));
  }

  const listings = rows<{ listing_id: string; remaining: string; status: string }>("SELECT listing_id, remaining, status FROM idx_listings");
  const listingViews = await mapConcurrent(listings, 16, (l) => chain.call<{ remaining: bigint }>("CarbonMarket", "listing", [l.listing_id]));
  listings.forEach((l, i) => {
    compare(`listing ${l.listing_id} remaining`, l.remaining, listingViews[i].remaining);
    compare(`listing ${l.listing_id} open`, l.status === "open", listingViews[i].remaining !== 0n);
  });
  return found;
}

import type Database from "better-sqlite3";
import { datasetIdParam } from "./datasets";
import { conditions, keysetPage, type Page, type PageOptions } from "./page";

export const OFFER_STATUSES = ["Open", "SoldOut", "Expired", "Cancelled"] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];

export interface OfferView {
  offerId: string;
  datasetId: string;
  offerer: string;
  price: string;
  /** Seconds; 0 when the licence has a fixed end. */
  term: number;
  /** Unix seconds; 0 when the licence runs for `term`. */
  licenceEnd: number;
  termsHash: string;
  maxLicences: number;
  sold: number;
  expiry: number;
  allowed: string[];
  /** As the index sees it at `now` (a dataset deprecated since is not reflected: the contract refuses its sales). */
  status: OfferStatus;
  offered: { txHash: string; timestamp: number; blockNumber: number; logIndex: number };
}

export interface LicenceSaleView {
  offerId: string;
  datasetId: string;
  buyer: string;
  buyerOrg: string;
  holder: string;
  price: string;
  fee: string;
  previousExpiresAt: number;
  expiresAt: number;
  sold: { txHash: string; timestamp: number; blockNumber: number; logIndex: number };
}

interface OfferRow {
  offer_id: string;
  dataset_id: string;
  offerer: string;
  price: string;
  term: number;
  licence_end: number;
  terms_hash: string;
  max_licences: number;
  sold: number;
  expiry: number;
  allowed: string;
  cancelled: number;
  offered_tx: string;
  offered_at: number;
  created_block: number;
  created_log_index: number;
}

/** The SQL of "open at time ?": not cancelled, not sold out, not past its expiry or its licences' fixed end. */
const OPEN_AT = "(t.cancelled = 0 AND (t.max_licences = 0 OR t.sold < t.max_licences) AND (t.expiry = 0 OR t.expiry >= ?) AND (t.licence_end = 0 OR t.licence_end > ?))";

/** Offers in the order made. `offerers` limits to these accounts (lower-case); `openAt` to offers open then. */
export function listOffers(
  db: Database.Database,
  filter: { datasetId?: string; offerers?: string[]; open?: boolean },
  now: number,
  page: PageOptions,
): Page<OfferView> {
  const where = conditions(
    filter.datasetId !== undefined && { sql: "t.dataset_id = ?", params: [datasetIdParam(filter.datasetId)] },
    filter.offerers !== undefined && {
      sql: filter.offerers.length === 0 ? "0" : `t.offerer IN (${filter.offerers.map(() => "?").join(", ")})`,
      params: filter.offerers,
    },
    filter.open !== undefined && { sql: filter.open ? OPEN_AT : `NOT ${OPEN_AT}`, params: [now, now] },
  );
  return keysetPage(db, { from: "idx_offers t", where }, page, (row: OfferRow) => offerView(row, now));
}

export function getOffer(db: Database.Database, offerId: string, now: number): OfferView | null {
  const row = db.prepare("SELECT * FROM idx_offers WHERE offer_id = ?").get(offerId) as OfferRow | undefined;
  return row ? offerView(row, now) : null;
}

/** Offers with this terms hash (ids, oldest first). */
export function offersWithTerms(db: Database.Database, termsHash: string): string[] {
  return (db.prepare("SELECT offer_id FROM idx_offers WHERE terms_hash = ? ORDER BY created_block, created_log_index").all(termsHash) as { offer_id: string }[]).map(
    (r) => r.offer_id,
  );
}

/** Licences an organisation bought (newest last), and VND an account set earned from data sales (after fees). */
export function licencePurchasesOf(db: Database.Database, buyerOrg: string): LicenceSaleView[] {
  return (db.prepare("SELECT * FROM idx_licence_sales WHERE buyer_org = ? ORDER BY created_block, created_log_index").all(buyerOrg) as SaleRow[]).map(saleView);
}

export function dataEarningsOf(db: Database.Database, holders: string[]): { sales: number; earned: string } {
  if (holders.length === 0) return { sales: 0, earned: "0" };
  const rows = db
    .prepare(`SELECT price, fee FROM idx_licence_sales WHERE holder IN (${holders.map(() => "?").join(", ")})`)
    .all(...holders) as { price: string; fee: string }[];
  return { sales: rows.length, earned: rows.reduce((sum, r) => sum + BigInt(r.price) - BigInt(r.fee), 0n).toString() };
}

interface SaleRow {
  tx_hash: string;
  log_index: number;
  offer_id: string;
  dataset_id: string;
  buyer: string;
  buyer_org: string;
  holder: string;
  price: string;
  fee: string;
  previous_expires_at: number;
  expires_at: number;
  sold_at: number;
  created_block: number;
}

const saleView = (r: SaleRow): LicenceSaleView => ({
  offerId: r.offer_id,
  datasetId: r.dataset_id,
  buyer: r.buyer,
  buyerOrg: r.buyer_org,
  holder: r.holder,
  price: r.price,
  fee: r.fee,
  previousExpiresAt: r.previous_expires_at,
  expiresAt: r.expires_at,
  sold: { txHash: r.tx_hash, timestamp: r.sold_at, blockNumber: r.created_block, logIndex: r.log_index },
});

function offerView(row: OfferRow, now: number): OfferView {
  const soldOut = row.max_licences !== 0 && row.sold >= row.max_licences;
  const expired = (row.expiry !== 0 && now > row.expiry) || (row.licence_end !== 0 && now >= row.licence_end);
  return {
    offerId: row.offer_id,
    datasetId: row.dataset_id,
    offerer: row.offerer,
    price: row.price,
    term: row.term,
    licenceEnd: row.licence_end,
    termsHash: row.terms_hash,
    maxLicences: row.max_licences,
    sold: row.sold,
    expiry: row.expiry,
    allowed: JSON.parse(row.allowed) as string[],
    status: row.cancelled ? "Cancelled" : soldOut ? "SoldOut" : expired ? "Expired" : "Open",
    offered: { txHash: row.offered_tx, timestamp: row.offered_at, blockNumber: row.created_block, logIndex: row.created_log_index },
  };
}

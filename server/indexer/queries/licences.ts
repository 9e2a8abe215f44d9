import type Database from "better-sqlite3";
import { bytes32Param } from "./common";
import { datasetIdParam } from "./datasets";
import { conditions, keysetPage, type Page, type PageOptions } from "./page";

export interface LicenceView {
  datasetId: string;
  orgId: string;
  termsHash: string;
  terms: string;
  /** Unix seconds; null for no expiry. */
  expiresAt: number | null;
  revoked: boolean;
  revokedReason: string | null;
  granted: { txHash: string; timestamp: number };
  /** In force at the time asked about: granted, not revoked, not expired. (The dataset's own status is not considered.) */
  inForce: boolean;
}

export interface LicenceFilter {
  datasetId?: string;
  orgId?: string;
  /** Only licences in force at this time (unix seconds). */
  inForceAt?: number;
}

interface LicenceRow {
  dataset_id: string;
  org_id: string;
  terms_hash: string;
  terms: string;
  expires_at: number;
  revoked: number;
  revoked_reason: string | null;
  granted_tx: string;
  granted_at: number;
}

/** Licences in the order first granted; `now` (unix seconds) decides `inForce`. */
export function listLicences(db: Database.Database, filter: LicenceFilter, page: PageOptions, now = Math.floor(Date.now() / 1000)): Page<LicenceView> {
  const where = conditions(
    filter.datasetId !== undefined && { sql: "t.dataset_id = ?", params: [datasetIdParam(filter.datasetId)] },
    filter.orgId !== undefined && { sql: "t.org_id = ?", params: [bytes32Param(filter.orgId, "organisation id")] },
    filter.inForceAt !== undefined && { sql: "t.revoked = 0 AND (t.expires_at = 0 OR t.expires_at >= ?)", params: [filter.inForceAt] },
  );
  return keysetPage(db, { from: "idx_licences t", where }, page, (row: LicenceRow) => toView(row, filter.inForceAt ?? now));
}

export function getLicence(db: Database.Database, datasetId: string, orgId: string, now = Math.floor(Date.now() / 1000)): LicenceView | null {
  const row = db
    .prepare("SELECT * FROM idx_licences WHERE dataset_id = ? AND org_id = ?")
    .get(datasetIdParam(datasetId), bytes32Param(orgId, "organisation id")) as LicenceRow | undefined;
  return row ? toView(row, now) : null;
}

function toView(row: LicenceRow, now: number): LicenceView {
  return {
    datasetId: row.dataset_id,
    orgId: row.org_id,
    termsHash: row.terms_hash,
    terms: row.terms,
    expiresAt: row.expires_at === 0 ? null : row.expires_at,
    revoked: row.revoked === 1,
    revokedReason: row.revoked_reason,
    granted: { txHash: row.granted_tx, timestamp: row.granted_at },
    inForce: row.revoked === 0 && (row.expires_at === 0 || now <= row.expires_at),
  };
}

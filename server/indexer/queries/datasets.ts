import type Database from "better-sqlite3";
import { DATA_CLASSIFICATIONS, DATA_STATUSES, type DataClassificationName, type DataStatusName } from "../../../scripts/lib/enums";
import { accountParam, bytes32Param, enumParam, ftsQuery, type ChainRef } from "./common";
import { InvalidQueryError, conditions, keysetPage, type Page, type PageOptions } from "./page";

export interface DatasetView {
  /** The token id, which is the content hash (sha256 of the distribution). */
  id: string;
  holder: string;
  /** The holder's organisation, as the index knows it now. */
  holderOrg: string | null;
  /** The custodian account; null when the holder keeps the data itself. */
  custodian: string | null;
  classification: DataClassificationName;
  status: DataStatusName;
  statusReason: string | null;
  transferable: boolean;
  metadataHash: string | null;
  title: string;
  uri: string;
  /** The previous version, if this is a new version of a dataset. */
  parentId: string | null;
  registered: ChainRef;
  updatedBlock: number;
}

export interface DatasetFilter {
  holder?: string;
  holderOrg?: string;
  custodian?: string;
  classification?: DataClassificationName;
  status?: DataStatusName;
  /** Words of the title or URI (prefixes match). */
  text?: string;
  parentId?: string;
}

interface DatasetRow {
  id: string;
  holder: string;
  holder_org: string | null;
  custodian: string | null;
  classification: number;
  status: number;
  status_reason: string | null;
  transferable: number;
  metadata_hash: string | null;
  title: string;
  uri: string;
  parent_id: string | null;
  registered_tx: string;
  registered_at: number;
  created_block: number;
  created_log_index: number;
  updated_block: number;
}

const FROM = "idx_datasets t LEFT JOIN idx_accounts acc ON acc.account = t.holder";
const SELECT = "t.*, acc.org_id AS holder_org";

/** Datasets in the order they were registered, filtered; text search over titles and URIs. */
export function listDatasets(db: Database.Database, filter: DatasetFilter, page: PageOptions): Page<DatasetView> {
  const where = conditions(
    filter.holder !== undefined && { sql: "t.holder = ?", params: [accountParam(filter.holder, "holder")] },
    filter.holderOrg !== undefined && { sql: "acc.org_id = ?", params: [bytes32Param(filter.holderOrg, "holder organisation")] },
    filter.custodian !== undefined && { sql: "t.custodian = ?", params: [accountParam(filter.custodian, "custodian")] },
    filter.classification !== undefined && { sql: "t.classification = ?", params: [enumParam(filter.classification, DATA_CLASSIFICATIONS, "classification")] },
    filter.status !== undefined && { sql: "t.status = ?", params: [enumParam(filter.status, DATA_STATUSES, "status")] },
    filter.parentId !== undefined && { sql: "t.parent_id = ?", params: [datasetIdParam(filter.parentId)] },
    filter.text !== undefined && { sql: "t.rowid IN (SELECT rowid FROM idx_datasets_fts WHERE idx_datasets_fts MATCH ?)", params: [ftsQuery(filter.text)] },
  );
  return keysetPage(db, { from: FROM, select: SELECT, where }, page, toView);
}

/** A dataset by id (= its content hash), or null. */
export function getDataset(db: Database.Database, id: string): DatasetView | null {
  const row = db.prepare(`SELECT ${SELECT} FROM ${FROM} WHERE t.id = ?`).get(datasetIdParam(id)) as DatasetRow | undefined;
  return row ? toView(row) : null;
}

/** The dataset registered for a sha256 (hex, with or without 0x), or null. */
export function getDatasetByHash(db: Database.Database, sha256: string): DatasetView | null {
  return getDataset(db, sha256.startsWith("0x") ? sha256 : `0x${sha256}`);
}

/** Every version of the dataset `id` belongs to, oldest first (following parent links both ways). */
export function versionsOf(db: Database.Database, id: string): DatasetView[] {
  const key = datasetIdParam(id);
  const rows = db
    .prepare(
      `WITH RECURSIVE
         root(id, parent_id) AS (
           SELECT id, parent_id FROM idx_datasets WHERE id = ?
           UNION SELECT d.id, d.parent_id FROM idx_datasets d JOIN root r ON d.id = r.parent_id
         ),
         chain(id, depth) AS (
           SELECT id, 0 FROM root WHERE parent_id IS NULL
           UNION SELECT d.id, c.depth + 1 FROM idx_datasets d JOIN chain c ON d.parent_id = c.id
         )
       SELECT ${SELECT} FROM chain JOIN idx_datasets t ON t.id = chain.id LEFT JOIN idx_accounts acc ON acc.account = t.holder
       ORDER BY chain.depth, t.created_block, t.created_log_index`,
    )
    .all(key) as DatasetRow[];
  return rows.map(toView);
}

export function datasetIdParam(id: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(id)) throw new InvalidQueryError(`a dataset id is its sha256: 0x followed by 64 hex digits, got ${JSON.stringify(id)}`);
  return id.toLowerCase();
}

function toView(row: DatasetRow): DatasetView {
  return {
    id: row.id,
    holder: row.holder,
    holderOrg: row.holder_org,
    custodian: row.custodian,
    classification: DATA_CLASSIFICATIONS[row.classification],
    status: DATA_STATUSES[row.status],
    statusReason: row.status_reason,
    transferable: row.transferable === 1,
    metadataHash: row.metadata_hash,
    title: row.title,
    uri: row.uri,
    parentId: row.parent_id,
    registered: { txHash: row.registered_tx, blockNumber: row.created_block, logIndex: row.created_log_index, timestamp: row.registered_at },
    updatedBlock: row.updated_block,
  };
}

import type Database from "better-sqlite3";
import type { ChainRef } from "./common";
import { datasetIdParam } from "./datasets";
import { keysetPage, type Page, type PageOptions } from "./page";

export interface ValuationView {
  datasetId: string;
  /** Whole VND, as decimal text. */
  amountVnd: string;
  valuationDate: number;
  method: string;
  appraiser: string;
  reportHash: string;
  recorded: ChainRef;
}

interface ValuationRow {
  tx_hash: string;
  log_index: number;
  dataset_id: string;
  amount_vnd: string;
  valuation_date: number;
  method: string;
  appraiser: string;
  report_hash: string;
  recorded_at: number;
  created_block: number;
}

/** A dataset's valuation record, oldest first. */
export function listValuations(db: Database.Database, datasetId: string, page: PageOptions): Page<ValuationView> {
  return keysetPage(db, { from: "idx_valuations t", where: [{ sql: "t.dataset_id = ?", params: [datasetIdParam(datasetId)] }] }, page, (row: ValuationRow) => ({
    datasetId: row.dataset_id,
    amountVnd: row.amount_vnd,
    valuationDate: row.valuation_date,
    method: row.method,
    appraiser: row.appraiser,
    reportHash: row.report_hash,
    recorded: { txHash: row.tx_hash, blockNumber: row.created_block, logIndex: row.log_index, timestamp: row.recorded_at },
  }));
}

import type Database from "better-sqlite3";
import type { IndexedEvent, Projection } from "../projection";
import { account, accountSubjects, datasetKey, stmt } from "./sql";

/**
 * Datasets (one row per version) from DataAssetRegistry events: holder, custodian, class, status, lock, metadata,
 * parent, and the title and URI that live in events only, with a full-text index over title and URI. The ERC-721
 * mint comes just before DatasetRegistered in the same transaction: it creates the row, the registration fills it.
 */
export const datasetsProjection: Projection = {
  name: "datasets",
  schema: [
    `CREATE TABLE IF NOT EXISTS idx_datasets (
       id TEXT PRIMARY KEY,
       holder TEXT NOT NULL,
       custodian TEXT,
       classification INTEGER NOT NULL DEFAULT 0,
       status INTEGER NOT NULL DEFAULT 0,
       status_reason TEXT,
       transferable INTEGER NOT NULL DEFAULT 1,
       metadata_hash TEXT,
       title TEXT NOT NULL DEFAULT '',
       uri TEXT NOT NULL DEFAULT '',
       parent_id TEXT,
       registered_tx TEXT NOT NULL,
       registered_at INTEGER NOT NULL,
       created_block INTEGER NOT NULL,
       created_log_index INTEGER NOT NULL,
       updated_block INTEGER NOT NULL
     )`,
    `CREATE INDEX IF NOT EXISTS idx_datasets_holder ON idx_datasets (holder, created_block, created_log_index)`,
    `CREATE INDEX IF NOT EXISTS idx_datasets_order ON idx_datasets (created_block, created_log_index)`,
    `CREATE INDEX IF NOT EXISTS idx_datasets_parent ON idx_datasets (parent_id)`,
    // Standalone FTS5 table whose rowid is the dataset row's rowid; diacritics folded so "Nang" finds "Nẵng".
    `CREATE VIRTUAL TABLE IF NOT EXISTS idx_datasets_fts USING fts5(title, uri, tokenize = 'unicode61 remove_diacritics 2')`,
  ],

  apply(db: Database.Database, event: IndexedEvent): void {
    if (event.contract !== "DataAssetRegistry") return;
    const a = event.args;
    switch (event.name) {
      case "Transfer": {
        const id = datasetKey(a.tokenId);
        if (account(a.from) === null) {
          stmt(
            db,
            `INSERT OR IGNORE INTO idx_datasets (id, holder, registered_tx, registered_at, created_block, created_log_index, updated_block)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          ).run(id, account(a.to), event.txHash, event.timestamp, event.blockNumber, event.logIndex, event.blockNumber);
        } else {
          stmt(db, "UPDATE idx_datasets SET holder = ?, updated_block = ? WHERE id = ?").run(account(a.to), event.blockNumber, id);
        }
        break;
      }
      case "DatasetRegistered": {
        const id = datasetKey(a.id);
        stmt(
          db,
          `UPDATE idx_datasets SET metadata_hash = ?, classification = ?, transferable = ?, custodian = ?, title = ?, uri = ?, updated_block = ?
           WHERE id = ?`,
        ).run(a.metadataHash, Number(a.classification), a.transferable ? 1 : 0, account(a.custodian), a.title, a.uri, event.blockNumber, id);
        // A dataset is registered once, so it has no search text yet (a reorg's rebuild empties the search table first).
        // (UPDATE … RETURNING rowid instead of the SELECT measured three times slower.)
        setSearchText(db, id, a.title as string, a.uri as string, false);
        break;
      }
      case "DatasetVersioned":
        update(db, event, "parent_id = ?", datasetKey(a.parentId));
        break;
      case "DatasetStatusChanged":
        update(db, event, "status = ?, status_reason = ?", Number(a.newStatus), a.reason);
        break;
      case "DatasetMetadataChanged":
        update(db, event, "metadata_hash = ?, title = ?, uri = ?", a.metadataHash, a.title, a.uri);
        setSearchText(db, datasetKey(a.id), a.title as string, a.uri as string);
        break;
      case "CustodianChanged":
        update(db, event, "custodian = ?", account(a.newCustodian));
        break;
      case "Locked":
      case "Unlocked":
        stmt(db, "UPDATE idx_datasets SET transferable = ?, updated_block = ? WHERE id = ?").run(
          event.name === "Unlocked" ? 1 : 0,
          event.blockNumber,
          datasetKey(a.tokenId),
        );
        break;
      default:
        break;
    }
  },

  subjects(event: IndexedEvent): string[] {
    if (event.contract !== "DataAssetRegistry") return [];
    const a = event.args;
    const id = a.id ?? a.tokenId ?? a._tokenId;
    const subjects = id === undefined ? [] : [`dataset:${datasetKey(id)}`];
    if (a.parentId !== undefined) subjects.push(`dataset:${datasetKey(a.parentId)}`);
    if (typeof a.orgId === "string") subjects.push(`org:${a.orgId}`);
    switch (event.name) {
      case "Transfer":
      case "DatasetRecovered":
        subjects.push(...accountSubjects(a.from, a.to));
        break;
      case "CustodianChanged":
        subjects.push(...accountSubjects(a.previousCustodian, a.newCustodian));
        break;
      default:
        break;
    }
    return subjects;
  },

  reset(db: Database.Database): void {
    db.exec("DELETE FROM idx_datasets; DELETE FROM idx_datasets_fts;");
  },
};

function update(db: Database.Database, event: IndexedEvent, set: string, ...values: unknown[]): void {
  stmt(db, `UPDATE idx_datasets SET ${set}, updated_block = ? WHERE id = ?`).run(...values, event.blockNumber, datasetKey(event.args.id));
}

function setSearchText(db: Database.Database, id: string, title: string, uri: string, replace = true): void {
  const row = stmt(db, "SELECT rowid FROM idx_datasets WHERE id = ?").get(id) as { rowid: number } | undefined;
  if (!row) return;
  if (replace) stmt(db, "DELETE FROM idx_datasets_fts WHERE rowid = ?").run(row.rowid);
  stmt(db, "INSERT INTO idx_datasets_fts (rowid, title, uri) VALUES (?, ?, ?)").run(row.rowid, title, uri);
}

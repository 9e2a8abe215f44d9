import crypto from "node:crypto";
import type Database from "better-sqlite3";

/**
 * Fills a gateway's index with `count` synthetic datasets in one SQLite transaction (seconds for 50,000), so the
 * catalogue's paging and search can be exercised at the size the issue names without registering each on chain.
 * Rows go where the Registry projection puts them (idx_datasets and its full-text table), all held by `holder`,
 * at block 0 so they page before the real ones; titles cycle through Vietnamese and English words with diacritics.
 * Only for throwaway DATA_DIRs: the index would disagree with the chain (a reconcile reports them).
 */
export function fillCatalogue(db: Database.Database, count: number, holder: string): string[] {
  const districts = ["Hải Châu", "Thanh Khê", "Sơn Trà", "Ngũ Hành Sơn", "Liên Chiểu", "Cẩm Lệ", "Hòa Vang"];
  const topics = ["Chất lượng không khí", "Lưu lượng giao thông", "Traffic counts", "Water quality", "Tiêu thụ điện", "Bus ridership"];
  const insert = db.prepare(
    `INSERT INTO idx_datasets (id, holder, classification, status, title, uri, registered_tx, registered_at, created_block, created_log_index, updated_block)
     VALUES (?, ?, 0, 0, ?, ?, ?, ?, 0, ?, 0)`,
  );
  const fts = db.prepare("INSERT INTO idx_datasets_fts (rowid, title, uri) VALUES (?, ?, ?)");
  const ids: string[] = [];
  const now = Math.floor(Date.now() / 1000);
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const id = `0x${crypto.createHash("sha256").update(`synthetic-dataset-${i}`).digest("hex")}`;
      const title = `${topics[i % topics.length]} ${districts[i % districts.length]} #${i}`;
      const uri = `https://opendata.danang.gov.vn/synthetic/${i}.csv`;
      const row = insert.run(id, holder.toLowerCase(), title, uri, `0x${"0".repeat(63)}1`, now, i);
      fts.run(row.lastInsertRowid, title, uri);
      ids.push(id);
    }
  })();
  return ids;
}

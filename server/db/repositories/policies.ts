import type { Db } from "../connection";
import { nowIso } from "../connection";

/** Licence policy documents by the hash of their canonical JSON. */
export class PoliciesRepository {
  constructor(private readonly db: Db) {}

  /** Stores a document under its hash; a second store of the same document changes nothing. */
  put(hash: string, canonical: string): void {
    this.db.prepare("INSERT OR IGNORE INTO policies (hash, document, stored_at) VALUES (?, ?, ?)").run(hash, canonical, nowIso());
  }

  /** The canonical JSON stored under `hash`, if any. */
  get(hash: string): string | undefined {
    return (this.db.prepare("SELECT document FROM policies WHERE hash = ?").get(hash) as { document: string } | undefined)?.document;
  }
}

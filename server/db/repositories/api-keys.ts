import type { Db } from "../connection";
import { nowIso } from "../connection";

export interface ApiKeyRow {
  id: string;
  orgCode: string;
  keyHash: Buffer;
  prefix: string;
  scopes: string[];
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

interface RawRow {
  id: string;
  org_code: string;
  key_hash: Buffer;
  prefix: string;
  scopes: string;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}

const toRow = (r: RawRow): ApiKeyRow => ({
  id: r.id,
  orgCode: r.org_code,
  keyHash: r.key_hash,
  prefix: r.prefix,
  scopes: JSON.parse(r.scopes) as string[],
  label: r.label,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

/** API keys are stored as sha256 hashes only; the key itself is shown once, when created. */
export class ApiKeysRepository {
  constructor(private readonly db: Db) {}

  insert(key: { id: string; orgCode: string; keyHash: Buffer; prefix: string; scopes: string[]; label: string | null }): ApiKeyRow {
    const createdAt = nowIso();
    this.db
      .prepare("INSERT INTO api_keys (id, org_code, key_hash, prefix, scopes, label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(key.id, key.orgCode, key.keyHash, key.prefix, JSON.stringify(key.scopes), key.label, createdAt);
    return { ...key, createdAt, revokedAt: null };
  }

  byHash(keyHash: Buffer): ApiKeyRow | undefined {
    const r = this.db.prepare("SELECT * FROM api_keys WHERE key_hash = ?").get(keyHash) as RawRow | undefined;
    return r && toRow(r);
  }

  get(id: string): ApiKeyRow | undefined {
    const r = this.db.prepare("SELECT * FROM api_keys WHERE id = ?").get(id) as RawRow | undefined;
    return r && toRow(r);
  }

  listByOrg(orgCode: string | undefined, includeRevoked: boolean): ApiKeyRow[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM api_keys WHERE (? IS NULL OR org_code = ?) AND (? = 1 OR revoked_at IS NULL) ORDER BY created_at, id`,
      )
      .all(orgCode ?? null, orgCode ?? null, includeRevoked ? 1 : 0) as RawRow[];
    return rows.map(toRow);
  }

  /** Revokes the key; returns false when it was already revoked. */
  revoke(id: string): boolean {
    return this.db.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(nowIso(), id).changes === 1;
  }
}

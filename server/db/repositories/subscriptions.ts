import type { Db } from "../connection";
import { nowIso } from "../connection";
import { SecretBox } from "../secret-box";

export interface SubscriptionRow {
  id: string;
  org_code: string;
  api_key_id: string;
  scopes: string;
  url: string;
  filter: string;
  /** Sealed (`SecretBox`): read it in clear with `secretOf`. */
  secret: string;
  cursor: number;
  created_at: string;
  attempts: number;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  last_delivered_at: string | null;
}

/**
 * Webhook subscriptions and their delivery cursors (DATA_DIR/gateway.db, so they survive restarts). Secrets are
 * stored sealed by `box`; secrets an earlier gateway stored in clear are sealed when the repository opens.
 */
export class SubscriptionsRepository {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {
    const clear = (this.db.prepare("SELECT id, secret FROM subscriptions").all() as { id: string; secret: string }[]).filter((r) => !SecretBox.isSealed(r.secret));
    const seal = this.db.prepare("UPDATE subscriptions SET secret = ? WHERE id = ?");
    this.db.transaction(() => {
      for (const r of clear) seal.run(this.box.seal(r.secret, r.id), r.id);
    })();
  }

  /** The subscription's secret in clear, to sign a delivery with. */
  secretOf(row: SubscriptionRow): string {
    return this.box.open(row.secret, row.id);
  }

  insert(s: { id: string; orgCode: string; apiKeyId: string; scopes: string[]; url: string; filter: unknown; secret: string; cursor: number }): SubscriptionRow {
    this.db
      .prepare(
        `INSERT INTO subscriptions (id, org_code, api_key_id, scopes, url, filter, secret, cursor, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.id, s.orgCode, s.apiKeyId, JSON.stringify(s.scopes), s.url, JSON.stringify(s.filter), this.box.seal(s.secret, s.id), s.cursor, nowIso());
    return this.get(s.id)!;
  }

  get(id: string): SubscriptionRow | undefined {
    return this.db.prepare("SELECT * FROM subscriptions WHERE id = ?").get(id) as SubscriptionRow | undefined;
  }

  list(orgCode?: string): SubscriptionRow[] {
    return (
      orgCode === undefined
        ? this.db.prepare("SELECT * FROM subscriptions ORDER BY created_at, id").all()
        : this.db.prepare("SELECT * FROM subscriptions WHERE org_code = ? ORDER BY created_at, id").all(orgCode)
    ) as SubscriptionRow[];
  }

  delete(id: string): boolean {
    return this.db.prepare("DELETE FROM subscriptions WHERE id = ?").run(id).changes > 0;
  }

  /** A 2xx (or nothing to send): the cursor moves forward, never back. */
  delivered(id: string, cursor: number, status: number | null): void {
    const now = nowIso();
    this.db
      .prepare(
        `UPDATE subscriptions SET cursor = MAX(cursor, ?), attempts = 0, last_error = NULL,
           last_status = COALESCE(?, last_status), last_attempt_at = CASE WHEN ? IS NULL THEN last_attempt_at ELSE ? END,
           last_delivered_at = CASE WHEN ? IS NULL THEN last_delivered_at ELSE ? END
         WHERE id = ?`,
      )
      .run(cursor, status, status, now, status, now, id);
  }

  /** A failed attempt: the cursor stays. */
  failed(id: string, status: number | null, error: string): void {
    this.db
      .prepare("UPDATE subscriptions SET attempts = attempts + 1, last_status = ?, last_error = ?, last_attempt_at = ? WHERE id = ?")
      .run(status, error.slice(0, 500), nowIso(), id);
  }
}

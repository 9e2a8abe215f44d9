import type { Db } from "../connection";
import { nowIso } from "../connection";
import type { FeedMark } from "../../indexer/queries/feed";
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
  /** The feed numbering `cursor` belongs to (null: set by a gateway before numberings were told apart). */
  feed_epoch: string | null;
  /** The cursor's place on the chain (FeedMark), to move it into a rebuilt feed's numbering. */
  mark_block: number | null;
  mark_block_hash: string | null;
}

/** Where a cursor stands: its offset, the numbering it belongs to and its place on the chain. */
export interface CursorAt {
  cursor: number;
  epoch: string;
  mark: FeedMark | null;
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

  insert(s: { id: string; orgCode: string; apiKeyId: string; scopes: string[]; url: string; filter: unknown; secret: string; at: CursorAt }): SubscriptionRow {
    this.db
      .prepare(
        `INSERT INTO subscriptions (id, org_code, api_key_id, scopes, url, filter, secret, cursor, feed_epoch, mark_block, mark_block_hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.id,
        s.orgCode,
        s.apiKeyId,
        JSON.stringify(s.scopes),
        s.url,
        JSON.stringify(s.filter),
        this.box.seal(s.secret, s.id),
        s.at.cursor,
        s.at.epoch,
        s.at.mark?.block ?? null,
        s.at.mark?.blockHash ?? null,
        nowIso(),
      );
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

  /** A 2xx (or nothing to send): the cursor moves forward, never back, and its mark with it. */
  delivered(id: string, at: CursorAt, status: number | null): void {
    const now = nowIso();
    this.db
      .prepare(
        `UPDATE subscriptions SET
           mark_block = CASE WHEN @cursor >= cursor THEN @block ELSE mark_block END,
           mark_block_hash = CASE WHEN @cursor >= cursor THEN @blockHash ELSE mark_block_hash END,
           cursor = MAX(cursor, @cursor), feed_epoch = @epoch, attempts = 0, last_error = NULL,
           last_status = COALESCE(@status, last_status), last_attempt_at = CASE WHEN @status IS NULL THEN last_attempt_at ELSE @now END,
           last_delivered_at = CASE WHEN @status IS NULL THEN last_delivered_at ELSE @now END
         WHERE id = @id`,
      )
      .run({ cursor: at.cursor, block: at.mark?.block ?? null, blockHash: at.mark?.blockHash ?? null, epoch: at.epoch, status, now, id });
  }

  /** The cursor moved into another numbering of the feed (a rebuilt index): it may go back, and only here. */
  rebase(id: string, at: CursorAt): void {
    this.db
      .prepare("UPDATE subscriptions SET cursor = ?, feed_epoch = ?, mark_block = ?, mark_block_hash = ? WHERE id = ?")
      .run(at.cursor, at.epoch, at.mark?.block ?? null, at.mark?.blockHash ?? null, id);
  }

  /** A failed attempt: the cursor stays. */
  failed(id: string, status: number | null, error: string): void {
    this.db
      .prepare("UPDATE subscriptions SET attempts = attempts + 1, last_status = ?, last_error = ?, last_attempt_at = ? WHERE id = ?")
      .run(status, error.slice(0, 500), nowIso(), id);
  }
}

import type { Db } from "../connection";
import { nowIso } from "../connection";

export interface SignedRequestIntent {
  digest: string;
  orgCode: string;
  operation: string;
  params: unknown;
  successStatus: number;
}

/** Memos of prepared (Prefer: sign=client) requests, the relayed requests, and the account proofs already used. */
export class SignedRequestsRepository {
  constructor(private readonly db: Db) {}

  remember(intent: SignedRequestIntent): void {
    this.db
      .prepare(
        `INSERT INTO signed_request_intents (digest, org_code, operation, params, success_status, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (digest) DO UPDATE SET operation = excluded.operation, params = excluded.params, success_status = excluded.success_status`,
      )
      .run(intent.digest, intent.orgCode, intent.operation, JSON.stringify(intent.params), intent.successStatus, nowIso());
  }

  intent(digest: string): SignedRequestIntent | undefined {
    const r = this.db.prepare("SELECT * FROM signed_request_intents WHERE digest = ?").get(digest) as
      | { digest: string; org_code: string; operation: string; params: string; success_status: number }
      | undefined;
    return r && { digest: r.digest, orgCode: r.org_code, operation: r.operation, params: JSON.parse(r.params) as unknown, successStatus: r.success_status };
  }

  /** Written inside the outbox transaction of the relay. */
  recordRelay(r: { digest: string; submissionId: string; signer: string; nonce: string; signature: string }): void {
    this.db
      .prepare("INSERT INTO relayed_requests (digest, submission_id, signer, nonce, signature, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(r.digest, r.submissionId, r.signer, r.nonce, r.signature, nowIso());
  }

  /** The submission of a relay of (signer, nonce) that has not ended yet, if any. */
  pendingRelay(signer: string, nonce: string): string | undefined {
    const r = this.db
      .prepare(
        `SELECT r.submission_id AS id FROM relayed_requests r JOIN submissions s ON s.id = r.submission_id
         WHERE r.signer = ? AND r.nonce = ? AND s.status = 'pending'`,
      )
      .get(signer, nonce) as { id: string } | undefined;
    return r?.id;
  }

  relayOf(submissionId: string): { signer: string; signature: string } | undefined {
    return this.db.prepare("SELECT signer, signature FROM relayed_requests WHERE submission_id = ?").get(submissionId) as
      | { signer: string; signature: string }
      | undefined;
  }

  useProofAvailable(nonce: string): boolean {
    return this.db.prepare("SELECT 1 FROM account_proofs WHERE nonce = ?").get(nonce) === undefined;
  }

  /** Claims a proof's nonce; false when it was used before. */
  useProof(nonce: string, orgCode: string, account: string): boolean {
    return this.db.prepare("INSERT OR IGNORE INTO account_proofs (nonce, org_code, account, created_at) VALUES (?, ?, ?, ?)").run(nonce, orgCode, account, nowIso()).changes === 1;
  }
}

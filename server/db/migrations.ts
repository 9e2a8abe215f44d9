import type Database from "better-sqlite3";

/**
 * Versioned schema changes, applied in order, each in its own transaction. Never edit a released migration: add
 * the next one. Later features (indexer, audit log) append theirs here.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "gateway core: organisations, API keys, submissions, outbox, idempotency",
    sql: `
      CREATE TABLE organizations (
        code        TEXT PRIMARY KEY,
        org_id      TEXT NOT NULL UNIQUE,
        name        TEXT NOT NULL,
        kind        TEXT NOT NULL,
        address     TEXT NOT NULL UNIQUE,
        roles       TEXT NOT NULL DEFAULT '[]',
        created_at  TEXT NOT NULL
      );

      CREATE TABLE api_keys (
        id          TEXT PRIMARY KEY,
        org_code    TEXT NOT NULL REFERENCES organizations(code),
        key_hash    BLOB NOT NULL UNIQUE,
        prefix      TEXT NOT NULL,
        scopes      TEXT NOT NULL,
        label       TEXT,
        created_at  TEXT NOT NULL,
        revoked_at  TEXT
      );
      CREATE INDEX api_keys_org ON api_keys(org_code);

      -- One accepted write request: one or more chain transactions (batches are chunked).
      CREATE TABLE submissions (
        id            TEXT PRIMARY KEY,
        org_code      TEXT NOT NULL,
        operation     TEXT NOT NULL,
        params        TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('pending', 'mined', 'failed', 'rejected')),
        result        TEXT,
        error         TEXT,
        created_at    TEXT NOT NULL,
        completed_at  TEXT
      );
      CREATE INDEX submissions_pending ON submissions(status) WHERE status = 'pending';

      -- Signed transactions, written before they are sent.
      CREATE TABLE outbox (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        submission_id  TEXT NOT NULL REFERENCES submissions(id),
        seq            INTEGER NOT NULL,
        signer         TEXT NOT NULL,
        nonce          INTEGER NOT NULL,
        tx_hash        TEXT NOT NULL UNIQUE,
        raw            TEXT NOT NULL,
        to_address     TEXT,
        status         TEXT NOT NULL CHECK (status IN ('signed', 'sent', 'mined', 'failed', 'rejected', 'dropped')),
        block_number   INTEGER,
        block_hash     TEXT,
        tx_index       INTEGER,
        gas_used       TEXT,
        revert         TEXT,
        send_count     INTEGER NOT NULL DEFAULT 0,
        last_sent_at   INTEGER,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL,
        UNIQUE (submission_id, seq)
      );
      -- A signer never has two live transactions with one nonce.
      CREATE UNIQUE INDEX outbox_live_nonce ON outbox(signer, nonce) WHERE status NOT IN ('rejected', 'dropped');
      CREATE INDEX outbox_open ON outbox(status) WHERE status IN ('signed', 'sent');
      CREATE INDEX outbox_block ON outbox(block_number) WHERE block_number IS NOT NULL;

      CREATE TABLE idempotency (
        org_code         TEXT NOT NULL,
        key              TEXT NOT NULL,
        fingerprint      TEXT NOT NULL,
        method           TEXT NOT NULL,
        path             TEXT NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('in_flight', 'completed')),
        submission_id    TEXT REFERENCES submissions(id),
        success_status   INTEGER NOT NULL,
        response_status  INTEGER,
        response_body    TEXT,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        PRIMARY KEY (org_code, key)
      );
    `,
  },
  {
    version: 2,
    name: "gateway action log (hash-chained) and its on-chain anchors",
    sql: `
      -- Every authenticated write request, hash-chained: hash = keccak256(abi.encode(prev_hash, content hash)).
      CREATE TABLE action_log (
        id            INTEGER PRIMARY KEY,
        at            TEXT NOT NULL,
        org           TEXT NOT NULL,
        api_key_id    TEXT NOT NULL,
        action        TEXT NOT NULL,
        request_hash  TEXT NOT NULL,
        status        INTEGER NOT NULL,
        tx_hash       TEXT,
        prev_hash     TEXT NOT NULL,
        hash          TEXT NOT NULL UNIQUE
      );

      -- Ranges of the log whose Merkle root was anchored in AuditAnchor (anchor_id is the contract's).
      CREATE TABLE log_anchors (
        anchor_id       INTEGER PRIMARY KEY,
        first_entry_id  INTEGER NOT NULL,
        last_entry_id   INTEGER NOT NULL,
        merkle_root     TEXT NOT NULL,
        head_hash       TEXT NOT NULL,
        submission_id   TEXT,
        tx_hash         TEXT,
        block_number    INTEGER,
        anchored_at     TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: "event subscriptions (webhooks) with their delivery cursor",
    sql: `
      -- A webhook subscription. cursor is the offset (in the index's event feed) of the last entry the receiver
      -- acknowledged with a 2xx, or skipped because it did not match; it only moves forward, and only then.
      -- scopes: the read scopes of the API key that created it, which bound what it receives.
      CREATE TABLE subscriptions (
        id                 TEXT PRIMARY KEY,
        org_code           TEXT NOT NULL,
        api_key_id         TEXT NOT NULL,
        scopes             TEXT NOT NULL,
        url                TEXT NOT NULL,
        filter             TEXT NOT NULL,
        secret             TEXT NOT NULL,
        cursor             INTEGER NOT NULL,
        created_at         TEXT NOT NULL,
        attempts           INTEGER NOT NULL DEFAULT 0,
        last_attempt_at    TEXT,
        last_status        INTEGER,
        last_error         TEXT,
        last_delivered_at  TEXT
      );
      CREATE INDEX subscriptions_org ON subscriptions(org_code);
      `,
  },
  {
    // Numbered after issue 10 so that migrations added on other branches meanwhile keep their numbers.
    version: 10,
    name: "own-key organisations, signed requests relayed through the Forwarder, account proofs",
    sql: `
      -- 'gateway': the keystore holds the organisation's key; 'own': it registered only its addresses and signs itself.
      ALTER TABLE organizations ADD COLUMN custody TEXT NOT NULL DEFAULT 'gateway' CHECK (custody IN ('gateway', 'own'));

      -- A relayed request's signer and EIP-712 signature, in the entry that recorded it.
      ALTER TABLE action_log ADD COLUMN signer TEXT;
      ALTER TABLE action_log ADD COLUMN signature TEXT;

      -- What a write asked with Prefer: sign=client would have done, by the EIP-712 digest of its ForwardRequest, so the
      -- relayed request answers with the same result. Nothing here is sent; a row is only a memo of the operation.
      CREATE TABLE signed_request_intents (
        digest          TEXT PRIMARY KEY,
        org_code        TEXT NOT NULL,
        operation       TEXT NOT NULL,
        params          TEXT NOT NULL,
        success_status  INTEGER NOT NULL,
        created_at      TEXT NOT NULL
      );

      -- Every relayed request, written in the same database transaction as its outbox row.
      CREATE TABLE relayed_requests (
        digest         TEXT PRIMARY KEY,
        submission_id  TEXT NOT NULL REFERENCES submissions(id),
        signer         TEXT NOT NULL,
        nonce          TEXT NOT NULL,
        signature      TEXT NOT NULL,
        created_at     TEXT NOT NULL
      );
      CREATE INDEX relayed_requests_signer ON relayed_requests(signer, nonce);

      -- Proofs of account ownership already used: each is accepted once.
      CREATE TABLE account_proofs (
        nonce       TEXT PRIMARY KEY,
        org_code    TEXT NOT NULL,
        account     TEXT NOT NULL,
        created_at  TEXT NOT NULL
      );
    `,
  },
  {
    version: 11,
    name: "action log entries name every transaction of a submission",
    sql: `
      ALTER TABLE action_log ADD COLUMN tx_hashes TEXT;
      ALTER TABLE action_log ADD COLUMN submission_id TEXT;
      CREATE INDEX action_log_submission ON action_log(submission_id) WHERE submission_id IS NOT NULL;
      `,
  },
  {
    // Numbered after issue 14, like the other branches' migrations.
    version: 14,
    name: "licence policy documents of the data exchange",
    sql: `
      -- ODRL policy documents, keyed by the sha256 of their canonical JSON (the terms hash on chain). Content-addressed,
      -- so storing one twice is a no-op and a document stored for a refused offer misleads no one.
      CREATE TABLE policies (
        hash        TEXT PRIMARY KEY,
        document    TEXT NOT NULL,
        stored_at   TEXT NOT NULL
      );
    `,
  },
  {
    version: 15,
    name: "webhook cursors remember their feed numbering and their place on the chain",
    sql: `
      -- A rebuilt index numbers its event feed afresh: a cursor of the old numbering is moved to the same place on
      -- the chain (mark_block, mark_block_hash: see FeedMark) before anything is delivered.
      ALTER TABLE subscriptions ADD COLUMN feed_epoch TEXT;
      ALTER TABLE subscriptions ADD COLUMN mark_block INTEGER;
      ALTER TABLE subscriptions ADD COLUMN mark_block_hash TEXT;
    `,
  },
];

export function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version),
  );
  const latestKnown = Math.max(0, ...MIGRATIONS.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > latestKnown) {
    throw new Error(`Database schema version ${newest} is newer than this gateway knows (${latestKnown}); upgrade the gateway`);
  }
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
  }
}

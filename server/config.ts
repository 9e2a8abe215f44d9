import path from "node:path";
import { z } from "zod";

/** Environment variables are strings; these turn them into typed values with a readable error. */
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const weiAmount = z.string().regex(/^\d{1,30}$/, "a whole number of wei").transform((v) => BigInt(v));

/**
 * Every option of the gateway, validated once at start-up. The schema is the documentation: each option says what
 * it does, and `describeConfig()` prints them for the README and `--help`.
 */
export const ConfigSchema = z
  .object({
    PORT: int(0, 65535).default(8080).describe("TCP port the HTTP API listens on (0 picks a free port)"),
    HOST: z.string().min(1).default("127.0.0.1").describe("Interface the HTTP API listens on"),
    RPC_URL: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("JSON-RPC endpoint of an existing chain (e.g. a Besu node). Unset: start the embedded anvil node"),
    RPC_URLS: z
      .string()
      .transform((v, ctx) => {
        const urls = v.split(",").map((u) => u.trim()).filter(Boolean);
        for (const u of urls) {
          if (!z.url({ protocol: /^https?$/ }).safeParse(u).success) ctx.addIssue({ code: "custom", message: `not an http(s) URL: ${u}` });
        }
        if (urls.length < 1 || urls.length > 16) ctx.addIssue({ code: "custom", message: "1 to 16 comma-separated URLs" });
        return urls;
      })
      .optional()
      .describe("Several JSON-RPC endpoints of the same network, comma-separated (e.g. two Besu nodes): calls fail over between them. Implies RPC_URL's mode"),
    CHAIN_PORT: int(1, 65535).default(8545).describe("Port of the embedded node (only without RPC_URL), on 127.0.0.1"),
    CHAIN_STATE_INTERVAL: int(1, 3600)
      .default(30)
      .describe(
        "Seconds between the embedded node's state dumps to DATA_DIR/chain-state.json. A node that dies loses the blocks " +
          "since its last dump; the outbox sends their transactions again (same bytes), so nothing accepted is lost. Each dump " +
          "writes the whole chain and holds the node meanwhile (about 1 s at 50,000 datasets)",
      ),
    CHAIN_HISTORY_BLOCKS: int(16, 8_192)
      .default(256)
      .describe(
        "Embedded node only: states of this many recent blocks kept in memory (anvil --prune-history); calls at older " +
          "blocks fail, so an audit must finish before the chain moves this many blocks past its audited block",
      ),
    CHAIN_BLOCK_PERIOD_MS: int(0, 10_000)
      .default(50)
      .describe(
        "Embedded node only: a block is mined as soon as a transaction is pending, at most one per this many ms (like " +
          "a QBFT block period), so concurrent writes share a block; adds up to a poll (≤ 25 ms) to an idle write. " +
          "While writes are being prepared (simulated, signed, committed), a block also waits for them, at most twice as " +
          "long as the last block took (≤ 500 ms). 0: one block per transaction (anvil's automine), whose cost grows with the ledger",
      ),
    DATA_DIR: z
      .string()
      .min(1)
      .default(".data")
      .transform((p) => path.resolve(p))
      .describe("Chain state, gateway database, keystore, deployment record and credentials"),
    ADMIN_API_KEY: z
      .string()
      .min(32, "at least 32 characters (use a random key)")
      .max(256)
      .optional()
      .describe("API key of the city administrator. Unset: one is generated on first start and printed once"),
    ADMIN_PRIVATE_KEY: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, "a 32-byte hex private key")
      .optional()
      .describe("Embedded node only: imported into the keystore as the administrator's (deployer's) key on first start. Unset: generated. Refused with RPC_URL (the administrators keep their own keys)"),
    KEYSTORE_PASSWORD: z
      .string()
      .min(12, "at least 12 characters")
      .optional()
      .describe(
        "Password of the encrypted keystore. Required with RPC_URL; for the embedded node one is generated into " +
          "DATA_DIR/keystore-password (mode 0600) when unset",
      ),
    KEYSTORE_SCRYPT_N: int(1024, 1 << 20)
      .default(1 << 17)
      .refine((n) => (n & (n - 1)) === 0, "a power of two")
      .describe("scrypt cost of newly written keystore files (power of two)"),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info")
      .describe("pino log level"),
    GAS_PRICE: weiAmount
      .default(0n)
      .describe("Gas price (wei) of every transaction the gateway signs. Permissioned chains run at 0"),
    GAS_LIMIT_HEADROOM_PERCENT: int(0, 200).default(25).describe("Added to each gas estimate"),
    TX_GAS_LIMIT: int(0, 100_000_000)
      .refine((v) => v === 0 || v >= 21_000, "0, or at least 21,000 (what the least transaction uses)")
      .default(1_000_000)
      .describe(
        "At GAS_PRICE 0: gas limit of each transaction whose call succeeds within it (simulated once, eth_call); a call needing more is estimated. 0: estimate every call",
      ),
    CONFIRMATIONS: int(1, 64).default(1).describe("Blocks (including its own) before a transaction counts as mined"),
    TX_WAIT_TIMEOUT_MS: int(100, 600_000)
      .default(30_000)
      .describe("How long a write waits for its transaction before answering 202 with the transaction link"),
    TX_REBROADCAST_MS: int(200, 600_000)
      .default(5_000)
      .describe("A sent transaction without a receipt after this long is sent again (same signed bytes)"),
    CHAIN_POLL_INTERVAL_MS: int(20, 60_000).default(250).describe("How often the tracker polls the chain"),
    RPC_TIMEOUT_MS: int(100, 300_000).default(10_000).describe("Timeout of one JSON-RPC request"),
    RATE_LIMIT_WINDOW_MS: int(1_000, 3_600_000).default(60_000).describe("Rate-limit window per client"),
    RATE_LIMIT_MAX: int(1, 1_000_000).default(1_200).describe("Requests per client (API key, or IP without one) per window"),
    BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, "like 512kb or 2mb")
      .default("2mb")
      .describe("Largest request body accepted"),
    UPLOAD_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb|gb)$/i, "like 100mb")
      .default("100mb")
      .describe("Largest file accepted by POST /v1/datasets/verify (hashed as it streams, never stored)"),
    ANCHOR_INTERVAL_MS: int(0, 86_400_000)
      .default(30_000)
      .describe("How often the action log's new entries are anchored on chain (AuditAnchor); 0 turns anchoring off"),
    BATCH_CHUNK_SIZE: int(1, 200)
      .default(200)
      .describe("Most items per transaction in batch writes; fewer when the block gas limit (or the contract's MAX_BATCH) needs it"),
    INDEXER_POLL_INTERVAL_MS: int(20, 60_000).default(500).describe("How often the indexer asks the chain for new blocks once caught up"),
    INDEXER_MAX_LAG: int(0, 1_000_000)
      .default(20)
      .describe("GET /ready answers 503 while the index (DATA_DIR/index.db) is more than this many blocks behind the chain"),
    INDEXER_WRITE_WAIT_MS: int(0, 60_000)
      .default(2_000)
      .describe("A mined write waits up to this long for the index to reach its block, so the client's next GET sees it"),
    WEBHOOK_TIMEOUT_MS: int(100, 120_000)
      .default(10_000)
      .describe("A webhook receiver that has not answered within this long has failed the attempt (retried later)"),
    WEBHOOK_MAX_BACKOFF_MS: int(100, 3_600_000)
      .default(60_000)
      .describe("Longest wait between retries of a failing webhook (the wait doubles from 1 s up to this)"),
    EVENT_STREAM_HEARTBEAT_MS: int(100, 300_000)
      .default(15_000)
      .describe("An idle Server-Sent Events stream (GET /v1/events/stream) gets a comment line this often, so proxies keep it open"),
    ADMIN_DELAY: int(1, 30 * 86_400)
      .optional()
      .describe(
        "Execution delay (seconds, 1 s to 30 days) imposed on chain on every administrator (ADMIN) as the bootstrap's last step: " +
          "every ADMIN action is then scheduled (POST /v1/governance/operations) and waits this long, cancellable by the GUARDIAN. " +
          "Default 86400 (1 day); 5 for the embedded demo node (no RPC_URL). 0 is refused: no key holds total power without delay",
      ),
    BOOTSTRAP_DEMO: bool
      .optional()
      .describe("Create the demo organisations and their API keys on start (default: yes for the embedded node; refused with RPC_URL)"),
    PUBLIC_RPC_URL: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        "Read-only JSON-RPC endpoint that public pages (the certificate page) verify against from the browser. " +
          "Unset: RPC_URL, or the embedded node's URL",
      ),
    TRUST_PROXY: bool.default(false).describe("Trust X-Forwarded-For (only behind a reverse proxy)"),
  })
  .superRefine((cfg, ctx) => {
    if ((cfg.RPC_URL || cfg.RPC_URLS) && !cfg.KEYSTORE_PASSWORD) {
      ctx.addIssue({
        code: "custom",
        path: ["KEYSTORE_PASSWORD"],
        message: "required when RPC_URL is set (the gateway's keys for a real network must be protected by you)",
      });
    }
    if ((cfg.RPC_URL || cfg.RPC_URLS) && cfg.BOOTSTRAP_DEMO) {
      ctx.addIssue({
        code: "custom",
        path: ["BOOTSTRAP_DEMO"],
        message: "not available with RPC_URL: the demo organisations' roles are granted with the administrator's key, which a production gateway does not hold",
      });
    }
    if ((cfg.RPC_URL || cfg.RPC_URLS) && cfg.ADMIN_PRIVATE_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["ADMIN_PRIVATE_KEY"],
        message:
          "not accepted with RPC_URL: a production gateway holds no administrator key; the administrators deploy with their own key " +
          "(GATEWAY_ACCOUNTS=<DATA_DIR>/gateway-accounts.json npm run deploy -- --network besu) and sign governance operations themselves",
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

/** "2mb" → bytes. */
export function sizeInBytes(size: string): number {
  const m = /^(\d+)(b|kb|mb|gb)$/i.exec(size);
  if (!m) throw new Error(`Not a size: ${size}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[m[2].toLowerCase() as "b" | "kb" | "mb" | "gb"];
  return Number(m[1]) * unit;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads the options from the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.keys(ConfigSchema.shape);
  const picked = Object.fromEntries(known.filter((k) => env[k] !== undefined && env[k] !== "").map((k) => [k, env[k]]));
  const parsed = ConfigSchema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join(".") || "(config)";
        const description = (ConfigSchema.shape as Record<string, z.ZodType>)[name]?.description;
        return `${name}: ${issue.message}${description ? ` (${description})` : ""}`;
      }),
    );
  }
  return parsed.data;
}

/** One line per option: name, default and description. */
export function describeConfig(): string[] {
  return Object.entries(ConfigSchema.shape).map(([name, schema]) => {
    // A default sits on the schema itself, or on the input side of a transform (DATA_DIR).
    const def = (schema as z.ZodType).def as { defaultValue?: unknown; in?: { def: { defaultValue?: unknown } } };
    const value = def.defaultValue ?? def.in?.def.defaultValue;
    const shown = value === undefined ? "" : ` (default ${String(value)})`;
    return `${name}${shown}: ${(schema as z.ZodType).description ?? ""}`;
  });
}

/** The administrator's execution delay: ADMIN_DELAY, else 1 day, or 5 s for the embedded demo node (no RPC_URL). */
export function adminDelayOf(config: Pick<Config, "ADMIN_DELAY" | "RPC_URL" | "RPC_URLS">): number {
  return config.ADMIN_DELAY ?? (config.RPC_URL || config.RPC_URLS ? 86_400 : 5);
}

/** The node the portal's public pages read from the browser: PUBLIC_RPC_URL, else RPC_URL, else the embedded node. */
export function publicRpcUrl(config: Partial<Pick<Config, "PUBLIC_RPC_URL" | "RPC_URL" | "CHAIN_PORT">>): string {
  return config.PUBLIC_RPC_URL ?? config.RPC_URL ?? `http://127.0.0.1:${config.CHAIN_PORT ?? 8545}`;
}

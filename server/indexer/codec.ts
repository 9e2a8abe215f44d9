/** Event arguments as stored in SQLite: JSON with bigints tagged so they come back as bigints. */
const BIGINT_TAG = "$bigint";

export function encodeArgs(args: Record<string, unknown>): string {
  return JSON.stringify(args, (_k, v: unknown) => (typeof v === "bigint" ? { [BIGINT_TAG]: v.toString() } : v));
}

export function decodeArgs(json: string): Record<string, unknown> {
  return JSON.parse(json, (_k, v: unknown) =>
    v && typeof v === "object" && BIGINT_TAG in (v as Record<string, unknown>) ? BigInt((v as Record<string, string>)[BIGINT_TAG]) : v,
  ) as Record<string, unknown>;
}

/** For API responses: bigints as decimal strings (amounts are JSON strings of whole units). */
export function argsForJson(args: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(args, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>;
}

/** Error codes that mean "the node could not be reached or did not answer", as opposed to "the node said no". */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "TIMEOUT",
  "NETWORK_ERROR",
  "SERVER_ERROR",
]);

/** Whether an error from a provider call means the chain is unreachable (→ 503; nothing was accepted). */
export function isChainUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && UNREACHABLE_CODES.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && /socket hang up|fetch failed|ECONNREFUSED|ECONNRESET/.test(message)) return true;
    e = (e as { cause?: unknown; error?: unknown }).cause ?? (e as { error?: unknown }).error;
  }
  return false;
}

/** The JSON-RPC error message a node gave for a refused transaction, if any. */
export function rpcErrorMessage(err: unknown): string {
  const candidates: unknown[] = [];
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    candidates.push((e as { error?: { message?: unknown } }).error?.message, (e as { shortMessage?: unknown }).shortMessage, (e as { message?: unknown }).message);
    e = (e as { info?: unknown }).info ?? (e as { error?: unknown }).error ?? (e as { cause?: unknown }).cause;
  }
  const found = candidates.find((c): c is string => typeof c === "string" && c.length > 0);
  return found ?? String(err);
}

export const isNonceTooLow = (err: unknown): boolean =>
  (err as { code?: string })?.code === "NONCE_EXPIRED" || /nonce too low|nonce has already been used|already been used/i.test(rpcErrorMessage(err));

export const isAlreadyKnown = (err: unknown): boolean =>
  /already known|already imported|known transaction|already in pool|AlreadyKnown/i.test(rpcErrorMessage(err));

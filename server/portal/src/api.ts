import { session } from "./session";

/** An error answer of the gateway ({ error: { code, message, details } }), or a network failure (code NETWORK). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface Transaction {
  id: string;
  operation: string;
  status: "pending" | "mined" | "failed" | "rejected";
  hash: string | null;
  blockNumber: number | null;
  result?: unknown;
  error?: { code: string; message: string; details?: Record<string, unknown> } | null;
}

/** What a write's progress looks like to the page: accepted (pending) then mined, with its transaction. */
export type Progress = { phase: "sending" } | { phase: "pending" | "mined"; transaction: Transaction };

async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const key = session.apiKey();
  try {
    return await fetch(path, {
      method,
      headers: {
        Accept: "application/json",
        ...(key ? { Authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, "NETWORK", (err as Error).message);
  }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(res.status, "BAD_ANSWER", text.slice(0, 200));
  }
  if (!res.ok) {
    const e = (json as { error?: { code: string; message: string; details?: Record<string, unknown> } })?.error;
    throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? res.statusText, e?.details ?? {});
  }
  return json as T;
}

/** A read: GET with the session's key. */
export async function get<T>(path: string): Promise<T> {
  return parse<T>(await request("GET", path));
}

/** A POST that changes nothing (a preview, a verification). */
export async function query<T>(path: string, body: unknown): Promise<T> {
  return parse<T>(await request("POST", path, body));
}

/** Query string from the set values only. */
export function qs(params: Record<string, string | number | undefined | null | false>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "" && v !== false);
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : "";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A chain write. Asks for the 202 at once (`Prefer: respond-async`) so the page can show pending → mined, follows
 * `GET /v1/transactions/{id}`, and resolves with the result once mined. One Idempotency-Key per call, so a retry of
 * the same click cannot act twice. An own-key session signs the request in the browser and relays it instead.
 */
export async function write<T>(
  method: "POST" | "DELETE",
  path: string,
  body: unknown,
  onProgress: (p: Progress) => void = () => {},
): Promise<{ result: T; transaction: Transaction }> {
  onProgress({ phase: "sending" });
  const headers: Record<string, string> = { "Idempotency-Key": crypto.randomUUID() };
  const signer = session.signer();
  let answer: { result?: T; transaction: Transaction };
  if (signer) {
    // Own keys: the SDK prepares (Prefer: sign=client), signs here, relays any one-time approval first, then the write.
    const { CalClient, CalApiError } = await import("../../client/sdk");
    const client = new CalClient({ baseUrl: window.location.origin, apiKey: session.apiKey() ?? undefined, signer });
    try {
      answer = (await client.write<T>(method, path, body, { async: true, idempotencyKey: headers["Idempotency-Key"] })).body as unknown as typeof answer;
    } catch (err) {
      if (err instanceof CalApiError) throw new ApiError(err.status, err.code, err.message.replace(/^\d+ [A-Z_]+: /, ""), err.details);
      throw new ApiError(0, "NETWORK", (err as Error).message);
    }
  } else {
    answer = await parse(await request(method, path, body, { ...headers, Prefer: "respond-async" }));
  }
  let tx = answer.transaction;
  while (tx.status === "pending") {
    onProgress({ phase: "pending", transaction: tx });
    await sleep(250);
    tx = await get<Transaction>(`/v1/transactions/${tx.id}`);
  }
  if (tx.status !== "mined") {
    const e = tx.error ?? { code: "TRANSACTION_FAILED", message: tx.status };
    throw new ApiError(422, e.code, e.message, e.details ?? {});
  }
  onProgress({ phase: "mined", transaction: tx });
  return { result: (tx.result ?? answer.result) as T, transaction: tx };
}

/** A write that is not a chain transaction (API keys): answered at once, still with an Idempotency-Key. */
export async function send<T>(method: "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
  return parse<T>(await request(method, path, body, { "Idempotency-Key": crypto.randomUUID() }));
}

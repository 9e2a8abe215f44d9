/**
 * A small client of the gateway's HTTP API for the demo: one API key per organisation, an Idempotency-Key on every
 * write, and a write that comes back 202 (not mined within the gateway's wait) is followed to its end.
 */
export interface Credentials {
  organizations: Record<string, { apiKey: string | null; address: string }>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: { code?: string; message?: string; details?: unknown } } | null,
    readonly call: string,
  ) {
    super(`${call} → ${status} ${body?.error?.code ?? ""}: ${body?.error?.message ?? JSON.stringify(body)}`);
    this.name = "ApiError";
  }
}

export interface WriteAnswer<R = Record<string, any>> {
  result: R;
  transaction: { id: string; hash: string | null; blockNumber: number | null; chainTransactions: unknown[] };
  replayed: boolean;
}

export class GatewayClient {
  constructor(
    readonly baseUrl: string,
    private readonly credentials: Credentials,
    private readonly timeoutMs = 180_000,
  ) {}

  private key(org: string): string {
    const key = this.credentials.organizations[org]?.apiKey;
    if (!key) throw new Error(`No API key for ${org} in the credentials file`);
    return key;
  }

  address(org: string): string {
    return this.credentials.organizations[org].address;
  }

  async get<T = any>(org: string, path: string): Promise<T> {
    const res = await this.request(org, "GET", path);
    if (res.status !== 200) throw new ApiError(res.status, res.body, `GET ${path}`);
    return res.body as T;
  }

  /** A write with its Idempotency-Key: a second run with the same key gets the first answer back. */
  async write<R = Record<string, any>>(org: string, method: "POST" | "DELETE", path: string, idempotencyKey: string, body?: unknown): Promise<WriteAnswer<R>> {
    const res = await this.request(org, method, path, body, { "Idempotency-Key": idempotencyKey });
    if (res.status === 202) return this.follow<R>(org, res.body.transaction.id, `${method} ${path}`);
    if (res.status !== 200 && res.status !== 201) throw new ApiError(res.status, res.body, `${method} ${path}`);
    return { result: res.body.result, transaction: res.body.transaction, replayed: res.replayed };
  }

  /** Polls a transaction the gateway accepted but had not seen mined yet. */
  private async follow<R>(org: string, id: string, call: string): Promise<WriteAnswer<R>> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const tx = await this.get(org, `/v1/transactions/${id}`);
      if (tx.status === "mined") return { result: tx.result, transaction: tx, replayed: false };
      if (tx.status !== "pending") throw new ApiError(tx.error?.status ?? 500, { error: tx.error }, call);
      if (Date.now() > deadline) throw new Error(`${call}: transaction ${id} still pending after ${this.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  private async request(org: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.key(org)}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, replayed: res.headers.get("idempotent-replayed") === "true" };
  }
}

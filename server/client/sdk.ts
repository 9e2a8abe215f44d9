import { signAccountProof, signRequest, type ProofScheme, type SignableRequest, type TypedDataSigner } from "./forward-request";

/**
 * A typed client of the gateway's HTTP API (the OpenAPI document at /openapi.json is the reference). With a `signer`
 * every write is signed on the caller's side: the gateway prepares the EIP-712 ForwardRequest (`Prefer: sign=client`),
 * the signer signs it here, and the gateway relays it (`POST /v1/signed-requests`); the key never leaves the caller.
 * Uses only `fetch` and ethers: it runs in Node 20 and in a browser (an EIP-1193 wallet through ethers' BrowserProvider
 * is a signer too).
 */

export interface CalClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  /** `Authorization: Bearer <apiKey>`; it identifies the caller, the signature authorises the write. */
  apiKey?: string;
  /** Signs every write locally; without one, writes are signed by the gateway (custodial organisations). */
  signer?: TypedDataSigner;
  fetch?: typeof fetch;
}

export interface WriteOptions {
  /** Prefer: respond-async: answer 202 at once with the transaction link. */
  async?: boolean;
  idempotencyKey?: string;
}

/** An answer of the API: its status and JSON body. */
export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

/** A write's answer once mined: its result and the transaction that carried it. */
export interface WriteAnswer<R = Record<string, unknown>> {
  result?: R;
  transaction: { id: string; status: string; hash: string | null; blockNumber: number | null; [k: string]: unknown };
}

/** An error answer of the API, in its one shape `{ error: { code, message, details } }`. */
export class CalApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = "CalApiError";
  }
}

export interface RetirementClaim {
  beneficiary: { name: string; organization?: string };
  reason: string;
  consumptionPeriod: { start: string; end: string };
}

export interface PreparedRequest extends SignableRequest {
  operation: string;
  prerequisite: boolean;
  expiresAt: string;
}

/** How many prerequisites (one-time market approvals) one write may need before it can be prepared. */
const MAX_PREREQUISITES = 2;

export class CalClient {
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: CalClientOptions) {
    this.fetchFn = options.fetch ?? ((...args) => globalThis.fetch(...args));
  }

  get signer(): TypedDataSigner | undefined {
    return this.options.signer;
  }

  /** Any call of the API; throws CalApiError on an error answer. */
  async call<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer<T>> {
    const res = await this.fetchFn(new URL(path, this.options.baseUrl).toString(), {
      method,
      headers: {
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : null;
    if (res.status >= 400) {
      const e = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
      throw new CalApiError(res.status, e?.code ?? "HTTP_ERROR", e?.message ?? res.statusText, e?.details ?? {});
    }
    return { status: res.status, body: parsed as T };
  }

  async get<T = unknown>(path: string): Promise<T> {
    return (await this.call<T>("GET", path)).body;
  }

  /**
   * A write. With a signer: asks the gateway for the ForwardRequest that performs it, signs it, and posts it to
   * /v1/signed-requests (relaying first any one-time approval the write needs). Without: the gateway signs.
   */
  async write<R = Record<string, unknown>>(method: "POST" | "DELETE", path: string, body?: unknown, options: WriteOptions = {}): Promise<ApiAnswer<WriteAnswer<R>>> {
    const headers = writeHeaders(options);
    const signer = this.options.signer;
    if (!signer) return this.call<WriteAnswer<R>>(method, path, body, headers);

    const from = await signer.getAddress();
    for (let round = 0; ; round++) {
      const prepared = (await this.call<PreparedRequest>(method, path, body, { prefer: `sign=client; from=${from}` })).body;
      if (prepared.prerequisite) {
        if (round >= MAX_PREREQUISITES) throw new Error(`The gateway keeps asking for prerequisites of ${method} ${path}`);
        // The approval must be mined before the write can be simulated: relay it and wait.
        await this.relay(prepared, {});
        continue;
      }
      return this.relay<R>(prepared, headers);
    }
  }

  /** Signs a prepared request and posts it for relay. */
  async relay<R = Record<string, unknown>>(prepared: SignableRequest, headers: Record<string, string>): Promise<ApiAnswer<WriteAnswer<R>>> {
    const signer = this.options.signer;
    if (!signer) throw new Error("relay needs a signer");
    const { domain, types, primaryType, message } = prepared;
    const { signature } = await signRequest(signer, { domain, types, primaryType, message });
    return this.call<WriteAnswer<R>>("POST", "/v1/signed-requests", { request: { domain, types, primaryType, message }, signature }, headers);
  }

  // ---------------------------------------------------------------- typed calls

  network() {
    return this.get<{ chainId: string; deploymentBlock: number; contracts: Record<string, string>; forwarder: { address: string } }>("/v1/network");
  }

  transaction(id: string) {
    return this.get<WriteAnswer["transaction"]>(`/v1/transactions/${encodeURIComponent(id)}`);
  }

  readonly participants = {
    get: (org: string) => this.get<{ code: string; status: string; accounts: string[]; custody: string }>(`/v1/participants/${encodeURIComponent(org)}`),
    /** Admits an organisation (administrator); with `accounts` it keeps its own keys. */
    register: (input: { code: string; name: string; kind: string; roles?: string[]; accounts?: string[] }, options?: WriteOptions) =>
      this.write("POST", "/v1/participants", input, options),
    /** Adds the signer's account to `org`, proven by the signer's own signature (the gateway's chain id is read first). */
    addOwnAccount: async (org: string, scheme: ProofScheme = "eip712", options?: WriteOptions) => {
      const signer = this.options.signer;
      if (!signer) throw new Error("addOwnAccount needs a signer");
      const { chainId } = await this.network();
      const proof = await signAccountProof(signer, org, chainId, scheme);
      // The proof is the authority here, and the administrator's key sends it: no client signing of the call itself.
      return this.call<WriteAnswer>("POST", `/v1/participants/${encodeURIComponent(org)}/accounts`, proof, writeHeaders(options));
    },
  };

  readonly carbon = {
    batch: (id: string) => this.get<Record<string, unknown>>(`/v1/carbon/batches/${id}`),
    retirement: (id: string) => this.get<Record<string, unknown>>(`/v1/carbon/retirements/${id}`),
    transfer: (input: { batchId: string; to: string; amount: string }, options?: WriteOptions) => this.write("POST", "/v1/carbon/transfers", input, options),
    retire: (input: { batchId: string; amount: string } & RetirementClaim, options?: WriteOptions) =>
      this.write<{ retirementId: string; serialFirst: string; serialLast: string; href: string }>("POST", "/v1/carbon/retirements", input, options),
  };

  readonly market = {
    listing: (id: string) => this.get<Record<string, unknown>>(`/v1/market/listings/${id}`),
    listings: (query: Record<string, string> = {}) => this.get<{ items: Record<string, unknown>[]; nextCursor: string | null }>(`/v1/market/listings${qs(query)}`),
    trades: (query: Record<string, string> = {}) => this.get<{ items: Record<string, unknown>[]; nextCursor: string | null }>(`/v1/market/trades${qs(query)}`),
    list: (input: { batchId: string; amount: string; unitPrice: string; minFill?: string; expiresAt?: string; buyer?: string }, options?: WriteOptions) =>
      this.write<{ listingId: string; href: string }>("POST", "/v1/market/listings", input, options),
    fill: (id: string, input: { amount: string; maxCost: string; retire?: RetirementClaim }, options?: WriteOptions) =>
      this.write("POST", `/v1/market/listings/${id}/fill`, input, options),
    cancel: (id: string, options?: WriteOptions) => this.write("DELETE", `/v1/market/listings/${id}`, undefined, options),
  };

  /** The data exchange: usage licences of datasets sold for VND (a purchase pays and grants in one transaction). */
  readonly exchange = {
    offer: (id: string) => this.get<Record<string, unknown>>(`/v1/offers/${id}`),
    offers: (query: { dataset?: string; holder?: string; open?: string } = {}) =>
      this.get<{ items: Record<string, unknown>[]; nextCursor: string | null }>(`/v1/offers${qs(query as Record<string, string>)}`),
    /** Offers licences of a dataset (its holder or custodian); `policy` is the ODRL document whose hash goes on chain. */
    create: (
      datasetId: string,
      input: { priceVnd: string; termDays?: number; licenceEndsAt?: string; policy: unknown; allowed?: string[]; maxLicences?: number; expiresAt?: string },
      options?: WriteOptions,
    ) => this.write<{ offerId: string; href: string }>("POST", `/v1/datasets/${datasetId}/offers`, input, options),
    /** Buys (or extends) a licence; with a signer the approval of exactly the price is signed and relayed first. */
    purchase: (offerId: string, input: { maxPrice: string }, options?: WriteOptions) =>
      this.write<{ offerId: string; datasetId: string; price: string; fee: string; holder: string; expiresAt: string }>("POST", `/v1/offers/${offerId}/purchase`, input, options),
    cancel: (offerId: string, options?: WriteOptions) => this.write("DELETE", `/v1/offers/${offerId}`, undefined, options),
  };

  readonly accounts = {
    balances: (org: string) => this.get<Record<string, unknown>>(`/v1/accounts/${encodeURIComponent(org)}/balances`),
  };
}

const qs = (query: Record<string, string>): string => {
  const entries = Object.entries(query).filter(([, v]) => v !== undefined && v !== "");
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : "";
};

function writeHeaders(options: WriteOptions = {}): Record<string, string> {
  return { ...(options.async ? { prefer: "respond-async" } : {}), ...(options.idempotencyKey ? { "idempotency-key": options.idempotencyKey } : {}) };
}

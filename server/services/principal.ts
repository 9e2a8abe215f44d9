import type { ApiError } from "../errors";

/** Who is calling: the organisation an API key is bound to, and what the key may do. */
export interface Principal {
  keyId: string;
  orgCode: string;
  orgKind: string;
  scopes: ReadonlySet<string>;
  /**
   * Set when the key is valid but its organisation is not active now (suspended, revoked or expired): every
   * authenticated operation answers this error. The request is still attributed (rate limits, the action log).
   */
  refusal?: ApiError;
}

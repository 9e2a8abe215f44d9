/** Who is calling: the organisation an API key is bound to, and what the key may do. */
export interface Principal {
  keyId: string;
  orgCode: string;
  orgKind: string;
  scopes: ReadonlySet<string>;
}

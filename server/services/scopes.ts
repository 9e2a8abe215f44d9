import type { OrgKindName, RoleName } from "../../scripts/lib/roles";

/**
 * What an API key may do. A key's scopes are chosen when it is created, among those its organisation may have;
 * those derive from the organisation's kind and the on-chain roles the gateway granted it. Later resources (audit) add
 * their scopes here. A scope only opens the door: the contract still checks the signer's role and state.
 */
export const SCOPE = {
  PARTICIPANTS_READ: "participants:read",
  PARTICIPANTS_WRITE: "participants:write",
  API_KEYS_WRITE: "api-keys:write",
  TRANSACTIONS_READ: "transactions:read",
  TRANSACTIONS_READ_ALL: "transactions:read-all",
  DATASETS_READ: "datasets:read",
  DATASETS_WRITE: "datasets:write",
  DATASETS_TRANSFER: "datasets:transfer",
  CARBON_READ: "carbon:read",
  CARBON_ISSUE: "carbon:issue",
  CARBON_ATTEST: "carbon:attest",
  CARBON_HOLD: "carbon:hold",
  MARKET_READ: "market:read",
  MARKET_TRADE: "market:trade",
  DATA_TRADE: "data:trade",
  SETTLEMENT_WRITE: "settlement:write",
  ACCOUNTS_READ: "accounts:read",
  AUDIT_READ: "audit:read",
  REQUESTS_RELAY: "requests:relay",
  EVENTS_READ: "events:read",
  GOVERNANCE_WRITE: "governance:write",
} as const;

export type Scope = (typeof SCOPE)[keyof typeof SCOPE];
export const ALL_SCOPES: readonly Scope[] = Object.values(SCOPE);

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  "participants:read": "List and show participants",
  "participants:write": "Admit, suspend and reinstate participants (governance)",
  "api-keys:write": "Create, list and revoke API keys",
  "transactions:read": "Follow the organisation's own transactions",
  "transactions:read-all": "Follow every organisation's transactions",
  "datasets:read": "Read datasets, versions, licences and valuations",
  "datasets:write": "Register datasets and versions, set status, grant and revoke licences, record valuations",
  "datasets:transfer": "Move custody of datasets the organisation holds",
  "carbon:read": "Read projects, attestations, batches and retirement certificates",
  "carbon:issue": "Register projects, issue batches, cancel, freeze and unfreeze batches and accounts, set adjustment status (issuer)",
  "carbon:attest": "Attest monitoring reports (accredited verifier)",
  "carbon:hold": "Transfer and retire the organisation's own credits",
  "market:read": "Read listings and trades",
  "market:trade": "List, buy (optionally retiring on purchase) and cancel listings",
  "data:trade": "Offer usage licences of the organisation's datasets, buy licences for VND, cancel offers",
  "settlement:write": "Mint and burn the VND settlement token (treasury)",
  "accounts:read": "Read any organisation's balances (datasets, credits, retired credits, VND)",
  "audit:read": "Export the gateway's action log and its proofs; read histories and reconciliations",
  "requests:relay": "Post requests signed by a participant's own key (the signature, not the API key, is the authority)",
  "governance:write":
    "Schedule, execute and cancel administrator operations; pause and unpause (the chain decides: ADMIN schedules, GUARDIAN pauses and cancels, RECOVERY schedules recoveries, MARKET_OPERATOR the exchange fee)",
  "events:read": "Follow the event feed (pull, Server-Sent Events) and manage webhook subscriptions; each sees only what its read scopes show",
};

// The ledger is transparent to its participants: every organisation may read what the chain shows anyway.
const EVERYONE: Scope[] = [
  SCOPE.PARTICIPANTS_READ,
  SCOPE.TRANSACTIONS_READ,
  SCOPE.DATASETS_READ,
  SCOPE.CARBON_READ,
  SCOPE.MARKET_READ,
  SCOPE.ACCOUNTS_READ,
  SCOPE.REQUESTS_RELAY,
  SCOPE.EVENTS_READ,
];

// Holding and trading credits is for the organisations that take part in the market; verifiers, auditors and the
// treasury stay out of it (independence), and the market itself is a contract, not a client.
const BY_KIND: Partial<Record<OrgKindName, Scope[]>> = {
  CityAgency: [SCOPE.DATASETS_TRANSFER, SCOPE.CARBON_HOLD, SCOPE.MARKET_TRADE, SCOPE.DATA_TRADE],
  Business: [SCOPE.CARBON_HOLD, SCOPE.MARKET_TRADE, SCOPE.DATA_TRADE],
  Auditor: [SCOPE.TRANSACTIONS_READ_ALL, SCOPE.AUDIT_READ],
};

const BY_ROLE: Partial<Record<RoleName, Scope[]>> = {
  ADMIN: [SCOPE.PARTICIPANTS_WRITE, SCOPE.API_KEYS_WRITE, SCOPE.TRANSACTIONS_READ_ALL, SCOPE.AUDIT_READ, SCOPE.GOVERNANCE_WRITE],
  GUARDIAN: [SCOPE.GOVERNANCE_WRITE],
  RECOVERY: [SCOPE.GOVERNANCE_WRITE],
  MARKET_OPERATOR: [SCOPE.GOVERNANCE_WRITE],
  GOVERNOR: [SCOPE.PARTICIPANTS_WRITE],
  REGISTRAR: [SCOPE.DATASETS_WRITE, SCOPE.DATASETS_TRANSFER],
  ISSUER: [SCOPE.CARBON_ISSUE],
  VERIFIER: [SCOPE.CARBON_ATTEST],
  TREASURY: [SCOPE.SETTLEMENT_WRITE],
};

/** Every scope an organisation of this kind, with these roles, may hold. */
export function allowedScopes(kind: string, roles: readonly string[]): Set<Scope> {
  const scopes = new Set<Scope>(EVERYONE);
  for (const s of BY_KIND[kind as OrgKindName] ?? []) scopes.add(s);
  for (const role of roles) for (const s of BY_ROLE[role as RoleName] ?? []) scopes.add(s);
  return scopes;
}

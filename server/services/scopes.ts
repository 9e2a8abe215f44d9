import type { OrgKindName, RoleName } from "../../scripts/lib/roles";

/**
 * What an API key may do. A key's scopes are chosen when it is created, among those its organisation may have;
 * those derive from the organisation's kind and the on-chain roles the gateway granted it. Later resources (carbon,
 * market, settlement, audit) add their scopes here.
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
  AUDIT_READ: "audit:read",
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
  "audit:read": "Export the gateway's action log and its proofs; read histories and reconciliations",
};

const EVERYONE: Scope[] = [SCOPE.PARTICIPANTS_READ, SCOPE.TRANSACTIONS_READ, SCOPE.DATASETS_READ];

const BY_KIND: Partial<Record<OrgKindName, Scope[]>> = {
  CityAgency: [SCOPE.DATASETS_TRANSFER],
  Auditor: [SCOPE.TRANSACTIONS_READ_ALL, SCOPE.AUDIT_READ],
};

const BY_ROLE: Partial<Record<RoleName, Scope[]>> = {
  ADMIN: [SCOPE.PARTICIPANTS_WRITE, SCOPE.API_KEYS_WRITE, SCOPE.TRANSACTIONS_READ_ALL, SCOPE.AUDIT_READ],
  GOVERNOR: [SCOPE.PARTICIPANTS_WRITE],
  REGISTRAR: [SCOPE.DATASETS_WRITE, SCOPE.DATASETS_TRANSFER],
};

/** Every scope an organisation of this kind, with these roles, may hold. */
export function allowedScopes(kind: string, roles: readonly string[]): Set<Scope> {
  const scopes = new Set<Scope>(EVERYONE);
  for (const s of BY_KIND[kind as OrgKindName] ?? []) scopes.add(s);
  for (const role of roles) for (const s of BY_ROLE[role as RoleName] ?? []) scopes.add(s);
  return scopes;
}

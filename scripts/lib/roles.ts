/**
 * AccessManager role ids, mirrored from contracts/libraries/Roles.sol (a test keeps the two in step).
 * ADMIN_ROLE (0) is the city administrator.
 */
export const ROLES = {
  ADMIN: 0n,
  GOVERNOR: 1n,
  REGISTRAR: 2n,
  ISSUER: 3n,
  VERIFIER: 4n,
  TREASURY: 5n,
  MARKET_OPERATOR: 6n,
  GUARDIAN: 7n,
  RECOVERY: 8n,
  ANCHORER: 9n,
  // No function since DataAssetRegistry checks the exchange's address (setExchange); kept so the id is not reused.
  DATA_EXCHANGE: 10n,
} as const;

export type RoleName = keyof typeof ROLES;

/** Human labels, set on chain with AccessManager.labelRole so explorers and auditors see names. */
export const ROLE_LABELS: Record<RoleName, string> = {
  ADMIN: "City administrator",
  GOVERNOR: "Participant governance",
  REGISTRAR: "City data office (registrar)",
  ISSUER: "Carbon registry authority (issuer)",
  VERIFIER: "Accredited verifier",
  TREASURY: "Treasury (settlement bank)",
  MARKET_OPERATOR: "Market operator",
  GUARDIAN: "Emergency guardian",
  RECOVERY: "Recovery (forced transfers)",
  ANCHORER: "Gateway log anchorer",
  DATA_EXCHANGE: "Data exchange (paid licences)",
};

/** Organisation kinds and statuses, in the order of the enums in IParticipantRegistry.sol. */
export const ORG_KINDS = ["None", "CityAgency", "Business", "Verifier", "Auditor", "Treasury", "Operator"] as const;
export type OrgKindName = (typeof ORG_KINDS)[number];
export const ORG_STATUSES = ["None", "Active", "Suspended", "Revoked"] as const;
export type OrgStatusName = (typeof ORG_STATUSES)[number];

export const orgKind = (name: OrgKindName): number => ORG_KINDS.indexOf(name);
export const orgStatus = (name: OrgStatusName): number => ORG_STATUSES.indexOf(name);

/** Delays (seconds) on dangerous actions. */
export const DELAYS = {
  /** Between scheduling and executing a forced transfer. */
  RECOVERY_EXECUTION: 2 * 24 * 3600,
  /** Before a newly granted administrator can act. */
  ADMIN_GRANT: 2 * 24 * 3600,
} as const;

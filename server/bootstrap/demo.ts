import type { GrantableRole } from "../services/participants";

export interface OrgDefinition {
  code: string;
  name: string;
  kind: "CityAgency" | "Business" | "Verifier" | "Auditor" | "Treasury" | "Operator";
  roles: GrantableRole[];
}

/** The city administrator: the deployer key, ADMIN_ROLE and GOVERNOR; signs every governance transaction. */
export const ADMIN_ORG = { code: "CITY-ADMIN", name: "City administrator", kind: "Operator" } as const;

/**
 * The gateway's operator: an Operator organisation whose two accounts are the gateway's operational keys, each with one
 * role: GOVERNOR (admits participants, adds accounts, suspends) and ANCHORER (anchors the action log). Suspending it
 * ends both at once (CityAccessManager.hasRole). Keystore aliases: the code, and the code + ".ANCHOR".
 */
export const OPERATOR_ORG = { code: "CITY-OPERATOR", name: "Gateway operator (operational keys)", kind: "Operator", anchorAlias: "CITY-OPERATOR.ANCHOR" } as const;

/** The organisations `npm start` creates so the system can be tried at once (DESIGN.md "Users"). */
export const DEMO_ORGS: readonly OrgDefinition[] = [
  { code: "DATA-OFFICE", name: "City Data Office", kind: "CityAgency", roles: ["REGISTRAR"] },
  { code: "AGENCY-TRANSPORT", name: "Department of Transport", kind: "CityAgency", roles: [] },
  { code: "DONRE", name: "Department of Natural Resources and Environment", kind: "CityAgency", roles: ["ISSUER"] },
  { code: "VVB-1", name: "Accredited verifier (VVB)", kind: "Verifier", roles: ["VERIFIER"] },
  { code: "BIZ-SOLAR", name: "Solar developer (business)", kind: "Business", roles: [] },
  { code: "BIZ-LOGISTICS", name: "Logistics company (business)", kind: "Business", roles: [] },
  { code: "TREASURY", name: "Treasury (settlement bank)", kind: "Treasury", roles: ["TREASURY"] },
  { code: "AUDITOR", name: "State Audit Office", kind: "Auditor", roles: [] },
  // Pauses every contract at once and cancels scheduled administrator operations (the emergency brake).
  { code: "CITY-GUARDIAN", name: "Emergency guardian (city security office)", kind: "Operator", roles: ["GUARDIAN"] },
];

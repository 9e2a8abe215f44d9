import { ROLES } from "./roles";

/**
 * Which AccessManager role may call which restricted function, per contract. The single place where the
 * permission model is written down; deploySystem applies it and a test checks every restricted function is here.
 */
export type PermissionTable = Record<string, Partial<Record<keyof typeof ROLES, readonly string[]>>>;

export const PERMISSIONS = {
  ParticipantRegistry: {
    GOVERNOR: ["registerOrganization", "updateOrganization", "addAccount", "removeAccount", "suspend", "reinstate", "revoke"],
  },
  DataAssetRegistry: {
    REGISTRAR: [
      "register",
      "registerBatch",
      "registerVersion",
      "setStatus",
      "updateMetadata",
      "setCustodian",
      "setTransferable",
      "grantLicense",
      "revokeLicense",
      "recordValuation",
    ],
    // Granted with an execution delay (DELAYS.RECOVERY_EXECUTION): every call is scheduled through the AccessManager.
    RECOVERY: ["recover"],
    GUARDIAN: ["pause", "unpause"],
    // Governance: scheduled with the administrator's execution delay (deploySystem's adminExecutionDelay).
    // setExchange names the one contract that may call grantPurchasedLicense (an address check, not a role, to keep
    // the AccessManager off the purchase path): a licence granted there is always one that was paid for.
    ADMIN: ["setBaseURI", "setExchange"],
  },
  CarbonCreditRegistry: {
    ISSUER: [
      "registerProject",
      "issue",
      "cancel",
      "freezeBatch",
      "unfreezeBatch",
      "freezeAccount",
      "unfreezeAccount",
      "setCorrespondingAdjustment",
    ],
    VERIFIER: ["attest"],
    GUARDIAN: ["pause", "unpause"],
    // Which market may retire from its escrow on a buyer's behalf is a wiring decision of the administrator.
    ADMIN: ["setMarket", "setURI"],
  },
  SettlementToken: {
    TREASURY: ["mint", "burn"],
    GUARDIAN: ["pause", "unpause"],
  },
  CarbonMarket: {
    // The fee is governance (issue 11): scheduled with the administrator's execution delay. MARKET_OPERATOR keeps no
    // function for now; the role stays defined so grants already on chain keep their meaning.
    ADMIN: ["setFee"],
    GUARDIAN: ["pause", "unpause"],
    // The issuer's cancel reaches credits in escrow: the market reduces the listing and has the registry burn them.
    ISSUER: ["cancelEscrowed"],
  },
  AuditAnchor: {
    ANCHORER: ["anchor"],
  },
  DataExchange: {
    MARKET_OPERATOR: ["setFee"],
    GUARDIAN: ["pause", "unpause"],
  },
} as const satisfies PermissionTable;

export type ManagedContractName = keyof typeof PERMISSIONS;

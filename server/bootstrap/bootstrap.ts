import fs from "node:fs";
import { ZeroHash, type Wallet } from "ethers";
import { ROLES } from "../../scripts/lib/roles";
import type { SubmitOutcome } from "../chain/tx/pipeline";
import { writeFileAtomic } from "../chain/key-store";
import type { GatewayServices } from "../core";
import { ApiError } from "../errors";
import type { Logger } from "../logger";
import { orgIdOf } from "../services/participants";
import { allowedScopes } from "../services/scopes";
import { ADMIN_ORG, DEMO_ORGS, OPERATOR_ORG, type OrgDefinition } from "./demo";
import { adoptGenesis, undelayedAdmins } from "./production";

export interface CredentialEntry {
  name: string;
  kind: string;
  roles: string[];
  address: string;
  apiKeyId: string | null;
  /** The API key; `null` for the administrator when it comes from ADMIN_API_KEY. */
  apiKey: string | null;
}

export interface CredentialsFile {
  note: string;
  organizations: Record<string, CredentialEntry>;
}

export interface BootstrapResult {
  credentials: CredentialsFile;
  /** The administrator's key when it was generated on this start (printed once), else undefined. */
  generatedAdminKey?: string;
}

/**
 * Brings the city administrator (and, with `demo`, the demo organisations) into being: on chain, in the keystore,
 * in the gateway database, each with an API key, and writes them to the credentials file (mode 0600). Everything
 * is checked against the chain and the database first, so it runs on every start and only does what is missing.
 */
export async function bootstrap(
  s: GatewayServices,
  options: {
    demo: boolean;
    adminApiKey?: string;
    credentialsFile: string;
    log: Logger;
    adminDelay: number;
    /** RPC_URL: the administrators did the genesis with their own key; the gateway holds no ADMIN key and only checks it. */
    production?: boolean;
  },
): Promise<BootstrapResult> {
  const { log } = options;
  const previous = readCredentials(options.credentialsFile);
  if (options.production) {
    if (options.demo) throw new Error("The demo organisations need the administrator's key, which a production gateway does not hold");
    await adoptGenesis(s, log);
  } else {
    await ensureAdmin(s, log);
    await ensureOperator(s, log);
  }

  const organizations: Record<string, CredentialEntry> = {};
  const result: BootstrapResult = { credentials: { note: "", organizations } };

  // The administrator's key: ADMIN_API_KEY when set, else the one from the last start, else a new one.
  const admin = s.participants.require(ADMIN_ORG.code);
  let adminKey: { id: string | null; key: string | null };
  if (options.adminApiKey) {
    if (!s.apiKeys.isValid(options.adminApiKey)) {
      try {
        s.apiKeys.insert({ organization: admin.code, label: "ADMIN_API_KEY" }, options.adminApiKey);
      } catch (err) {
        if (/UNIQUE/.test((err as Error).message)) throw new Error("ADMIN_API_KEY was revoked through the API; set a new one");
        throw err;
      }
    }
    adminKey = { id: s.apiKeys.authenticate(options.adminApiKey)!.keyId, key: null };
  } else {
    const kept = keptKey(s, previous, admin.code);
    if (kept) adminKey = kept;
    else {
      revokeBootstrapKeys(s, admin.code);
      const created = s.apiKeys.create({ organization: admin.code, label: BOOTSTRAP_LABEL });
      adminKey = { id: created.apiKey.id, key: created.key };
      result.generatedAdminKey = created.key;
    }
  }
  organizations[admin.code] = { name: admin.name, kind: admin.kind, roles: admin.roles, address: admin.address, apiKeyId: adminKey.id, apiKey: adminKey.key };

  if (options.demo) {
    for (const def of DEMO_ORGS) {
      await ensureOrganization(s, def, log);
      const org = s.participants.find(def.code);
      if (!org) continue;
      const key = keptKey(s, previous, def.code) ?? (() => {
        revokeBootstrapKeys(s, def.code);
        const created = s.apiKeys.create({ organization: def.code, label: BOOTSTRAP_LABEL });
        return { id: created.apiKey.id, key: created.key };
      })();
      organizations[def.code] = { name: org.name, kind: org.kind, roles: org.roles, address: org.address, apiKeyId: key.id, apiKey: key.key };
    }
  }

  // Last: from here on every administrator's action waits ADMIN_DELAY on chain (in production the administrators'
  // genesis imposed it; adoptGenesis checked).
  if (!options.production) await imposeAdminDelay(s, options.adminDelay, log);

  result.credentials.note =
    "API keys of the organisations bootstrapped by npm start. Send them as 'Authorization: Bearer <apiKey>'. " +
    "Keep this file private (mode 0600); delete it to have new keys issued on the next start." +
    (options.adminApiKey ? " The administrator's key is ADMIN_API_KEY." : "");
  writeFileAtomic(options.credentialsFile, JSON.stringify(result.credentials, null, 2) + "\n", 0o600);
  return result;
}

const BOOTSTRAP_LABEL = "bootstrap";

/** Issuing new bootstrap keys (the credentials file was deleted) retires the old ones: deleting the file rotates them. */
function revokeBootstrapKeys(s: GatewayServices, code: string): void {
  for (const key of s.apiKeys.list(code)) if (key.label === BOOTSTRAP_LABEL) s.apiKeys.revoke(key.id);
}

function readCredentials(file: string): CredentialsFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as CredentialsFile;
  } catch {
    return undefined;
  }
}

/**
 * The key recorded for `code` last time, if it is still valid, still that organisation's, and holds every scope the
 * organisation may hold now (a newer gateway adds scopes for new calls: such a key is replaced, like a lost one).
 */
function keptKey(s: GatewayServices, previous: CredentialsFile | undefined, code: string): { id: string; key: string } | undefined {
  const key = previous?.organizations?.[code]?.apiKey;
  if (!key) return undefined;
  const principal = s.apiKeys.authenticate(key);
  if (!principal || principal.orgCode !== code) return undefined;
  const org = s.participants.find(code);
  if (org && [...allowedScopes(org.kind, org.roles)].some((scope) => !principal.scopes.has(scope))) return undefined;
  return { id: principal.keyId, key };
}

/** The administrator's organisation on chain (with GOVERNOR granted to its key in the same transaction) and in the database. */
async function ensureAdmin(s: GatewayServices, log: Logger): Promise<void> {
  const { accessManager, participants } = s.contracts;
  const address = adminWallet(s).address;
  const orgId = orgIdOf(ADMIN_ORG.code);
  const onChain = await participants.organization(orgId);
  if (onChain.status === 0n) {
    const [isGovernor] = await accessManager.hasRole(ROLES.GOVERNOR, address);
    const grantGovernor = isGovernor ? [] : [accessManager.interface.encodeFunctionData("grantRole", [ROLES.GOVERNOR, address, 0])];
    const call = s.participants.registrationCall(
      { orgId, kind: ADMIN_ORG.kind, validUntil: 0, metadataHash: ZeroHash, name: ADMIN_ORG.name, account: address, roles: [] },
      grantGovernor,
    );
    await settled(
      s,
      await s.stack.pipeline.submit({
        orgCode: ADMIN_ORG.code,
        wallet: adminWallet(s),
        operation: "participants.register",
        params: { code: ADMIN_ORG.code, orgId, account: address, kind: ADMIN_ORG.kind, roles: ["ADMIN", "GOVERNOR"] },
        calls: [call],
      }),
    );
    log.info({ org: ADMIN_ORG.code, address }, "city administrator registered on chain");
  }
  if (!s.stack.repos.organizations.get(ADMIN_ORG.code)) {
    // GOVERNOR only for the genesis work: imposeAdminDelay renounces it.
    s.stack.repos.organizations.insert({ code: ADMIN_ORG.code, orgId, name: ADMIN_ORG.name, kind: ADMIN_ORG.kind, address, roles: ["ADMIN", "GOVERNOR"] });
  }
}

/**
 * The gateway's operational keys as accounts of the OPERATOR organisation, each with its one role, granted by the
 * administrator at genesis (before the delay): GOVERNOR to the first, ANCHORER to the second.
 */
async function ensureOperator(s: GatewayServices, log: Logger): Promise<void> {
  const { accessManager, participants } = s.contracts;
  const { governor, anchorer } = s.operators;
  const orgId = orgIdOf(OPERATOR_ORG.code);
  const onChain = await participants.organization(orgId);
  if (onChain.status === 0n) {
    if (!(await s.participants.administratorActsAtOnce())) {
      throw new Error(`The operator organisation ${OPERATOR_ORG.code} is not on chain and the administrator can no longer grant at once: schedule its registration and roles`);
    }
    const am = accessManager.interface;
    const call = s.participants.registrationCall(
      { orgId, kind: OPERATOR_ORG.kind, validUntil: 0, metadataHash: ZeroHash, name: OPERATOR_ORG.name, account: governor.wallet.address, moreAccounts: [anchorer.wallet.address], roles: [] },
      [am.encodeFunctionData("grantRole", [ROLES.GOVERNOR, governor.wallet.address, 0]), am.encodeFunctionData("grantRole", [ROLES.ANCHORER, anchorer.wallet.address, 0])],
    );
    await settled(
      s,
      await s.stack.pipeline.submit({
        orgCode: ADMIN_ORG.code,
        wallet: adminWallet(s),
        operation: "participants.register",
        params: { code: OPERATOR_ORG.code, orgId, account: governor.wallet.address, kind: OPERATOR_ORG.kind, roles: ["GOVERNOR", "ANCHORER"] },
        calls: [call],
      }),
    );
    log.info({ org: OPERATOR_ORG.code, governor: governor.wallet.address, anchorer: anchorer.wallet.address }, "operator organisation registered with its operational keys");
  }
  if (!s.stack.repos.organizations.get(OPERATOR_ORG.code)) {
    s.stack.repos.organizations.insert({ code: OPERATOR_ORG.code, orgId, name: OPERATOR_ORG.name, kind: OPERATOR_ORG.kind, address: governor.wallet.address, roles: ["GOVERNOR", "ANCHORER"] });
  }
}

/**
 * Imposes `delay` on every ADMIN member on chain (`grantRole(ADMIN, member, delay)`: an increase applies at once), after
 * the administrator renounces the GOVERNOR role it held for the genesis work; the administrator's own membership last,
 * since from then on it schedules everything. On a later start it only verifies: a member without delay is an error,
 * a delay other than ADMIN_DELAY a warning (changing it is itself a scheduled grantRole).
 */
async function imposeAdminDelay(s: GatewayServices, delay: number, log: Logger): Promise<void> {
  if (delay < 1) throw new Error("ADMIN_DELAY must be at least 1 second");
  const am = s.contracts.accessManager;
  const self = adminWallet(s).address;
  const undelayed = (await undelayedAdmins(s)).map((account) => ({ account }));
  if (undelayed.length > 0) {
    if (!s.keystore.has(ADMIN_ORG.code) || !undelayed.some((m) => m.account === self)) {
      throw new Error(`ADMIN members without an execution delay: ${undelayed.map((m) => m.account).join(", ")}; the gateway cannot impose ADMIN_DELAY (it holds no undelayed administrator key)`);
    }
    const iface = am.interface;
    const [holdsGovernor] = await am.hasRole(ROLES.GOVERNOR, self);
    const calls = [
      ...(holdsGovernor ? [iface.encodeFunctionData("renounceRole", [ROLES.GOVERNOR, self])] : []),
      ...undelayed.filter((m) => m.account !== self).map((m) => iface.encodeFunctionData("grantRole", [ROLES.ADMIN, m.account, delay])),
      iface.encodeFunctionData("grantRole", [ROLES.ADMIN, self, delay]),
    ];
    await settled(
      s,
      await s.stack.pipeline.submit({
        orgCode: ADMIN_ORG.code,
        wallet: adminWallet(s),
        operation: "governance.admin-delay",
        params: { delay, members: undelayed.map((m) => m.account) },
        calls: [{ to: s.contracts.addresses.accessManager, data: iface.encodeFunctionData("multicall", [calls]) }],
      }),
    );
    const row = s.stack.repos.organizations.get(ADMIN_ORG.code);
    if (row?.roles.includes("GOVERNOR")) s.stack.repos.organizations.update(ADMIN_ORG.code, { name: row.name, kind: row.kind, roles: row.roles.filter((r) => r !== "GOVERNOR") });
    log.info({ delay, members: undelayed.map((m) => m.account) }, "administrators' execution delay imposed on chain");
  }
  const [, onChain] = await am.hasRole(ROLES.ADMIN, self);
  if (Number(onChain) !== delay && undelayed.length === 0) {
    log.warn({ configured: delay, onChain: Number(onChain) }, "ADMIN_DELAY differs from the administrator's delay on chain; the chain's applies (change it with a scheduled grantRole)");
  }
}

/** The administrator's key: only the embedded node's gateway holds one (for the genesis work). */
function adminWallet(s: GatewayServices): Wallet {
  if (!s.admin.wallet) throw new Error("This gateway holds no administrator key");
  return s.admin.wallet;
}

async function ensureOrganization(s: GatewayServices, def: OrgDefinition, log: Logger): Promise<void> {
  const orgId = orgIdOf(def.code);
  const onChain = await s.contracts.participants.organization(orgId);
  if (onChain.status === 0n) {
    await settled(s, await s.participants.register({ ...def, validUntil: 0, metadataHash: ZeroHash }, { orgCode: ADMIN_ORG.code }));
    log.info({ org: def.code }, "demo organisation registered");
    return;
  }
  if (s.participants.find(def.code)) return;
  // On chain but unknown to this database (the database was deleted): adopt it if our keystore holds its account.
  const accounts = await s.contracts.participants.accountsOf(orgId);
  if (s.keystore.has(def.code) && accounts.includes(s.keystore.address(def.code))) {
    s.stack.repos.organizations.insert({ code: def.code, orgId, name: def.name, kind: def.kind, address: s.keystore.address(def.code), roles: def.roles });
  } else {
    log.warn({ org: def.code }, "demo organisation exists on chain with an account this keystore does not hold; skipped");
  }
}

async function settled(s: GatewayServices, outcome: SubmitOutcome): Promise<void> {
  const done = await s.stack.pipeline.waitFor(outcome.submissionId, 120_000);
  if (!done) throw new Error(`Bootstrap transaction ${outcome.submissionId} not mined within 120 s`);
  if (done.status !== "mined") {
    const e = done.error!;
    throw new ApiError(e.status, e.code, `Bootstrap transaction failed: ${e.message}`, e.details);
  }
}

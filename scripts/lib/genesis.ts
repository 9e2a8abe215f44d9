import fs from "node:fs";
import path from "node:path";
import { ZeroHash, encodeBytes32String, getAddress, type Signer } from "ethers";
import { ADMIN_ORG, OPERATOR_ORG } from "../../server/bootstrap/demo";
import { attachSystem, type DeploymentRecord } from "./deployment";
import { ROLES, orgKind } from "./roles";

/**
 * The production genesis, done by the administrator with their own key outside the gateway (the gateway started
 * with RPC_URL holds no ADMIN key): on a fresh deployment, in one AccessManager.multicall so it happens whole or not
 * at all, it registers the administrator's organisation (CITY-ADMIN, the administrator's account) and the gateway's
 * operator organisation (CITY-OPERATOR, its GOVERNOR and ANCHORER accounts, each with that one role), renounces the
 * GOVERNOR role the administrator held for this, and imposes `adminDelay` on the administrator last.
 */

/** What the gateway writes on its first production start, for the administrators: the accounts it signs with. */
export const GATEWAY_ACCOUNTS_FILE = "gateway-accounts.json";

export interface GatewayAccounts {
  /** CITY-OPERATOR: the GOVERNOR key (admissions, accounts, suspensions). */
  governor: string;
  /** CITY-OPERATOR.ANCHOR: the ANCHORER key (the action log's anchors). */
  anchorer: string;
}

export function writeGatewayAccounts(dataDir: string, accounts: GatewayAccounts): string {
  const file = path.join(dataDir, GATEWAY_ACCOUNTS_FILE);
  fs.writeFileSync(file, JSON.stringify({ note: "The gateway's operational accounts (public addresses): give this file to the administrators for their genesis (GATEWAY_ACCOUNTS=<file> npm run deploy).", ...accounts }, null, 2) + "\n");
  return file;
}

export function readGatewayAccounts(file: string): GatewayAccounts {
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<GatewayAccounts>;
  if (typeof json.governor !== "string" || typeof json.anchorer !== "string") throw new Error(`${file} names no governor and anchorer accounts`);
  return { governor: getAddress(json.governor), anchorer: getAddress(json.anchorer) };
}

export type GenesisOutcome = "done" | "already-done";

export async function performGenesis(
  admin: Signer,
  record: DeploymentRecord,
  options: GatewayAccounts & { adminDelay: number; log?: (message: string) => void },
): Promise<GenesisOutcome> {
  if (options.adminDelay < 1) throw new Error("the administrator's delay must be at least 1 second (0 would leave a key with total power)");
  const log = options.log ?? (() => undefined);
  const { accessManager: am, participants } = attachSystem(record, admin);
  const self = await admin.getAddress();
  const adminOrg = encodeBytes32String(ADMIN_ORG.code);
  const operatorOrg = encodeBytes32String(OPERATOR_ORG.code);
  const [isAdmin, delay] = await am.hasRole(ROLES.ADMIN, self);
  if (!isAdmin) throw new Error(`${self} is not an administrator of this deployment`);
  if ((await participants.organization(adminOrg)).status !== 0n) {
    const accounts = (await participants.accountsOf(operatorOrg)).map((a) => getAddress(a));
    const missing = [options.governor, options.anchorer].filter((a) => !accounts.includes(getAddress(a)));
    if (missing.length > 0) throw new Error(`the genesis was done with other gateway accounts (${accounts.join(", ")}); add ${missing.join(", ")} with scheduled operations`);
    log(`genesis already done (administrator's delay ${delay} s)`);
    return "already-done";
  }
  if (delay !== 0n) throw new Error(`${self} already waits ${delay} s: the genesis must run right after the deployment`);

  const registry = participants.interface;
  const registryAddress = record.contracts.participants.address;
  const i = am.interface;
  const inRegistry = (data: string) => i.encodeFunctionData("execute", [registryAddress, data]);
  const register = (orgId: string, org: { kind: Parameters<typeof orgKind>[0]; name: string }) =>
    inRegistry(registry.encodeFunctionData("registerOrganization", [orgId, orgKind(org.kind), 0, ZeroHash, org.name]));
  const addAccount = (orgId: string, account: string) => inRegistry(registry.encodeFunctionData("addAccount", [orgId, account]));
  const calls = [
    i.encodeFunctionData("grantRole", [ROLES.GOVERNOR, self, 0]),
    register(adminOrg, ADMIN_ORG),
    addAccount(adminOrg, self),
    register(operatorOrg, OPERATOR_ORG),
    addAccount(operatorOrg, options.governor),
    addAccount(operatorOrg, options.anchorer),
    i.encodeFunctionData("grantRole", [ROLES.GOVERNOR, options.governor, 0]),
    i.encodeFunctionData("grantRole", [ROLES.ANCHORER, options.anchorer, 0]),
    i.encodeFunctionData("renounceRole", [ROLES.GOVERNOR, self]),
    // Last: from here on every action of the administrator is scheduled and waits adminDelay (an increase applies at once).
    i.encodeFunctionData("grantRole", [ROLES.ADMIN, self, options.adminDelay]),
  ];
  const receipt = await (await am.multicall(calls)).wait();
  if (receipt?.status !== 1) throw new Error("the genesis transaction failed");
  log(`genesis done in block ${receipt.blockNumber}: ${ADMIN_ORG.code} (${self}), ${OPERATOR_ORG.code} (governor ${options.governor}, anchorer ${options.anchorer}), administrator's delay ${options.adminDelay} s`);
  return "done";
}

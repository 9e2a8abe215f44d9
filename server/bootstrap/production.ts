import { getAddress, type Provider } from "ethers";
import { DeploymentError, loadDeployment, type DeploymentRecord } from "../../scripts/lib/deployment";
import { GATEWAY_ACCOUNTS_FILE, writeGatewayAccounts, type GatewayAccounts } from "../../scripts/lib/genesis";
import { ROLES } from "../../scripts/lib/roles";
import type { GatewayServices } from "../core";
import type { Logger } from "../logger";
import { orgIdOf } from "../services/participants";
import { ADMIN_ORG, OPERATOR_ORG } from "./demo";

/**
 * A production gateway (RPC_URL) holds no ADMIN key: the administrators deploy and do the genesis with their own key
 * (scripts/lib/genesis.ts), and the gateway only finds and checks what they did. Each failure stops the start with a
 * message that says what to do.
 */
export class ProductionStartError extends Error {
  override name = "ProductionStartError";
}

/**
 * The deployment the administrators made, from DATA_DIR/deployment.json. Without one the gateway writes its
 * operational accounts to DATA_DIR/gateway-accounts.json (every start, so the file can be fetched again) and stops:
 * the administrators need them for the genesis.
 */
export async function productionDeployment(provider: Provider, dataDir: string, accounts: GatewayAccounts): Promise<DeploymentRecord> {
  const file = writeGatewayAccounts(dataDir, accounts);
  const record = await loadDeployment(provider, dataDir).catch((err: unknown) => {
    throw err instanceof DeploymentError ? new ProductionStartError(err.message) : err;
  });
  if (record) return record;
  throw new ProductionStartError(
    `No deployment in ${dataDir}: with RPC_URL the gateway deploys nothing and holds no administrator key. ` +
      `Give ${file} (governor ${accounts.governor}, anchorer ${accounts.anchorer}) to the administrators; they deploy and do the genesis ` +
      `with their own key (GATEWAY_ACCOUNTS=${GATEWAY_ACCOUNTS_FILE} DATA_DIR=… npm run deploy -- --network besu) and hand back deployment.json: ` +
      `put it in ${dataDir} and start again`,
  );
}

/**
 * Checks the administrators' genesis on chain and records its two organisations: CITY-ADMIN as an own-key organisation
 * (its account is the administrator's; every governance call is prepared for it to sign), CITY-OPERATOR with the
 * gateway's operational accounts holding GOVERNOR and ANCHORER. Refuses to go on when any account the gateway holds is
 * an ADMIN member (a production gateway must not be able to schedule administrators' actions), or when an ADMIN
 * member may act without delay.
 */
export async function adoptGenesis(s: GatewayServices, log: Logger): Promise<void> {
  const am = s.contracts.accessManager;
  const registry = s.contracts.participants;
  const held = s.keystore.aliases().map((alias) => ({ alias, address: s.keystore.address(alias) }));
  const admins = (await Promise.all(held.map(async (k) => ((await am.hasRole(ROLES.ADMIN, k.address))[0] ? k : null)))).filter((k) => k !== null);
  if (admins.length > 0) {
    throw new ProductionStartError(
      `The gateway holds keys with the ADMIN role: ${admins.map((k) => `${k.alias} (${k.address})`).join(", ")}. A production gateway holds no administrator key: ` +
        `the administrators revoke ADMIN from these accounts with a scheduled revokeRole before it starts`,
    );
  }

  const { governor, anchorer } = s.operators;
  const operatorOrg = orgIdOf(OPERATOR_ORG.code);
  const operatorAccounts = (await registry.accountsOf(operatorOrg)).map((a) => getAddress(a));
  const [[isGovernor], [isAnchorer]] = await Promise.all([am.hasRole(ROLES.GOVERNOR, governor.wallet.address), am.hasRole(ROLES.ANCHORER, anchorer.wallet.address)]);
  const missing = [
    ...(operatorAccounts.includes(governor.wallet.address) ? [] : [`${governor.wallet.address} is not an account of ${OPERATOR_ORG.code}`]),
    ...(operatorAccounts.includes(anchorer.wallet.address) ? [] : [`${anchorer.wallet.address} is not an account of ${OPERATOR_ORG.code}`]),
    ...(isGovernor ? [] : [`${governor.wallet.address} lacks GOVERNOR`]),
    ...(isAnchorer ? [] : [`${anchorer.wallet.address} lacks ANCHORER`]),
  ];
  const adminOrg = orgIdOf(ADMIN_ORG.code);
  const adminAccounts = (await registry.accountsOf(adminOrg)).map((a) => getAddress(a));
  if (adminAccounts.length === 0) missing.push(`${ADMIN_ORG.code} is not registered`);
  if (missing.length > 0) {
    throw new ProductionStartError(`The administrators' genesis is not done for this gateway: ${missing.join("; ")}. See DATA_DIR/${GATEWAY_ACCOUNTS_FILE} and the README (Deploy)`);
  }

  const undelayed = await undelayedAdmins(s);
  if (undelayed.length > 0) {
    throw new ProductionStartError(`ADMIN members without an execution delay: ${undelayed.join(", ")}; the genesis imposes one (ADMIN_DELAY) as its last step`);
  }

  const repo = s.stack.repos.organizations;
  if (!repo.get(ADMIN_ORG.code)) {
    repo.insert({ code: ADMIN_ORG.code, orgId: adminOrg, name: ADMIN_ORG.name, kind: ADMIN_ORG.kind, address: adminAccounts[0], roles: ["ADMIN"], custody: "own" });
    log.info({ org: ADMIN_ORG.code, account: adminAccounts[0] }, "city administrator found on chain (own key)");
  }
  if (!repo.get(OPERATOR_ORG.code)) {
    repo.insert({ code: OPERATOR_ORG.code, orgId: operatorOrg, name: OPERATOR_ORG.name, kind: OPERATOR_ORG.kind, address: governor.wallet.address, roles: ["GOVERNOR", "ANCHORER"] });
    log.info({ org: OPERATOR_ORG.code, governor: governor.wallet.address, anchorer: anchorer.wallet.address }, "operator organisation found on chain with the gateway's operational keys");
  }
}

/** ADMIN members (from the AccessManager's grants) whose execution delay is 0. */
export async function undelayedAdmins(s: GatewayServices): Promise<string[]> {
  const am = s.contracts.accessManager;
  const granted = await am.queryFilter(am.filters.RoleGranted(ROLES.ADMIN), s.contracts.record.deploymentBlock, "latest");
  const members = [...new Set(granted.map((e) => getAddress(e.args.account)))];
  const access = await Promise.all(members.map(async (account) => ({ account, access: await am.hasRole(ROLES.ADMIN, account) })));
  return access.filter((m) => m.access[0] && m.access[1] === 0n).map((m) => m.account);
}

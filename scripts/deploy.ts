/**
 * Deploys the City Asset Ledger system (or finds and verifies an existing deployment) and prints the record.
 *
 *   npx hardhat run scripts/deploy.ts --network <hardhat|localhost|besu>
 *   DATA_DIR=/var/lib/ledger REDEPLOY_ON_BUILD_CHANGE=1 npm run deploy -- --network localhost
 *
 * DATA_DIR (default `.data/`) holds deployment.json. The first signer of the network deploys and becomes the city
 * administrator (for `besu`, DEPLOYER_PRIVATE_KEY). See scripts/lib/deployment.ts for how a record is verified.
 *
 * Production genesis (the gateway started with RPC_URL holds no administrator key): with GATEWAY_ACCOUNTS=<the
 * gateway's DATA_DIR/gateway-accounts.json>, the administrator's key then registers CITY-ADMIN and the gateway's
 * CITY-OPERATOR accounts with their roles and imposes ADMIN_DELAY (default 86400 s) on itself, in one transaction
 * (scripts/lib/genesis.ts). The key is used by this process only; hand deployment.json to the gateway's DATA_DIR.
 */
import path from "node:path";
import { ethers, network } from "hardhat";
import { DeploymentError, ensureDeployment } from "./lib/deployment";
import { performGenesis, readGatewayAccounts } from "./lib/genesis";

async function main(): Promise<void> {
  const [signer] = await ethers.getSigners();
  if (!signer) throw new Error(`network "${network.name}" has no account to deploy with (set DEPLOYER_PRIVATE_KEY)`);
  const dataDir = path.resolve(process.env.DATA_DIR ?? ".data");
  if (network.name === "hardhat") {
    console.warn("note: the in-process hardhat network disappears when this script ends; the record will not match any later node");
  }
  const record = await ensureDeployment({
    signer,
    dataDir,
    log: (message) => console.log(`[deploy] ${message}`),
    onBuildChange: process.env.REDEPLOY_ON_BUILD_CHANGE === "1" ? "redeploy" : "error",
  });
  console.log(JSON.stringify(record, null, 2));
  if (process.env.GATEWAY_ACCOUNTS) {
    const adminDelay = Number(process.env.ADMIN_DELAY ?? 86_400);
    if (!Number.isInteger(adminDelay) || adminDelay < 1) throw new Error("ADMIN_DELAY must be a whole number of seconds, at least 1");
    await performGenesis(signer, record, { ...readGatewayAccounts(process.env.GATEWAY_ACCOUNTS), adminDelay, log: (message) => console.log(`[genesis] ${message}`) });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof DeploymentError ? `deploy refused: ${error.message}` : error);
  process.exitCode = 1;
});

import fs from "node:fs";
import path from "node:path";
import type { Signer } from "ethers";
import type { ContractName } from "./abis";
import { deploySystem, type SystemContracts } from "./system";

/** Where the system lives on a chain; written once after deployment, read by the gateway and the audit tool. */
export interface DeploymentRecord {
  chainId: string;
  /** The block of the first deployment transaction: nothing before it concerns the indexer or the audit. */
  deploymentBlock: number;
  deployer: string;
  deployedAt: string;
  contracts: Record<ContractName, string>;
}

const RECORD_FILE = "deployment.json";

const addressesOf = async (system: SystemContracts): Promise<Record<ContractName, string>> => ({
  CityAccessManager: await system.accessManager.getAddress(),
  ParticipantRegistry: await system.participants.getAddress(),
  AuditAnchor: await system.auditAnchor.getAddress(),
});

/**
 * Returns the deployment recorded in `<dataDir>/deployment.json` when its contracts are on the signer's chain, and
 * deploys the system (writing the record) otherwise.
 */
export async function ensureDeployment(options: {
  signer: Signer;
  dataDir: string;
  log?: (message: string) => void;
}): Promise<DeploymentRecord> {
  const { signer, dataDir } = options;
  const log = options.log ?? (() => undefined);
  const provider = signer.provider;
  if (!provider) throw new Error("ensureDeployment needs a signer connected to a provider");
  const chainId = (await provider.getNetwork()).chainId.toString();
  const file = path.join(dataDir, RECORD_FILE);

  if (fs.existsSync(file)) {
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentRecord;
    const codes = await Promise.all(Object.values(record.contracts).map((a) => provider.getCode(a)));
    if (record.chainId === chainId && codes.every((c) => c !== "0x")) {
      log(`deployment found (${file})`);
      return record;
    }
    log(`the recorded deployment is not on chain ${chainId}: deploying again`);
  }

  const deploymentBlock = (await provider.getBlockNumber()) + 1;
  const system = await deploySystem(signer, { onStep: log });
  const record: DeploymentRecord = {
    chainId,
    deploymentBlock,
    deployer: await signer.getAddress(),
    deployedAt: new Date().toISOString(),
    contracts: await addressesOf(system),
  };
  fs.mkdirSync(dataDir, { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n");
  fs.renameSync(tmp, file);
  log(`deployed; record written to ${file}`);
  return record;
}

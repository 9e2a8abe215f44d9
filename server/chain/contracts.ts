import type { Provider } from "ethers";
import { attachSystem, type DeploymentRecord } from "../../scripts/lib/deployment";
import type { SystemContracts } from "../../scripts/lib/system";

/** Read-only contract instances of the deployment (writes are encoded and go through the pipeline). */
export type ChainContracts = SystemContracts & {
  record: DeploymentRecord;
  /** Address of each contract, by its key in the deployment record. */
  addresses: Record<keyof SystemContracts, string>;
};

export function connectContracts(record: DeploymentRecord, provider: Provider): ChainContracts {
  const system = attachSystem(record, provider);
  const addresses = Object.fromEntries(Object.entries(record.contracts).map(([name, c]) => [name, c.address])) as Record<keyof SystemContracts, string>;
  return { ...system, record, addresses };
}

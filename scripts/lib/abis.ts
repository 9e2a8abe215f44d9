import { Interface } from "ethers";
import { AuditAnchor__factory, CityAccessManager__factory, ParticipantRegistry__factory } from "../../typechain-types";

/**
 * The ABI of every contract of the system, by the name the deployment record uses. The audit tool decodes events
 * with these and the gateway decodes custom errors with them.
 */
export const CONTRACT_ABIS = {
  CityAccessManager: CityAccessManager__factory.abi,
  ParticipantRegistry: ParticipantRegistry__factory.abi,
  AuditAnchor: AuditAnchor__factory.abi,
} as const;

export type ContractName = keyof typeof CONTRACT_ABIS;

export const contractInterface = (name: ContractName): Interface => new Interface(CONTRACT_ABIS[name]);

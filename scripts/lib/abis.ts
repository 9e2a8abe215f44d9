import { Interface } from "ethers";
import {
  AuditAnchor__factory,
  CarbonCreditRegistry__factory,
  CarbonMarket__factory,
  CityAccessManager__factory,
  CityForwarder__factory,
  DataAssetRegistry__factory,
  ParticipantRegistry__factory,
  SettlementToken__factory,
} from "../../typechain-types";
import type { SystemContracts } from "./system";

/**
 * The ABI of every contract of the system, by contract name. The audit tool decodes events with these and the
 * gateway decodes custom errors with them.
 */
export const CONTRACT_ABIS = {
  CityForwarder: CityForwarder__factory.abi,
  CityAccessManager: CityAccessManager__factory.abi,
  ParticipantRegistry: ParticipantRegistry__factory.abi,
  DataAssetRegistry: DataAssetRegistry__factory.abi,
  CarbonCreditRegistry: CarbonCreditRegistry__factory.abi,
  SettlementToken: SettlementToken__factory.abi,
  CarbonMarket: CarbonMarket__factory.abi,
  AuditAnchor: AuditAnchor__factory.abi,
} as const;

export type ContractName = keyof typeof CONTRACT_ABIS;

/**
 * The contract name of each entry of a deployment record (whose keys are those of SystemContracts). Typed so that a
 * contract added to the system without a name here fails to compile.
 */
export const SYSTEM_CONTRACT_NAMES = {
  forwarder: "CityForwarder",
  accessManager: "CityAccessManager",
  participants: "ParticipantRegistry",
  dataAssets: "DataAssetRegistry",
  carbon: "CarbonCreditRegistry",
  settlement: "SettlementToken",
  market: "CarbonMarket",
  auditAnchor: "AuditAnchor",
} as const satisfies Record<keyof SystemContracts, ContractName>;

/** The contract name for a key of a deployment record, accepting contract names as they are too; undefined if unknown. */
export function contractNameOf(key: string): ContractName | undefined {
  if (key in SYSTEM_CONTRACT_NAMES) return SYSTEM_CONTRACT_NAMES[key as keyof typeof SYSTEM_CONTRACT_NAMES];
  return key in CONTRACT_ABIS ? (key as ContractName) : undefined;
}

export const contractInterface = (name: ContractName): Interface => new Interface(CONTRACT_ABIS[name]);

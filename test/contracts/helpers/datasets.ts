import { ethers } from "hardhat";
import type { IDataAssetRegistry } from "../../../typechain-types";

/** Data classes and statuses, in the order of the enums in IDataAssetRegistry.sol. */
export const Classification = { Open: 0, Other: 1, Important: 2, Core: 3 } as const;
export const AssetStatus = { Active: 0, Deprecated: 1, Revoked: 2 } as const;

export type Registration = IDataAssetRegistry.RegistrationStruct & {
  contentHash: string;
  metadataHash: string;
  to: string;
  custodian: string;
  classification: number;
  transferable: boolean;
  title: string;
  uri: string;
};

/** sha256 of a label, standing in for the sha256 of a dataset's distribution. */
export const contentHashOf = (label: string): string => ethers.sha256(ethers.toUtf8Bytes(`distribution:${label}`));
export const idOf = (contentHash: string): bigint => BigInt(contentHash);

/** A realistic registration (title and URI of typical open-data catalogue length); override what a test needs. */
export function registration(label: string, to: string, overrides: Partial<Registration> = {}): Registration {
  return {
    contentHash: contentHashOf(label),
    metadataHash: ethers.sha256(ethers.toUtf8Bytes(`metadata:${label}`)),
    to,
    custodian: ethers.ZeroAddress,
    classification: Classification.Other,
    transferable: true,
    title: `Da Nang air quality stations ${label}`,
    uri: `https://opendata.danang.gov.vn/dataset/${label}/resource.csv`,
    ...overrides,
  };
}

import { expect } from "chai";
import { ethers } from "hardhat";
import type { BaseContract, ParamType, Signer } from "ethers";
import { PERMISSIONS, type ManagedContractName } from "../../../scripts/lib/permissions";
import { ROLES, type RoleName } from "../../../scripts/lib/roles";

/** A zero-ish value of any ABI type: AccessManaged checks the caller before it looks at any argument. */
function placeholder(param: ParamType): unknown {
  if (param.isArray()) return [];
  if (param.isTuple()) return param.components.map(placeholder);
  if (param.baseType === "address") return ethers.ZeroAddress;
  if (param.baseType === "bool") return false;
  if (param.baseType === "string") return "";
  if (param.baseType === "bytes") return "0x";
  if (param.baseType.startsWith("bytes")) return ethers.zeroPadValue("0x", Number(param.baseType.slice(5)));
  return 0n;
}

/** Every restricted function of `name` in the permission table, as [role, function] pairs. */
export function restrictedFunctions(name: ManagedContractName): [RoleName, string][] {
  const byRole = PERMISSIONS[name] as Partial<Record<RoleName, readonly string[]>>;
  return Object.entries(byRole).flatMap(([role, fns]) => fns!.map((fn) => [role as RoleName, fn] as [RoleName, string]));
}

/** Asserts that `stranger` (who holds no role) is refused by every restricted function of `name`. */
export async function expectStrangerRefused(contract: BaseContract, name: ManagedContractName, stranger: Signer): Promise<void> {
  const strangerAddress = await stranger.getAddress();
  for (const [, fn] of restrictedFunctions(name)) {
    const fragment = contract.interface.getFunction(fn)!;
    const args = fragment.inputs.map(placeholder);
    const connected = contract.connect(stranger) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    await expect(connected[fn](...args), `${name}.${fn}`)
      .to.be.revertedWithCustomError(contract, "AccessManagedUnauthorized")
      .withArgs(strangerAddress);
  }
}

/** Asserts that the AccessManager maps every restricted function of `name` to the role the table names. */
export async function expectWiredRoles(
  accessManager: { getTargetFunctionRole(target: string, selector: string): Promise<bigint> },
  contract: BaseContract,
  name: ManagedContractName,
): Promise<void> {
  const target = await contract.getAddress();
  for (const [role, fn] of restrictedFunctions(name)) {
    const selector = contract.interface.getFunction(fn)!.selector;
    expect(await accessManager.getTargetFunctionRole(target, selector), `${name}.${fn}`).to.equal(ROLES[role]);
  }
}

import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { systemFixture } from "./fixtures/system";
import { PERMISSIONS, type ManagedContractName } from "../../scripts/lib/permissions";
import { ROLES, type RoleName } from "../../scripts/lib/roles";
import { managedTargets } from "../../scripts/lib/system";

const CONTRACTS_DIR = path.join(__dirname, "../../contracts");

/**
 * Mutating functions that are public on purpose (no role): the holders' ERC-721, ERC-1155 and ERC-20 functions,
 * holders' own retirements and market actions (each checks the caller's participant status and ownership itself),
 * `retireOnBehalf` and the registry's `cancelFromEscrow` (callable only by the market set with `setMarket`), and AccessManaged's setAuthority, which
 * checks its caller is the authority itself. Anything else that changes state must be `restricted` and listed in
 * PERMISSIONS.
 */
const PUBLIC_MUTATING = new Set([
  // ERC-721 / ERC-1155 / ERC-20 holder functions
  "approve(address,uint256)",
  "setApprovalForAll(address,bool)",
  "transfer(address,uint256)",
  "transferFrom(address,address,uint256)",
  "safeTransferFrom(address,address,uint256)",
  "safeTransferFrom(address,address,uint256,bytes)",
  "safeTransferFrom(address,address,uint256,uint256,bytes)",
  "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
  // carbon holders
  "retire(uint256,uint256,(string,bytes32,string,uint64,uint64))",
  "retireOnBehalf(address,uint256,uint256,(string,bytes32,string,uint64,uint64))",
  // only the market set with setMarket, from its ISSUER-restricted cancelEscrowed
  "cancelFromEscrow(uint256,uint256,string)",
  // only the exchange named once by the administrator (setExchange), checked by address like retireOnBehalf's market
  "grantPurchasedLicense(uint256,bytes32,uint64,uint64,uint64,bytes32)",
  // market participants
  "list(uint256,uint256,uint256,uint256,uint64,address)",
  "fill(uint256,uint256,uint256)",
  "fillAndRetire(uint256,uint256,uint256,(string,bytes32,string,uint64,uint64))",
  "cancelListing(uint256)",
  "reclaimExpired(uint256)",
  // data exchange participants
  "offer((uint256,uint256,uint64,uint64,bytes32,uint32,uint64,bytes32[]))",
  "purchase(uint256,uint256)",
  "cancel(uint256)",
  // AccessManaged
  "setAuthority(address)",
]);

/** Names of the functions declared with the `restricted` modifier in a Solidity source. */
function restrictedFunctions(source: string): string[] {
  const names: string[] = [];
  for (const match of source.matchAll(/function\s+(\w+)\s*\([^)]*\)([^{;]*)[{;]/g)) {
    if (/\brestricted\b/.test(match[2])) names.push(match[1]);
  }
  return names.sort();
}

function tableFunctions(name: ManagedContractName): string[] {
  const byRole = PERMISSIONS[name] as Partial<Record<RoleName, readonly string[]>>;
  return Object.values(byRole)
    .flatMap((fns) => [...(fns ?? [])])
    .sort();
}

describe("Permissions", function () {
  const sources = fs
    .readdirSync(CONTRACTS_DIR)
    .filter((f) => f.endsWith(".sol"))
    .map((f) => ({ name: path.basename(f, ".sol"), source: fs.readFileSync(path.join(CONTRACTS_DIR, f), "utf8") }));

  it("finds restricted functions in the sources (the parser works)", function () {
    expect(restrictedFunctions("function a(uint x) external restricted {}\nfunction b(\n  bytes32 y\n) external\n restricted\n returns (uint) {}")).to.deep.equal([
      "a",
      "b",
    ]);
    expect(restrictedFunctions("function c() external view returns (uint) {}\nfunction d() external;")).to.deep.equal([]);
    expect(sources.length).to.be.greaterThan(1);
  });

  it("lists every restricted function of every contract in PERMISSIONS, and nothing else", function () {
    for (const { name, source } of sources) {
      const restricted = restrictedFunctions(source);
      if (restricted.length === 0) continue;
      expect(PERMISSIONS, `${name} has restricted functions but no entry in PERMISSIONS`).to.have.property(name);
      expect(tableFunctions(name as ManagedContractName), `PERMISSIONS.${name} vs the restricted functions of ${name}.sol`).to.deep.equal(
        restricted,
      );
    }
    for (const name of Object.keys(PERMISSIONS)) {
      expect(
        sources.some((s) => s.name === name),
        `PERMISSIONS names ${name}, which has no contracts/${name}.sol`,
      ).to.equal(true);
    }
  });

  it("wires each listed function to its role on chain", async function () {
    const system = await loadFixture(systemFixture);
    const targets = managedTargets(system);
    for (const [name, byRole] of Object.entries(PERMISSIONS) as [ManagedContractName, Partial<Record<RoleName, readonly string[]>>][]) {
      const target = targets[name];
      for (const [role, fns] of Object.entries(byRole) as [RoleName, readonly string[]][]) {
        for (const fn of fns) {
          const selector = target.interface.getFunction(fn)!.selector;
          expect(await system.accessManager.getTargetFunctionRole(await target.getAddress(), selector), `${name}.${fn}`).to.equal(ROLES[role]);
        }
      }
    }
  });

  it("leaves no state-changing function of a managed contract outside both the table and the public ERC list", async function () {
    const system = await loadFixture(systemFixture);
    const targets = managedTargets(system);
    for (const [name, target] of Object.entries(targets) as [ManagedContractName, (typeof targets)[ManagedContractName]][]) {
      const listed = new Set(tableFunctions(name));
      target.interface.forEachFunction((fn) => {
        if (fn.stateMutability === "view" || fn.stateMutability === "pure") return;
        if (listed.has(fn.name)) return;
        expect(PUBLIC_MUTATING.has(fn.format("sighash")), `${name}.${fn.format("sighash")} is neither restricted in PERMISSIONS nor a known public function`).to.equal(
          true,
        );
      });
    }
  });
});

import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { ROLES } from "../../scripts/lib/roles";

describe("Roles", function () {
  it("mirrors every role id of contracts/libraries/Roles.sol in TypeScript", function () {
    const source = fs.readFileSync(path.join(__dirname, "../../contracts/libraries/Roles.sol"), "utf8");
    const declared = Object.fromEntries(
      [...source.matchAll(/uint64 internal constant (\w+) = (\d+);/g)].map((m) => [m[1], BigInt(m[2])]),
    );
    const mirrored = Object.fromEntries(Object.entries(ROLES).filter(([name]) => name !== "ADMIN"));
    expect(Object.keys(declared).length).to.be.greaterThan(0);
    expect(mirrored).to.deep.equal(declared);
  });
});

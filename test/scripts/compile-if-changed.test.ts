import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";

// Plain JavaScript (npm start's pre-step loads no TypeScript compiler).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { staleReason } = require("../../scripts/compile-if-changed.js") as { staleReason: (root?: string) => string | null };

describe("npm start's compile check (scripts/compile-if-changed.js)", function () {
  let root: string;
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  const md5 = (text: string) => crypto.createHash("md5").update(text).digest("hex");
  const cache = (files: Record<string, string>) =>
    write(
      "cache/solidity-files-cache.json",
      JSON.stringify({ _format: "hh-sol-cache-2", files: Object.fromEntries(Object.entries(files).map(([s, t]) => [path.join(root, s), { sourceName: s, contentHash: md5(t) }])) }),
    );

  beforeEach(function () {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "cal-compile-check-"));
    write("hardhat.config.ts", "export default {};");
    write("contracts/A.sol", "contract A {}");
    write("contracts/lib/B.sol", "contract B {}");
    write("artifacts/x", "");
    write("typechain-types/x", "");
    // The cache is written by the compile, after the config.
    const later = new Date(Date.now() + 1_000);
    cache({ "contracts/A.sol": "contract A {}", "contracts/lib/B.sol": "contract B {}" });
    fs.utimesSync(path.join(root, "cache/solidity-files-cache.json"), later, later);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("needs no compile when every source matches Hardhat's cache", function () {
    expect(staleReason(root)).to.equal(null);
  });

  it("compiles when a source changed, is new or was deleted", function () {
    write("contracts/lib/B.sol", "contract B { uint x; }");
    expect(staleReason(root)).to.equal("contracts/lib/B.sol changed");
    write("contracts/lib/B.sol", "contract B {}");
    write("contracts/C.sol", "contract C {}");
    expect(staleReason(root)).to.equal("contracts/C.sol is new");
    fs.rmSync(path.join(root, "contracts/C.sol"));
    fs.rmSync(path.join(root, "contracts/A.sol"));
    expect(staleReason(root)).to.equal("contracts/A.sol was deleted");
  });

  it("compiles without a cache, artifacts or types, and after a change of hardhat.config.ts", function () {
    fs.rmSync(path.join(root, "typechain-types"), { recursive: true });
    expect(staleReason(root)).to.equal("no typechain-types/");
    write("typechain-types/x", "");
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(path.join(root, "hardhat.config.ts"), later, later);
    expect(staleReason(root)).to.equal("hardhat.config.ts changed");
    fs.rmSync(path.join(root, "cache"), { recursive: true });
    expect(staleReason(root)).to.equal("no compile cache");
  });
});

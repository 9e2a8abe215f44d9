#!/usr/bin/env node
/**
 * `npm start`'s pre-step: compiles the contracts only when something changed. `hardhat compile` finds out the same,
 * but loading Hardhat costs seconds (17 s on a loaded 2-core machine) on every start; this check reads Hardhat's own
 * cache (cache/solidity-files-cache.json: a content hash per source file) and takes milliseconds. Plain JavaScript,
 * so no TypeScript compiler is loaded either. Anything it cannot vouch for (a new, changed or deleted source, a newer
 * hardhat.config.ts, missing artifacts or typechain types) runs `hardhat compile` as before.
 */
const { spawnSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");

/** Why a compile is needed, or null when the artifacts match the sources. */
function staleReason(root = ROOT) {
  const cacheFile = path.join(root, "cache", "solidity-files-cache.json");
  if (!fs.existsSync(cacheFile)) return "no compile cache";
  for (const dir of ["artifacts", "typechain-types"]) if (!fs.existsSync(path.join(root, dir))) return `no ${dir}/`;
  const cacheTime = fs.statSync(cacheFile).mtimeMs;
  if (fs.statSync(path.join(root, "hardhat.config.ts")).mtimeMs > cacheTime) return "hardhat.config.ts changed";
  let cache;
  try {
    cache = JSON.parse(fs.readFileSync(cacheFile, "utf8"));
  } catch {
    return "unreadable compile cache";
  }
  const bySource = new Map(Object.values(cache.files ?? {}).map((f) => [f.sourceName, f]));
  const sources = listSolidity(path.join(root, "contracts")).map((f) => path.relative(root, f).split(path.sep).join("/"));
  for (const source of sources) {
    const entry = bySource.get(source);
    if (!entry) return `${source} is new`;
    const hash = crypto.createHash("md5").update(fs.readFileSync(path.join(root, source))).digest("hex");
    if (hash !== entry.contentHash) return `${source} changed`;
  }
  const present = new Set(sources);
  for (const source of bySource.keys()) if (source.startsWith("contracts/") && !present.has(source)) return `${source} was deleted`;
  return null;
}

function listSolidity(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listSolidity(full) : e.name.endsWith(".sol") ? [full] : [];
  });
}

module.exports = { staleReason };

if (require.main === module) {
  const reason = staleReason();
  if (reason) {
    process.stdout.write(`compiling the contracts (${reason})\n`);
    const result = spawnSync("npx", ["hardhat", "compile", "--quiet"], { cwd: ROOT, stdio: "inherit" });
    process.exit(result.status ?? 1);
  }
}

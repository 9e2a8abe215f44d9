#!/usr/bin/env node
/**
 * `npm start`'s (and the benchmark's) portal step: builds `server/portal/dist/` when it is missing or was built from
 * other sources. Checking only that `dist/index.html` exists served a portal built from an older checkout after a
 * pull (the benchmark then waited for a mark the old build never sets). The inputs are the portal's sources, what it
 * imports from the project (the browser-safe client in `server/client/`, which reads `scripts/lib/`), and the
 * lockfile; their hash is kept in `dist/.inputs-hash`. Plain JavaScript, milliseconds when nothing changed.
 */
const { spawnSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const distOf = (root) => path.join(root, "server", "portal", "dist");
const hashFileOf = (root) => path.join(distOf(root), ".inputs-hash");
const INPUTS = ["server/portal", "server/client", "scripts/lib", "package-lock.json"];
const SKIP = new Set(["dist", "node_modules"]);

function files(root, rel) {
  const full = path.join(root, rel);
  if (!fs.existsSync(full)) return [];
  if (!fs.statSync(full).isDirectory()) return [rel];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .filter((entry) => !SKIP.has(entry.name))
    .flatMap((entry) => files(root, path.posix.join(rel, entry.name)));
}

/** The hash of every input's path and content, in a stable order. */
function inputsHash(root = ROOT) {
  const hash = crypto.createHash("sha256");
  for (const rel of INPUTS.flatMap((input) => files(root, input)).sort()) hash.update(rel).update("\0").update(fs.readFileSync(path.join(root, rel))).update("\0");
  return hash.digest("hex");
}

/** Why a build is needed, or null when dist/ was built from these inputs. */
function staleReason(root = ROOT) {
  if (!fs.existsSync(path.join(distOf(root), "index.html"))) return "no build";
  let built;
  try {
    built = fs.readFileSync(hashFileOf(root), "utf8").trim();
  } catch {
    return "built from unknown sources";
  }
  return built === inputsHash(root) ? null : "sources changed";
}

/** `--record` (run by `npm run build:portal` after vite): notes that dist/ is now built from the current inputs. */
function record(root = ROOT) {
  fs.writeFileSync(hashFileOf(root), `${inputsHash(root)}\n`);
}

function main(argv) {
  if (argv.includes("--record")) {
    record();
    return 0;
  }
  const reason = staleReason();
  if (reason === null) return 0;
  process.stderr.write(`portal: building (${reason})\n`);
  return spawnSync("npm", ["run", "--silent", "build:portal"], { cwd: ROOT, stdio: "inherit" }).status ?? 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { inputsHash, record, staleReason };

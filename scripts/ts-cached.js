/**
 * Runs the gateway's TypeScript the way `ts-node --transpile-only` does (each file transpiled on its own, no type
 * check), but keeps every transpiled file in `cache/ts/` under the hash of its source and of the compiler, so a
 * restart loads plain JavaScript: neither the TypeScript compiler (0.5 s to load) nor the transpiling of some 300
 * files (about 7 s of CPU on a loaded 2-core machine, the largest part of a restart) is on the start's path. A file
 * that changed is transpiled again; a cache that cannot be written is simply not used.
 *
 * Use: `node scripts/ts-cached.js server/main.ts` (what `npm start` runs), or `node -r ./scripts/ts-cached.js x.ts`.
 * Stack traces keep pointing at the TypeScript lines (inline source maps, `process.setSourceMapsEnabled`).
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = process.env.TS_CACHE_DIR || path.join(ROOT, "cache", "ts");
const { compilerOptions: projectOptions = {} } = readJson(path.join(ROOT, "tsconfig.json"));

let ts; // loaded on the first cache miss only
let salt; // compiler version and options: a new TypeScript or tsconfig makes new entries

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return {};
  }
}

function compilerSalt() {
  if (salt === undefined) {
    let version = "?";
    try {
      version = readJson(require.resolve("typescript/package.json", { paths: [ROOT] })).version;
    } catch {
      // resolved again on a miss, where its absence is an error worth seeing
    }
    salt = `${version}\0${JSON.stringify(projectOptions)}\0v1`;
  }
  return salt;
}

function transpile(source, filename) {
  ts ??= require(require.resolve("typescript", { paths: [ROOT] }));
  const options = ts.convertCompilerOptionsFromJson(projectOptions, ROOT).options;
  const out = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { ...options, module: ts.ModuleKind.CommonJS, inlineSourceMap: true, inlineSources: false, sourceMap: false, declaration: false, noEmit: false },
    reportDiagnostics: false,
  });
  return out.outputText;
}

function load(module, filename) {
  const source = fs.readFileSync(filename, "utf8");
  const key = crypto.createHash("sha256").update(compilerSalt()).update("\0").update(filename).update("\0").update(source).digest("hex");
  const cached = path.join(CACHE_DIR, key.slice(0, 2), `${key}.js`);
  let code;
  try {
    code = fs.readFileSync(cached, "utf8");
  } catch {
    code = transpile(source, filename);
    try {
      fs.mkdirSync(path.dirname(cached), { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, cached);
    } catch {
      // read-only checkout: run without the cache
    }
  }
  module._compile(code, filename);
}

if (!require.extensions[".ts"]) {
  process.setSourceMapsEnabled(true);
  require.extensions[".ts"] = load;
}

if (require.main === module) {
  const [script, ...rest] = process.argv.slice(2);
  if (!script) {
    process.stderr.write("usage: node scripts/ts-cached.js <file.ts> [args…]\n");
    process.exit(2);
  }
  const entry = path.resolve(script);
  process.argv = [process.argv[0], entry, ...rest];
  Module.runMain(entry);
}

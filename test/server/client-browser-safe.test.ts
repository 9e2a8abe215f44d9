import { builtinModules } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";

const CLIENT = path.join(__dirname, "../../server/client");
/** What the portal may import in a browser: the signing code and the shared shapes (cli.ts is the Node side). */
const BROWSER_ENTRIES = ["sdk.ts", "forward-request.ts", "action-log.ts", "shapes.ts"].map((f) => path.join(CLIENT, f));
const NODE_BUILTINS = new Set(builtinModules.map((m) => m.replace(/^node:/, "")));

const importsOf = (source: string): string[] => [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)|\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);

/** The files an entry reaches through relative imports, itself included. */
function reachable(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  for (const spec of importsOf(fs.readFileSync(entry, "utf8"))) {
    if (spec.startsWith(".")) reachable(path.resolve(path.dirname(entry), spec.endsWith(".ts") ? spec : `${spec}.ts`), seen);
  }
  return seen;
}

/** What in a source would not run in a browser: Node built-in modules and Node-only globals. */
function nodeOnly(source: string): string[] {
  const found = importsOf(source).filter((spec) => spec.startsWith("node:") || NODE_BUILTINS.has(spec.split("/")[0]));
  const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
  for (const global of ["process.", "Buffer", "__dirname", "__filename", "require("]) if (code.includes(global)) found.push(global);
  return found;
}

describe("the client SDK and shared shapes are browser-safe (server/client: sdk, forward-request, action-log, shapes)", function () {
  it("the check finds Node-only code (it can fail)", function () {
    expect(nodeOnly('import fs from "node:fs";\nimport { x } from "./y";')).to.deep.equal(["node:fs"]);
    expect(nodeOnly('import crypto from "crypto";')).to.deep.equal(["crypto"]);
    expect(nodeOnly("const k = process.env.KEY; // process. in a comment is fine")).to.deep.equal(["process."]);
    expect(nodeOnly('import { Wallet } from "ethers";\n// Buffer\nconst u = new Uint8Array(2);')).to.deep.equal([]);
  });

  it("imports no Node built-in and uses no Node global, through every relative import", function () {
    const files = new Set<string>();
    for (const entry of BROWSER_ENTRIES) for (const f of reachable(entry)) files.add(f);
    expect([...files].map((f) => path.basename(f))).to.include.members(["sdk.ts", "forward-request.ts", "action-log.ts", "shapes.ts"]);
    for (const file of files) expect(nodeOnly(fs.readFileSync(file, "utf8")), path.relative(CLIENT, file)).to.deep.equal([]);
  });

  it("bundles for the browser with no Node built-in reached (vite, platform browser)", async function () {
    this.timeout(300_000);
    // vite is ESM-only: a native import(), which ts-node's CommonJS output would otherwise turn into require().
    const nativeImport = new Function("specifier", "return import(specifier)") as (s: string) => Promise<{ build: (config: unknown) => Promise<unknown> }>;
    const { build } = await nativeImport("vite");
    const reached: string[] = [];
    await build({
      configFile: false,
      logLevel: "silent",
      root: CLIENT,
      build: {
        write: false,
        target: "es2022",
        lib: { entry: BROWSER_ENTRIES, formats: ["es"] },
        rollupOptions: { onwarn: () => undefined },
      },
      plugins: [
        {
          name: "refuse-node-builtins",
          enforce: "pre",
          resolveId(id: string, importer: string | undefined) {
            if (id.startsWith("node:") || NODE_BUILTINS.has(id.split("/")[0])) reached.push(`${id} from ${importer ?? "?"}`);
            return null;
          },
        },
      ],
    });
    expect(reached).to.deep.equal([]);
  });
});

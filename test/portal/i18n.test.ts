import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { en } from "../../server/portal/src/i18n/en";
import { vi } from "../../server/portal/src/i18n/vi";

const SRC = path.resolve(__dirname, "../../server/portal/src");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

describe("portal translations", function () {
  it("every key exists in Vietnamese and in English, none empty, with the same placeholders", function () {
    expect(Object.keys(en).sort()).to.deep.equal(Object.keys(vi).sort());
    for (const [key, text] of Object.entries(vi)) {
      const other = (en as Record<string, string>)[key];
      expect(text.trim(), `vi ${key}`).to.not.equal("");
      expect(other.trim(), `en ${key}`).to.not.equal("");
      const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(vars(other), `placeholders of ${key}`).to.deep.equal(vars(text));
    }
  });

  it("every literal key the pages use is in the tables; every key of the tables is used", function () {
    const code = sources(SRC)
      .filter((f) => !/i18n[\\/](vi|en)\.ts$/.test(f))
      .map((f) => fs.readFileSync(f, "utf8"))
      .join("\n");
    const literal = new Set([...code.matchAll(/["`]([a-z][A-Za-z]*(?:\.[A-Za-z0-9_]+)+)["`]/g)].map((m) => m[1]).filter((k) => !/\.(ts|tsx|json|css)$/.test(k)));
    const prefixes = new Set([...code.matchAll(/`([a-zA-Z.]+\.)\$\{/g)].map((m) => m[1]));
    const missing = [...literal].filter((k) => k.split(".")[0] in Object.fromEntries(Object.keys(vi).map((x) => [x.split(".")[0], 1])) && !(k in vi));
    expect(missing, "keys used but not translated").to.deep.equal([]);
    const unused = Object.keys(vi).filter((k) => !literal.has(k) && ![...prefixes].some((p) => k.startsWith(p)));
    expect(unused, "keys never used").to.deep.equal([]);
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";

// Plain JavaScript (npm start's pre-step loads no TypeScript compiler).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const check = require("../../scripts/build-portal-if-changed.js") as {
  staleReason: (root?: string) => string | null;
  record: (root?: string) => void;
};

describe("npm start's portal check (scripts/build-portal-if-changed.js)", function () {
  let root: string;
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };

  beforeEach(function () {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "cal-portal-check-"));
    write("server/portal/src/app.tsx", "export const App = 1;");
    write("server/client/sdk.ts", "export const sdk = 1;");
    write("scripts/lib/abis.ts", "export const abis = 1;");
    write("package-lock.json", "{}");
    write("server/portal/dist/index.html", "<!doctype html>");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("builds when there is no build, or a build of unknown sources (one from before this check)", function () {
    expect(check.staleReason(root)).to.equal("built from unknown sources");
    fs.rmSync(path.join(root, "server/portal/dist/index.html"));
    expect(check.staleReason(root)).to.equal("no build");
  });

  it("keeps a build made from the same inputs; any change to the portal, the client it imports, scripts/lib or the lockfile rebuilds", function () {
    check.record(root);
    expect(check.staleReason(root)).to.equal(null);
    // The build's own output is not an input.
    write("server/portal/dist/assets/index-abc.js", "x");
    expect(check.staleReason(root)).to.equal(null);
    for (const file of ["server/portal/src/app.tsx", "server/client/sdk.ts", "scripts/lib/abis.ts", "package-lock.json"]) {
      check.record(root);
      write(file, `${fs.readFileSync(path.join(root, file), "utf8")} `);
      expect(check.staleReason(root), file).to.equal("sources changed");
    }
    check.record(root);
    write("server/portal/src/new-page.tsx", "export {};");
    expect(check.staleReason(root)).to.equal("sources changed");
  });
});

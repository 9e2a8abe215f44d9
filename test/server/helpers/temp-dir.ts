import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const made = new Set<string>();
let hooked = false;

/**
 * A new temporary directory, removed when the test process exits. Tests that restart a gateway on the same DATA_DIR
 * need it to outlive the gateway that made it, so it is not removed on stop; leaving it to the process's end keeps
 * the machine's temporary folder from filling with one directory per test run.
 */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.add(dir);
  if (!hooked) {
    hooked = true;
    process.once("exit", () => {
      for (const d of made) fs.rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

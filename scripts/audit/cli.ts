/**
 * `npm run audit -- [options]` (see --help). Exits 0 when the audit passes, 1 on any discrepancy, 2 when it cannot run.
 */
import { runCli } from "./run-cli";

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit failed to run: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);

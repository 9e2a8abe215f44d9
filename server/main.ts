/**
 * `npm start`: the whole system with one command. Without RPC_URL it starts the embedded chain node, deploys (or
 * finds) the contracts, bootstraps the administrator and the demo organisations and serves the API; with RPC_URL it
 * runs the same gateway against that chain and starts nothing else.
 */
import pino from "pino";
import { ConfigError, describeConfig, loadConfig, type Config } from "./config";
import { createLogger } from "./logger";
import { startEmbeddedNodeEarly, stopEarlyNode } from "./early-node";
import { prefetchStartKeys } from "./start-keys";
import type { startGateway as StartGateway } from "./runtime";

// The banner is for the person at the terminal, not for the log pipeline (it may carry the admin key once).
const say = (text: string) => process.stdout.write(text + "\n");

async function main(): Promise<void> {
  if (process.argv.includes("--help")) {
    say("Configuration (environment variables):\n" + describeConfig().map((l) => `  ${l}`).join("\n"));
    return;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n\nRun with --help to list every option.\n`);
      process.exit(2);
    }
    throw err;
  }
  // Log lines go out asynchronously (flushed on exit): a synchronous write per line held the event loop for every
  // request and transaction (measured: the gateway's largest single cost under load). The action log, which is a
  // record, is in the database, not here.
  const log = createLogger(config.LOG_LEVEL, pino.destination({ dest: 1, sync: false }));
  let gateway: Awaited<ReturnType<typeof StartGateway>>;
  try {
    // The node first, then the rest of the gateway's code (see early-node.ts): a restart overlaps the two.
    const early = startEmbeddedNodeEarly(config, log);
    // The keys the start unlocks, derived on the thread pool while the rest loads (see start-keys.ts).
    prefetchStartKeys(config);
    let startGateway: typeof StartGateway;
    try {
      ({ startGateway } = await import("./runtime"));
    } catch (err) {
      await stopEarlyNode(early);
      throw err;
    }
    gateway = await startGateway(config, log, early);
  } catch (err) {
    log.fatal({ err }, "the gateway could not start");
    process.exitCode = 1;
    return;
  }

  say("");
  say("City Asset Ledger is running");
  say(`  API          ${gateway.url}`);
  say(`  API docs     ${gateway.docsUrl}`);
  say(`  Credentials  ${gateway.credentialsFile} (API keys of the administrator and demo organisations)`);
  if (gateway.generatedAdminKey) {
    say(`  Admin key    ${gateway.generatedAdminKey}  (shown once; also in the credentials file)`);
  }
  if (config.BOOTSTRAP_DEMO ?? !(config.RPC_URL || config.RPC_URLS)) {
    say(`  Demo         npm run demo -- --url ${gateway.url} --credentials ${gateway.credentialsFile}`);
  }
  say("  Stop with Ctrl-C.");
  say("");

  let stopping = false;
  // A gateway that cannot go on exits non-zero, so that its supervisor (systemd, Compose, Kubernetes) starts it again.
  const stop = (signal: string, exitCode = 0) => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting at once");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "stopping");
    gateway
      .stop()
      .then(() => {
        log.info("stopped");
        process.exit(exitCode);
      })
      .catch((err) => {
        log.error({ err }, "error while stopping");
        process.exit(1);
      });
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("uncaughtException", (err) => {
    log.fatal({ err }, "uncaught exception");
    stop("uncaughtException", 1);
  });
  process.on("unhandledRejection", (err) => {
    log.fatal({ err }, "unhandled rejection");
    stop("unhandledRejection", 1);
  });
  gateway.onFatal((err) => {
    log.fatal({ err }, "the gateway cannot go on");
    stop("fatal", 1);
  });
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

import crypto from "node:crypto";
import fs from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { ensureDeployment } from "../scripts/lib/deployment";
import { createApp } from "./app";
import { bootstrap } from "./bootstrap/bootstrap";
import { productionDeployment } from "./bootstrap/production";
import { ADMIN_ORG, OPERATOR_ORG } from "./bootstrap/demo";
import type { EmbeddedNode } from "./chain/anvil";
import { connectContracts } from "./chain/contracts";
import { Keystore, writeFileAtomic } from "./chain/key-store";
import { connectProvider, type GatewayProvider } from "./chain/provider";
import { PipelineSigner } from "./chain/tx/pipeline-signer";
import { adminDelayOf, type Config } from "./config";
import { acquireDataDirLock } from "./data-dir-lock";
import { createServices, createTxStack } from "./core";
import { openDatabase, type Db } from "./db/connection";
import { watchDatabase } from "./db/watchdog";
import { embeddedNodeFor, stopEarlyNode, type EarlyNode } from "./early-node";
import { openIndexDatabase } from "./indexer/gateway-index";
import { componentLogger, type Logger } from "./logger";
import { existingKeystorePassword, startKeyAliases } from "./start-keys";

export interface RunningGateway {
  url: string;
  docsUrl: string;
  credentialsFile: string;
  /** Set on the start that generated the administrator's key (it is printed once). */
  generatedAdminKey?: string;
  embeddedNode?: EmbeddedNode;
  /** Called once when the gateway cannot go on (its database became unusable): the caller exits non-zero. */
  onFatal(handler: (err: Error) => void): void;
  stop(): Promise<void>;
}

/**
 * The whole start-up, in the order that keeps it safe across crashes:
 * embedded node started (unless RPC_URL), and while it loads: database, keystore → node answering → provider → outbox
 * reconciled with the chain and drained (so nothing the administrator signed earlier is overtaken) → deployment found
 * or made (through the same pipeline) → event index (DATA_DIR/index.db) following the chain → administrator and demo
 * organisations → HTTP server.
 */
export async function startGateway(config: Config, log: Logger, early?: EarlyNode): Promise<RunningGateway> {
  const dataDir = config.DATA_DIR;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        log.error({ err }, "error while stopping");
      }
    }
    cleanups.length = 0;
  };

  try {
    // Started early (main.ts), the node is already starting and the lock taken: stopping them is ours from here.
    cleanups.push(early ? () => stopEarlyNode(early) : acquireDataDirLock(dataDir));
    const password = keystorePassword(config, log);

    // The embedded node parses its whole state dump before it answers (seconds on a large ledger): what needs no chain
    // (the gateway's database, the keystore and the keys needed before the API opens) is done meanwhile.
    let node: EmbeddedNode | undefined;
    let nodeStarted: Promise<void> | undefined;
    if (!(config.RPC_URLS ?? config.RPC_URL)) {
      if (early) {
        node = early.node;
        nodeStarted = early.started;
      } else {
        const embedded = embeddedNodeFor(config, log);
        nodeStarted = embedded.start();
        nodeStarted.catch(() => undefined); // awaited below; a failure that comes first must not be unhandled
        cleanups.push(() => embedded.stop());
        node = embedded;
      }
    }

    const db: Db = openDatabase(path.join(dataDir, "gateway.db"));
    cleanups.push(() => {
      db.close();
    });

    // Production (RPC_URL) holds no administrator key: the administrators deploy and govern with their own.
    const production = !node;
    // One key proves the password (main.ts started deriving it while this code loaded); the operator's keys unlock
    // when they first sign, or in the warm-up after the start (see startKeyAliases).
    const [probe] = startKeyAliases(production);
    const keystore = await Keystore.open({
      dir: path.join(dataDir, "keystore"),
      password,
      scryptN: config.KEYSTORE_SCRYPT_N,
      log: componentLogger(log, "keystore"),
      verifyWith: probe,
    });
    const adminWallet = production ? undefined : await keystore.ensure(ADMIN_ORG.code, config.ADMIN_PRIVATE_KEY);
    if (adminWallet && config.ADMIN_PRIVATE_KEY && adminWallet.privateKey.toLowerCase() !== config.ADMIN_PRIVATE_KEY.toLowerCase()) {
      log.warn("ADMIN_PRIVATE_KEY differs from the administrator key already in the keystore; the keystore's is used");
    }
    const [governor, anchorer] = await Promise.all([keystore.ensureSigner(OPERATOR_ORG.code), keystore.ensureSigner(OPERATOR_ORG.anchorAlias)]);
    const operators = {
      governor: { orgCode: OPERATOR_ORG.code, wallet: governor },
      anchorer: { orgCode: OPERATOR_ORG.code, wallet: anchorer },
    };

    await nodeStarted;
    const provider: GatewayProvider = await connectProvider(config.RPC_URLS ?? config.RPC_URL ?? node!.url, {
      gasPrice: config.GAS_PRICE,
      pollingIntervalMs: config.CHAIN_POLL_INTERVAL_MS,
      timeoutMs: config.RPC_TIMEOUT_MS,
      connectDeadlineMs: 30_000,
    });
    cleanups.push(() => provider.destroy());

    const stack = createTxStack({ db, provider, log, config });
    const orphans = stack.repos.idempotency.releaseOrphans();
    if (orphans > 0) log.info({ orphans }, "released idempotency keys of requests that never reached the outbox");
    await stack.tracker.recover();
    node?.onRestarted(() => stack.tracker.nodeRestarted());
    // A block waits for the writes being prepared, so that they share it: see BlockProducer.lingerMs.
    node?.setWritesInFlight(() => stack.pipeline.writesInFlight);
    if (node) stack.pipeline.events.on("writesInFlight", () => node.writesChanged());
    if (node?.announcesBlocks) node.onBlockMined(() => stack.tracker.blockMined());
    stack.tracker.start();
    cleanups.push(() => stack.tracker.stop());
    cleanups.push(() => log.info({ ...stack.pipeline.commits.stats, signerBatches: stack.pipeline.batches.stats }, "outbox group commits"));
    if (!(await stack.tracker.drain(60_000))) log.warn("some earlier transactions are still open; continuing");

    const deploymentLog = componentLogger(log, "deployment");
    const deployment = adminWallet
      ? await ensureDeployment({
          signer: new PipelineSigner(adminWallet, stack.pipeline, ADMIN_ORG.code, provider),
          dataDir,
          log: (message) => deploymentLog.info(message),
        })
      : await productionDeployment(provider, dataDir, { governor: operators.governor.wallet.address, anchorer: operators.anchorer.wallet.address });
    const contracts = connectContracts(deployment, provider);
    // The index is a cache of the chain: deleting DATA_DIR/index.db makes the next start rebuild it from the deployment block.
    const indexDb = openIndexDatabase(path.join(dataDir, "index.db"));
    cleanups.push(() => {
      indexDb.close();
    });
    const services = createServices({ stack, contracts, keystore, admin: { orgCode: ADMIN_ORG.code, wallet: adminWallet }, operators, log, config, indexDb });
    if (node) {
      const embedded = node;
      const tracker = stack.tracker;
      services.readiness.push({
        name: "node",
        check: async () => {
          const health = embedded.health();
          // Running, but not ready while what it lost in a restart is being sent again.
          return { ok: health.state === "running" && !tracker.recovering, details: { ...health, recovering: tracker.recovering } };
        },
      });
    }
    services.index.start();
    cleanups.push(() => services.index.stop());
    services.webhooks.start();
    cleanups.push(() => services.webhooks.stop());

    const credentialsFile = path.join(dataDir, "credentials.json");
    const boot = await bootstrap(services, {
      demo: config.BOOTSTRAP_DEMO ?? !(config.RPC_URL || config.RPC_URLS),
      adminApiKey: config.ADMIN_API_KEY,
      credentialsFile,
      log: componentLogger(log, "bootstrap"),
      adminDelay: adminDelayOf(config),
      production,
    });

    if (config.ANCHOR_INTERVAL_MS > 0) {
      await services.anchorer.ensureRole();
      services.anchorer.start(config.ANCHOR_INTERVAL_MS);
      cleanups.push(() => services.anchorer.stop());
    }

    let fatalHandler: (err: Error) => void = (err) => log.fatal({ err }, "the gateway cannot go on");
    cleanups.push(watchDatabase({ "gateway.db": db, "index.db": indexDb }, { intervalMs: 5_000, onFatal: (err) => fatalHandler(err) }));

    const { app } = createApp(services);
    const server = await listen(app, config.PORT, config.HOST);
    cleanups.push(() => closeServer(server));
    const { port } = server.address() as AddressInfo;
    const url = `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}`;
    log.info({ url, docs: `${url}/docs`, contracts: contracts.addresses, credentialsFile }, "gateway ready");
    // Warm the other keys up after the start, one at a time, so that an organisation's first write does not wait for it.
    keystore.unlockAll().catch((err) => log.error({ err: (err as Error).message }, "a key of the keystore cannot be unlocked"));

    return {
      url,
      docsUrl: `${url}/docs`,
      credentialsFile,
      generatedAdminKey: boot.generatedAdminKey,
      embeddedNode: node,
      onFatal: (handler) => {
        fatalHandler = handler;
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function listen(app: import("express").Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once("listening", () => resolve(server));
    server.once("error", reject);
  });
}

/** Stops accepting, lets requests in progress finish (bounded), then drops what is left. */
async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), 5_000);
  await closed;
  clearTimeout(timer);
}

/** KEYSTORE_PASSWORD, or for the embedded node a generated one kept in DATA_DIR (mode 0600). */
function keystorePassword(config: Config, log: Logger): string {
  const existing = existingKeystorePassword(config);
  if (existing) return existing;
  const file = path.join(config.DATA_DIR, "keystore-password");
  const generated = crypto.randomBytes(32).toString("base64url");
  writeFileAtomic(file, generated + "\n", 0o600);
  log.warn({ file }, "KEYSTORE_PASSWORD is not set: generated one (fine for a local demo; set it for anything else)");
  return generated;
}


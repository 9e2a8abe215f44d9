import path from "node:path";
import { ethers } from "hardhat";
import type { Express } from "express";
import type { Provider } from "ethers";
import type { DestinationStream } from "pino";
import { ensureDeployment, type DeploymentRecord } from "../../../scripts/lib/deployment";
import { createApp } from "../../../server/app";
import { bootstrap } from "../../../server/bootstrap/bootstrap";
import { ADMIN_ORG, OPERATOR_ORG } from "../../../server/bootstrap/demo";
import { connectContracts } from "../../../server/chain/contracts";
import { Keystore } from "../../../server/chain/key-store";
import { PipelineSigner } from "../../../server/chain/tx/pipeline-signer";
import { adminDelayOf, loadConfig, type Config } from "../../../server/config";
import { createServices, createTxStack, type GatewayServices } from "../../../server/core";
import { openDatabase, type Db } from "../../../server/db/connection";
import { openIndexDatabase } from "../../../server/indexer/gateway-index";
import { createLogger } from "../../../server/logger";
import { responseChecker } from "./openapi-check";
import { tempDir } from "./temp-dir";

export const TEST_ENV = {
  KEYSTORE_PASSWORD: "test-keystore-password",
  KEYSTORE_SCRYPT_N: "1024",
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
  CHAIN_POLL_INTERVAL_MS: "20",
  TX_REBROADCAST_MS: "2000",
  RATE_LIMIT_MAX: "100000",
  INDEXER_POLL_INTERVAL_MS: "20",
};

export interface TestGateway {
  app: Express;
  routes: { method: string; path: string }[];
  document: () => Record<string, unknown>;
  services: GatewayServices;
  config: Config;
  db: Db;
  dataDir: string;
  deployment: DeploymentRecord;
  /** API keys by organisation code (CITY-ADMIN and the demo organisations). */
  keys: Record<string, string>;
  /** Set when bootstrap generated the administrator's key on this start. */
  generatedAdminKey?: string;
  auth: (org: string) => { Authorization: string };
  /** Stops the indexer and the tracker and closes the databases (the chain stays). */
  stop: () => Promise<void>;
}

/**
 * A gateway as `npm start` builds it, but on Hardhat's in-process network and a temporary DATA_DIR: deployment
 * through the pipeline, the administrator and the demo organisations bootstrapped, each with an API key.
 * Pass `dataDir` of an earlier gateway to get "the same gateway after a restart".
 */
export async function startTestGateway(
  options: { env?: Record<string, string>; dataDir?: string; provider?: Provider; logTo?: DestinationStream; adminApiKey?: string } = {},
): Promise<TestGateway> {
  const dataDir = options.dataDir ?? tempDir("cal-gateway-");
  const config = loadConfig({ ...TEST_ENV, DATA_DIR: dataDir, ...options.env });
  const log = createLogger(config.LOG_LEVEL, options.logTo);
  const provider = options.provider ?? ethers.provider;
  const db = openDatabase(path.join(dataDir, "gateway.db"));
  const keystore = await Keystore.open({ dir: path.join(dataDir, "keystore"), password: config.KEYSTORE_PASSWORD!, scryptN: config.KEYSTORE_SCRYPT_N, log });
  const adminWallet = await keystore.ensure(ADMIN_ORG.code);
  const stack = createTxStack({ db, provider, log, config });
  stack.repos.idempotency.releaseOrphans();
  await stack.tracker.recover();
  stack.tracker.start();
  const deployment = await ensureDeployment({ signer: new PipelineSigner(adminWallet, stack.pipeline, ADMIN_ORG.code, provider), dataDir });
  const indexDb = openIndexDatabase(path.join(dataDir, "index.db"));
  const services = createServices({
    stack,
    contracts: connectContracts(deployment, provider),
    keystore,
    admin: { orgCode: ADMIN_ORG.code, wallet: adminWallet },
    operators: {
      governor: { orgCode: OPERATOR_ORG.code, wallet: await keystore.ensure(OPERATOR_ORG.code) },
      anchorer: { orgCode: OPERATOR_ORG.code, wallet: await keystore.ensure(OPERATOR_ORG.anchorAlias) },
    },
    log,
    config,
    indexDb,
  });
  services.index.start();
  services.webhooks.start();
  const boot = await bootstrap(services, { demo: true, credentialsFile: path.join(dataDir, "credentials.json"), log, adminApiKey: options.adminApiKey, adminDelay: adminDelayOf(config) });
  const keys = Object.fromEntries(Object.entries(boot.credentials.organizations).map(([code, c]) => [code, c.apiKey!]));
  if (options.adminApiKey) keys["CITY-ADMIN"] = options.adminApiKey;
  const checked: { document?: () => Record<string, unknown> } = {};
  const { app, routes, document } = createApp(services, { checkResponse: responseChecker(() => checked.document!()) });
  checked.document = document;
  return {
    app,
    routes,
    document,
    services,
    config,
    db,
    dataDir,
    deployment,
    keys,
    generatedAdminKey: boot.generatedAdminKey,
    auth: (org) => ({ Authorization: `Bearer ${keys[org]}` }),
    stop: async () => {
      await services.webhooks.stop();
      await services.index.stop();
      await stack.tracker.stop();
      indexDb.close();
      db.close();
    },
  };
}

/** Unique organisation codes per test, so tests do not depend on each other's chain state. */
let counter = 0;
export const uniqueCode = (prefix = "ORG"): string => `${prefix}-${Date.now().toString(36).toUpperCase()}-${(counter++).toString(36).toUpperCase()}`.slice(0, 31);

import fs from "node:fs";
import type { Config } from "./config";
import { EmbeddedNode } from "./chain/anvil";
import { acquireDataDirLock } from "./data-dir-lock";
import { componentLogger, type Logger } from "./logger";

/**
 * The embedded node, started before the rest of the gateway is loaded. anvil parses its whole state dump before it
 * answers (about 3 s for 50,000 datasets, 9 s for the full city year's 530 MB) and loading the gateway's modules takes
 * another half second or more: side by side, a restart waits for the longer of the two instead of their sum. The
 * DATA_DIR lock is taken first, as before, so a second gateway on the same DATA_DIR still starts no node.
 */
export interface EarlyNode {
  node: EmbeddedNode;
  /** Settles when the node answers (or could not be started); never left unhandled. */
  started: Promise<void>;
  releaseLock: () => void;
}

/** Undefined when the gateway runs against RPC_URL(S) and starts no node. */
export function startEmbeddedNodeEarly(config: Config, log: Logger): EarlyNode | undefined {
  if (config.RPC_URL || config.RPC_URLS) return undefined;
  fs.mkdirSync(config.DATA_DIR, { recursive: true, mode: 0o700 });
  const releaseLock = acquireDataDirLock(config.DATA_DIR);
  const node = embeddedNodeFor(config, log);
  const started = node.start();
  started.catch(() => undefined); // awaited by startGateway; a failure is reported there
  return { node, started, releaseLock };
}

/** Stops an early node whatever became of its start, then releases the lock (the gateway never got to run). */
export async function stopEarlyNode(early: EarlyNode | undefined): Promise<void> {
  if (!early) return;
  await early.started.catch(() => undefined);
  await early.node.stop();
  early.releaseLock();
}

export function embeddedNodeFor(config: Config, log: Logger): EmbeddedNode {
  return new EmbeddedNode({
    port: config.CHAIN_PORT,
    dataDir: config.DATA_DIR,
    stateIntervalSeconds: config.CHAIN_STATE_INTERVAL,
    blockPeriodMs: config.CHAIN_BLOCK_PERIOD_MS,
    historyBlocks: config.CHAIN_HISTORY_BLOCKS,
    log: componentLogger(log, "embedded-node"),
  });
}

import fs from "node:fs";
import path from "node:path";
import { ADMIN_ORG, OPERATOR_ORG } from "./bootstrap/demo";
import { prefetchScrypt } from "./chain/scrypt-prefetch";
import type { Config } from "./config";

/**
 * The keys a start unlocks before its API opens: only the one that proves the password, the administrator's
 * (embedded node; a production gateway holds none) or the governor's. The operator's keys sign later and unlock
 * then (Keystore.signer), or in the warm-up after the start: two more scrypt derivations beside the code's loading
 * made `npm start` again 0.8 s slower on 2 cores (3.3-3.8 s against 4.2-4.6 s to /ready).
 */
export function startKeyAliases(production: boolean): string[] {
  return production ? [OPERATOR_ORG.code] : [ADMIN_ORG.code];
}

/** KEYSTORE_PASSWORD, or the one an earlier start generated into DATA_DIR; undefined when there is neither yet. */
export function existingKeystorePassword(config: Config): string | undefined {
  if (config.KEYSTORE_PASSWORD) return config.KEYSTORE_PASSWORD;
  const file = path.join(config.DATA_DIR, "keystore-password");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : undefined;
}

/**
 * Starts deriving the start's keys (scrypt, on the thread pool) before the gateway's code is loaded: on a restart
 * they are ready, or nearly, when the keystore opens. Returns how many were started (none on a first start).
 */
export function prefetchStartKeys(config: Config): number {
  const password = existingKeystorePassword(config);
  if (!password) return 0;
  return prefetchScrypt(path.join(config.DATA_DIR, "keystore"), password, startKeyAliases(Boolean(config.RPC_URLS ?? config.RPC_URL)));
}

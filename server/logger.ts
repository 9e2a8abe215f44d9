import pino, { type DestinationStream, type Logger } from "pino";
import { currentRequestContext } from "./context";

export type { Logger };

/**
 * Paths pino blanks out wherever they appear. Keys, passwords and private keys must never reach a log line, even
 * when a whole config, request or error object is logged.
 */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  "*.authorization",
  "*.apiKey",
  "*.api_key",
  "*.password",
  "*.privateKey",
  "*.private_key",
  "*.secret",
  "*.mnemonic",
  "*.ADMIN_API_KEY",
  "*.ADMIN_PRIVATE_KEY",
  "*.KEYSTORE_PASSWORD",
  "apiKey",
  "password",
  "privateKey",
];

/**
 * The root logger. Every line written during a request carries its request id (taken from the async context, so
 * services and the transaction pipeline need not pass it around).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "city-asset-ledger-gateway" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin() {
        const ctx = currentRequestContext();
        return ctx ? { reqId: ctx.requestId } : {};
      },
    },
    destination,
  );
}

/** A child logger for one component (`tx-tracker`, `keystore`, …). */
export const componentLogger = (root: Logger, component: string): Logger => root.child({ component });

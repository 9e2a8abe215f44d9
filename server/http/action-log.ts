import type { NextFunction, Request, Response } from "express";
import { currentRequestContext } from "../context";
import type { Logger } from "../logger";
import { requestHashOfBody, type ActionLogService } from "../services/action-log";
import type { Principal } from "../services/principal";

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The action log's view of every authenticated write request: who (organisation and key id, never the key), what
 * (method, route and the hash of the body) and when.
 *
 * A request that reaches the chain is logged by the pipeline, in the same database transaction as its outbox rows
 * and before anything is sent, naming every transaction (so a client that disconnects, or a gateway that crashes,
 * cannot leave a chain write without its entry). A request refused before that is logged here once answered, with
 * the status: an auditor wants the attempts as well as the effects.
 */
export function recordActions(actionLog: ActionLogService, log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const principal = res.locals.principal as Principal | undefined;
    const context = currentRequestContext();
    if (!WRITES.has(req.method) || !req.path.startsWith("/v1/") || !principal || !context) return next();
    const at = new Date().toISOString();
    // Read when the request submits, once the route (and so the action's name) is known.
    const actor = () => {
      // A relayed request (POST /v1/signed-requests) is known by the account that signed it and its signature.
      const relayed = res.locals.relayed as { signer: string; signature: string } | undefined;
      return {
        at,
        org: principal.orgCode,
        apiKeyId: principal.keyId,
        action: `${req.method} ${routeOf(req)}`,
        requestHash: requestHashOfBody(req.body),
        ...(relayed ? { signer: relayed.signer, signature: relayed.signature } : {}),
      };
    };
    context.actor = actor;
    res.once("finish", () => {
      if (context.submissions?.length) return; // logged with its transactions already
      try {
        actionLog.append({ ...actor(), status: res.statusCode, txHash: null });
      } catch (err) {
        log.error({ err }, "could not append to the action log");
      }
    });
    next();
  };
}

const routeOf = (req: Request): string => (req.route ? `${req.baseUrl}${String(req.route.path)}` : req.path);

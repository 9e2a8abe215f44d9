import type { NextFunction, Request, Response } from "express";
import type { Logger } from "../logger";
import type { ActionLogService } from "../services/action-log";
import type { Principal } from "../services/principal";

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The transaction hash of a write's answer, wherever the answer carries it (success, 202, or a mined failure). */
function txHashOf(body: unknown): string | null {
  const b = body as { transaction?: { hash?: string | null }; error?: { details?: { transaction?: { hash?: string | null } } } } | undefined;
  return b?.transaction?.hash ?? b?.error?.details?.transaction?.hash ?? null;
}

/**
 * Appends every authenticated write request to the action log once it has been answered: who (organisation and
 * key id, never the key), what (method, route and the hash of the body), when, the status answered and the
 * resulting transaction. Refused requests are logged too: an auditor wants the attempts as well as the effects.
 */
export function recordActions(actionLog: ActionLogService, log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!WRITES.has(req.method) || !req.path.startsWith("/v1/")) return next();
    const at = new Date();
    let answered: unknown;
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      answered = body;
      return json(body);
    };
    res.once("finish", () => {
      const principal = res.locals.principal as Principal | undefined;
      if (!principal) return; // unauthenticated: no one to attribute it to
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : req.path;
      try {
        actionLog.record({
          principal,
          action: `${req.method} ${route}`,
          body: req.body,
          at,
          status: res.statusCode,
          txHash: txHashOf(answered),
          relayed: res.locals.relayed as { signer: string; signature: string } | undefined,
        });
      } catch (err) {
        log.error({ err }, "could not append to the action log");
      }
    });
    next();
  };
}

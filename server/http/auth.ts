import type { RequestHandler } from "express";
import type { ApiKeyService } from "../services/api-keys";

const BEARER = /^Bearer[ \t]+([\x21-\x7e]{1,512})$/i;

/**
 * Identifies the caller from `Authorization: Bearer <key>` and leaves it in `res.locals.principal`. It never refuses
 * by itself: each operation decides (public ones ignore keys; the others answer 401/403), and the rate limiter
 * keys on the identified client, or on the IP address for everybody else.
 */
export function identify(apiKeys: ApiKeyService): RequestHandler {
  return (req, res, next) => {
    const header = req.get("authorization");
    const match = header ? BEARER.exec(header.trim()) : null;
    if (match) {
      const principal = apiKeys.authenticate(match[1]);
      if (principal) res.locals.principal = principal;
    }
    next();
  };
}

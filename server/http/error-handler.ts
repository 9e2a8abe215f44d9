import type { ErrorRequestHandler, RequestHandler } from "express";
import { isChainUnreachable } from "../chain/chain-errors";
import { ApiError, BadRequestError, ChainUnavailableError, InternalError, NotFoundError, PayloadTooLargeError } from "../errors";
import type { Logger } from "../logger";

/** Unknown paths answer in the error shape too. */
export const notFound: RequestHandler = (req) => {
  throw new NotFoundError("ROUTE_NOT_FOUND", `No operation ${req.method} ${req.path}`);
};

/**
 * The one place errors become HTTP answers: `{ "error": { "code", "message", "details" } }`. Typed errors keep their
 * status and code; body-parser failures become 400/413; an unreachable chain 503; anything else 500 (logged with its
 * stack, answered without it).
 */
export function errorHandler(log: Logger, bodyLimit: string): ErrorRequestHandler {
  return (err, req, res, next) => {
    let apiError: ApiError;
    const type = (err as { type?: string })?.type;
    if (err instanceof ApiError) apiError = err;
    else if (type === "entity.parse.failed") apiError = new BadRequestError("MALFORMED_JSON", "The request body is not valid JSON");
    else if (type === "entity.too.large") apiError = new PayloadTooLargeError(bodyLimit);
    else if (type === "encoding.unsupported" || type === "charset.unsupported")
      apiError = new BadRequestError("UNSUPPORTED_ENCODING", "Unsupported body encoding or charset; send UTF-8 JSON");
    else if (isChainUnreachable(err)) apiError = new ChainUnavailableError();
    else apiError = new InternalError();

    const reqLog = (req as { log?: Logger }).log ?? log;
    if (apiError.status >= 500 && !(err instanceof ApiError)) reqLog.error({ err }, "request failed");
    else if (apiError.status >= 500) reqLog.warn({ code: apiError.code }, apiError.message);

    if (res.headersSent) return next(err);
    if (apiError.status === 429) {
      const retry = (apiError.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (retry && !res.getHeader("retry-after")) res.setHeader("Retry-After", String(retry));
    }
    // details is always an object: empty when there is nothing to add, wrapped when a thrower gave something else.
    const details = apiError.details;
    res.status(apiError.status).json({
      error: {
        code: apiError.code,
        message: apiError.message,
        details: details === undefined || details === null ? {} : typeof details === "object" && !Array.isArray(details) ? details : { value: details },
      },
    });
  };
}

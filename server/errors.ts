/**
 * Typed errors of the gateway. Each carries its HTTP status and a stable machine-readable code; the one error
 * middleware (server/http/error-handler.ts) turns any of them into `{ "error": { "code", "message", "details" } }`.
 * Services throw these without knowing about Express.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request itself is wrong (validation, malformed JSON, bad hex, overflowing amounts). */
export class BadRequestError extends ApiError {
  constructor(code: string, message: string, details?: unknown) {
    super(400, code, message, details);
  }
}

/** 400 produced from zod issues; `details.issues` lists each problem with its location. */
export class ValidationError extends BadRequestError {
  constructor(
    readonly location: "body" | "query" | "params" | "headers",
    issues: { path: string; message: string; code: string }[],
  ) {
    super("VALIDATION_FAILED", `Invalid request ${location}: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`, {
      location,
      issues,
    });
  }
}

export class PayloadTooLargeError extends ApiError {
  constructor(limit: string) {
    super(413, "PAYLOAD_TOO_LARGE", `Request body larger than the limit of ${limit}`, { limit });
  }
}

/** 415: a body that is not JSON (a form, plain text): the API speaks JSON only (and raw bytes where an upload says so). */
export class UnsupportedMediaTypeError extends ApiError {
  constructor(contentType: string | undefined) {
    super(415, "UNSUPPORTED_MEDIA_TYPE", "Send the request body as JSON (Content-Type: application/json)", { contentType: contentType ?? null });
  }
}

export class UnauthorizedError extends ApiError {
  constructor(message = "A valid API key is required (Authorization: Bearer <key>)") {
    super(401, "UNAUTHENTICATED", message);
  }
}

export class ForbiddenError extends ApiError {
  constructor(code: string, message: string, details?: unknown) {
    super(403, code, message, details);
  }
}

export class MissingScopeError extends ForbiddenError {
  constructor(scope: string) {
    super("MISSING_SCOPE", `This API key lacks the scope "${scope}"`, { requiredScope: scope });
  }
}

export class NotFoundError extends ApiError {
  constructor(code: string, message: string, details?: unknown) {
    super(404, code, message, details);
  }
}

/** 409: the request conflicts with the current state (on chain or in the gateway). */
export class ConflictError extends ApiError {
  constructor(code: string, message: string, details?: unknown) {
    super(409, code, message, details);
  }
}

/** 422: well-formed, but a rule refuses it (a contract's custom error, an idempotency key reused with another body). */
export class UnprocessableError extends ApiError {
  constructor(code: string, message: string, details?: unknown) {
    super(422, code, message, details);
  }
}

export class RateLimitedError extends ApiError {
  constructor(retryAfterSeconds: number) {
    super(429, "RATE_LIMITED", "Too many requests; slow down", { retryAfterSeconds });
  }
}

/** 502: the node answered but refused the signed transaction (a node policy, not a contract rule). */
export class ChainRejectedError extends ApiError {
  constructor(message: string, details?: unknown) {
    super(502, "CHAIN_REJECTED", message, details);
  }
}

/** 503: the chain cannot be reached (or did not answer in time). Nothing was accepted. */
export class ChainUnavailableError extends ApiError {
  constructor(message = "The chain node cannot be reached; try again later", details?: unknown) {
    super(503, "CHAIN_UNAVAILABLE", message, details);
  }
}

export class InternalError extends ApiError {
  constructor(message = "Internal error") {
    super(500, "INTERNAL", message);
  }
}

import type { OpenAPIRegistry, ResponseConfig } from "@asteasolutions/zod-to-openapi";
import type { Express, Request, Response } from "express";
import type { ZodObject, ZodType } from "zod";
import type { SubmitOutcome } from "../chain/tx/pipeline";
import { MissingScopeError, UnauthorizedError, UnsupportedMediaTypeError, ValidationError } from "../errors";
import type { Principal } from "../services/principal";
import type { Scope } from "../services/scopes";
import { AcceptedResponse, ErrorBody, writeResponse } from "../routes/schemas/common";
import { PreparedRequest } from "../routes/schemas/signed-requests";
import { z } from "./zod";
import { clientSigningPreference, type ClientSigningHandler } from "./client-signing";
import type { IdempotencyHandler } from "./idempotency";

/** What a handler returns: a plain answer, or an accepted chain write whose answer follows its transaction. */
export type Outcome =
  | { status: number; body: unknown; headers?: Record<string, string> }
  /** `successStatus` overrides the route's (a relayed request answers with the status of the call it performs). */
  | { submission: SubmitOutcome; successStatus?: number };

export interface HandlerContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The caller (always set on authenticated routes). */
  principal: Principal;
  /** The idempotency claim of this request, to link with the submission in the outbox transaction. */
  idempotency?: { orgCode: string; key: string };
}

type Method = "get" | "post" | "delete";

export interface RouteSpec<P extends ZodObject | undefined, Q extends ZodObject | undefined, B extends ZodType | undefined> {
  method: Method;
  /** OpenAPI form, e.g. `/v1/participants/{org}`; Express gets `:org`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Required scope; `null` for the public operations (health, readiness, documentation). */
  scope: Scope | null;
  params?: P;
  query?: Q;
  body?: B;
  /** Success answer. For chain writes `schema` is the result; the answer wraps it with its transaction. */
  success: { status: number; description: string; schema: ZodType };
  /** Further success statuses answered with the same schema (a relayed write answers with its own status). */
  alsoSuccess?: { status: number; description: string }[];
  /** A chain write: waits until mined, or answers 202 with `Prefer: respond-async` / on timeout. */
  chainWrite?: boolean;
  /** A POST that changes nothing (a query with a body): no Idempotency-Key bookkeeping. */
  readOnly?: boolean;
  /**
   * What the idempotency store keeps of a success answer, when not all of it (a secret shown once is never stored:
   * a replay answers without it).
   */
  storedAnswer?: (body: unknown) => unknown;
  /** Also accepts the raw bytes of a file (application/octet-stream) instead of the JSON body; the handler reads `req`. */
  upload?: { description: string };
  /**
   * The handler writes the answer itself (Server-Sent Events) and resolves when the connection ends; `success.schema`
   * documents one event's data and `streamContentType` the media type.
   */
  stream?: { contentType: string };
  /** Error statuses this operation documents (401/403 are added on authenticated routes, 429 on all). */
  errors: number[];
  handler: (ctx: HandlerContext<Infer<P>, Infer<Q>, Infer<B>>, req: Request, res: Response) => Promise<Outcome>;
}

type Infer<T> = T extends ZodType ? z.output<T> : undefined;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request (validation, malformed JSON, bad hex, amount overflow)",
  401: "Missing or invalid API key",
  403: "The API key lacks the scope, or the organisation lacks the on-chain role",
  404: "Not found",
  409: "Conflicts with the current state (on chain or an idempotent request in progress)",
  413: "Request body too large",
  415: "The body is not JSON (send Content-Type: application/json)",
  422: "Refused by a contract rule, or Idempotency-Key reused with another body",
  429: "Rate limit exceeded",
  502: "The node refused the transaction",
  503: "The chain is unreachable",
};

export const IDEMPOTENCY_HEADER = "idempotency-key";

/** Registers routes on Express and in the OpenAPI registry from one definition, so the two cannot drift apart. */
export class RouteBuilder {
  readonly routes: { method: Method; path: string }[] = [];

  constructor(
    private readonly app: Express,
    private readonly registry: OpenAPIRegistry,
    private readonly idempotency: IdempotencyHandler,
    private readonly clientSigning?: ClientSigningHandler,
    /** Awaited before a chain write's checks: resolves when the chain holds every earlier accepted write, or throws 503. */
    private readonly chainGate?: () => Promise<void>,
  ) {}

  add<P extends ZodObject | undefined, Q extends ZodObject | undefined, B extends ZodType | undefined>(spec: RouteSpec<P, Q, B>): void {
    this.document(spec);
    this.routes.push({ method: spec.method, path: spec.path });
    const expressPath = spec.path.replace(/\{(\w+)\}/g, ":$1");
    const isWrite = spec.method !== "get";

    this.app[spec.method](expressPath, async (req: Request, res: Response) => {
      const principal = res.locals.principal as Principal | undefined;
      if (spec.scope !== null) {
        if (!principal) throw new UnauthorizedError();
        if (principal.refusal) throw principal.refusal;
        if (!principal.scopes.has(spec.scope)) throw new MissingScopeError(spec.scope);
      }
      const isUploadBody = spec.upload !== undefined && req.is("application/octet-stream") === "application/octet-stream";
      if (hasBody(req) && !isUploadBody && !req.is(["application/json", "application/*+json"])) {
        throw new UnsupportedMediaTypeError(req.get("content-type"));
      }
      const params = parse(spec.params, req.params, "params");
      const query = parse(spec.query, req.query, "query");
      const body = isUploadBody ? undefined : spec.body ? parse(spec.body, req.body, "body") : checkNoBody(req);
      const ctx = { params, query, body, principal: principal! } as HandlerContext<Infer<P>, Infer<Q>, Infer<B>>;
      if (spec.stream) {
        await spec.handler(ctx, req, res);
        return;
      }

      if (spec.chainWrite && this.chainGate) await this.chainGate();
      const signing = spec.chainWrite && principal && this.clientSigning ? clientSigningPreference(req) : undefined;
      const answer = signing
        ? // Prefer: sign=client: nothing is sent, so there is nothing to make idempotent.
          await this.clientSigning!.answer(principal!, signing, spec.success.status, () => spec.handler(ctx, req, res))
        : isWrite && principal && !spec.readOnly
          ? await this.idempotency.run(
              req,
              principal,
              spec.success.status,
              (claim) => spec.handler({ ...ctx, idempotency: claim }, req, res),
              spec.storedAnswer,
            )
          : await this.idempotency.plain(req, () => spec.handler(ctx, req, res));
      // A handler that streams a non-JSON answer (a PDF) has already sent it.
      if (res.headersSent) return;
      for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
      res.status(answer.status).json(answer.body);
    });
  }

  private document(spec: RouteSpec<ZodObject | undefined, ZodObject | undefined, ZodType | undefined>): void {
    const responses: Record<string, ResponseConfig> = {};
    const json = (schema: ZodType) => ({ "application/json": { schema } });
    const successSchema = spec.chainWrite
      ? writeResponse(spec.success.schema, `${capitalise(spec.operationId)}Response`)
      : spec.success.schema;
    responses[spec.success.status] = {
      description: spec.success.description,
      content: spec.stream ? { [spec.stream.contentType]: { schema: successSchema } } : json(successSchema),
    };
    for (const other of spec.alsoSuccess ?? []) responses[other.status] = { description: other.description, content: json(successSchema) };
    if (spec.chainWrite) {
      // Prefer: sign=client answers 200 with the ForwardRequest to sign instead of performing the write.
      responses[200] =
        spec.success.status === 200
          ? { ...responses[200], content: json(z.union([successSchema, PreparedRequest])) }
          : { description: "Prefer: sign=client: the EIP-712 ForwardRequest that performs this write, to sign and post to /v1/signed-requests", content: json(PreparedRequest) };
      responses[202] = {
        description: "Accepted (Prefer: respond-async, or not mined in time); follow the Location header",
        headers: z.object({ Location: z.string().openapi({ example: "/v1/transactions/tx_…" }) }),
        content: json(AcceptedResponse),
      };
    }
    const errorStatuses = new Set(spec.errors);
    if (spec.scope !== null) {
      errorStatuses.add(401);
      errorStatuses.add(403);
    }
    // Every operation refuses unknown query parameters (400) and a body that is not JSON (415).
    errorStatuses.add(400);
    errorStatuses.add(415);
    if (spec.body) errorStatuses.add(413);
    if (spec.method !== "get" && !spec.readOnly) errorStatuses.add(422);
    // Any chain write may meet the emergency brake (409 SYSTEM_PAUSED) or another state conflict.
    if (spec.chainWrite) errorStatuses.add(409);
    errorStatuses.add(429);
    for (const status of [...errorStatuses].sort()) {
      responses[status] = { description: ERROR_DESCRIPTIONS[status] ?? "Error", content: json(ErrorBody) };
    }

    const headers: Record<string, ZodType> = {};
    if (spec.method !== "get" && !spec.readOnly) {
      headers[IDEMPOTENCY_HEADER] = z
        .string()
        .optional()
        .openapi({ description: "Same key + same body returns the first answer (also after a restart); same key + another body is 422" });
    }
    if (spec.chainWrite) {
      headers.prefer = z.string().optional().openapi({
        description:
          "respond-async: answer 202 at once with the transaction link. sign=client (optionally `; from=0x…`): send nothing; answer 200 with the " +
          "EIP-712 ForwardRequest (SignedRequestTypedData) that performs this write, for the caller's account to sign and post to /v1/signed-requests; " +
          "422 NOT_ONE_CALL when the write needs several transactions (a signed request carries one: split it)",
        example: "respond-async",
      });
    }

    this.registry.registerPath({
      method: spec.method,
      path: spec.path,
      operationId: spec.operationId,
      summary: spec.summary,
      description: spec.description,
      tags: spec.tags,
      security: spec.scope === null ? [] : [{ bearer: [] }],
      ...(spec.scope ? { "x-required-scope": spec.scope } : {}),
      request: {
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.query ? { query: spec.query } : {}),
        ...(Object.keys(headers).length ? { headers: z.object(headers) } : {}),
        ...(spec.body
          ? {
              body: {
                required: true,
                content: {
                  ...json(spec.body),
                  ...(spec.upload
                    ? { "application/octet-stream": { schema: { type: "string", format: "binary", description: spec.upload.description } } }
                    : {}),
                },
              },
            }
          : {}),
      },
      responses,
    });
  }
}

function parse(schema: ZodType | undefined, value: unknown, location: "params" | "query" | "body"): unknown {
  if (!schema) {
    if (location === "query" && value && typeof value === "object" && Object.keys(value).length > 0) {
      throw new ValidationError("query", Object.keys(value).map((k) => ({ path: k, message: "unknown query parameter", code: "unrecognized_keys" })));
    }
    return undefined;
  }
  const result = schema.safeParse(value ?? (location === "body" ? undefined : {}));
  if (result.success) return result.data;
  throw new ValidationError(
    location,
    result.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.code === "unrecognized_keys" ? `unknown field(s): ${(issue as { keys: string[] }).keys.join(", ")}` : issue.message,
      code: issue.code,
    })),
  );
}

/** Whether the request carries a body at all (a length, or chunked), whatever its type. */
function hasBody(req: Request): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

/** Operations without a body refuse one rather than silently ignore it. */
function checkNoBody(req: Request): undefined {
  const body = req.body as unknown;
  if (body !== undefined && !(typeof body === "object" && body !== null && Object.keys(body).length === 0)) {
    throw new ValidationError("body", [{ path: "", message: "this operation takes no body", code: "unrecognized_keys" }]);
  }
  return undefined;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

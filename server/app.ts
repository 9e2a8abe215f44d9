import { ChainUnavailableError } from "./errors";
import crypto from "node:crypto";
import { OpenAPIRegistry, OpenApiGeneratorV3 } from "@asteasolutions/zod-to-openapi";
import express, { type Express } from "express";
import helmet from "helmet";
import { pinoHttp } from "pino-http";
import swaggerUi from "swagger-ui-express";
import { runWithRequestContext } from "./context";
import type { GatewayServices } from "./core";
import { recordActions } from "./http/action-log";
import { identify } from "./http/auth";
import { errorHandler, notFound } from "./http/error-handler";
import { ClientSigningHandler } from "./http/client-signing";
import { IdempotencyHandler } from "./http/idempotency";
import { clientRateLimit } from "./http/rate-limit";
import { RouteBuilder } from "./http/route";
import { WriteResponder } from "./http/writes";
import { componentLogger } from "./logger";
import { accountRoutes } from "./routes/accounts";
import { apiKeyRoutes } from "./routes/api-keys";
import { auditRoutes } from "./routes/audit";
import { auditLogRoutes } from "./routes/audit-log";
import { carbonRoutes } from "./routes/carbon";
import { datasetRoutes } from "./routes/datasets";
import { eventRoutes } from "./routes/events";
import { marketRoutes } from "./routes/market";
import { metadataRoutes } from "./routes/metadata";
import { exchangeRoutes } from "./routes/exchange";
import { licenceRoutes } from "./routes/licences";
import { operationRoutes } from "./routes/operations";
import { participantRoutes } from "./routes/participants";
import { governanceRoutes } from "./routes/governance";
import { portalRoutes } from "./routes/portal";
import { servePortal } from "./portal-server/static";
import { publicRpcUrl } from "./config";
import { settlementRoutes } from "./routes/settlement";
import { signedRequestRoutes } from "./routes/signed-requests";
import { SHARED_COMPONENTS } from "./routes/schemas/common";
import { SCOPE_DESCRIPTIONS } from "./services/scopes";

export interface GatewayApp {
  app: Express;
  /** Every operation registered, in OpenAPI path form (a test checks each is in the document). */
  routes: { method: string; path: string }[];
  document: () => Record<string, unknown>;
}

const REQUEST_ID = /^[\w.:-]{1,100}$/;

export interface AppOptions {
  /**
   * Called with every JSON answer and the operation it answers (OpenAPI path form; undefined when no route matched).
   * The test suite checks each against the OpenAPI document.
   */
  checkResponse?: (method: string, path: string | undefined, status: number, body: unknown) => void;
}

/** The Express application over the given services. Tests build it against Hardhat's in-process network. */
export function createApp(s: GatewayServices, options: AppOptions = {}): GatewayApp {
  const app = express();
  const log = componentLogger(s.log, "http");
  app.disable("x-powered-by");
  app.set("trust proxy", s.config.TRUST_PROXY);
  app.set("query parser", "simple");

  // Request id first, so every later log line (pino-http's and the services') carries it.
  app.use((req, res, next) => {
    const incoming = req.get("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    res.setHeader("X-Request-Id", requestId);
    (req as { id?: string }).id = requestId;
    runWithRequestContext({ requestId }, next);
  });
  const checkResponse = options.checkResponse;
  if (checkResponse) {
    app.use((req, res, next) => {
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        const route = (req.route as { path?: string } | undefined)?.path;
        checkResponse(req.method.toLowerCase(), route?.replace(/:(\w+)/g, "{$1}"), res.statusCode, body);
        return json(body);
      };
      next();
    });
  }
  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req) => (req as { id?: string }).id ?? crypto.randomUUID(),
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info"),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        // Swagger UI loads its own scripts and styles from /docs and fetches /openapi.json; nothing else is needed.
        // No upgrade-insecure-requests: the gateway serves plain HTTP on 127.0.0.1 by default.
        // The portal is served from 'self' too; its certificate page reads the public node (PUBLIC_RPC_URL) directly.
        directives: {
          upgradeInsecureRequests: null,
          "img-src": ["'self'", "data:"],
          "connect-src": ["'self'", new URL(publicRpcUrl(s.config)).origin],
        },
      },
    }),
  );
  app.use(express.json({ limit: s.config.BODY_LIMIT, strict: true, type: ["application/json", "application/*+json"] }));
  app.use(identify(s.apiKeys));
  app.use(recordActions(s.actionLog, componentLogger(s.log, "action-log")));
  app.use(clientRateLimit({ windowMs: s.config.RATE_LIMIT_WINDOW_MS, limit: s.config.RATE_LIMIT_MAX }));

  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key: Authorization: Bearer <key>",
  });
  for (const [name, schema] of Object.entries(SHARED_COMPONENTS)) registry.register(name, schema);
  const writes = new WriteResponder(s.stack.pipeline, s.transactions, s.config.TX_WAIT_TIMEOUT_MS, s.index);
  const routes = new RouteBuilder(
    app,
    registry,
    new IdempotencyHandler(s.stack.repos.idempotency, writes, s.transactions),
    new ClientSigningHandler(s.relay, s.contracts),
    async () => {
      // After a node restart the outbox sends again what the chain lost; a write checked before that would read a
      // chain without the earlier writes (a dataset accepted before the restart "not found").
      if (!(await s.stack.tracker.whenRecovered(Math.min(s.config.TX_WAIT_TIMEOUT_MS, 10_000)))) {
        throw new ChainUnavailableError("The node restarted; the transactions it lost are being sent again. Try again shortly", { reason: "recovering" });
      }
    },
  );

  let cached: Record<string, unknown> | undefined;
  const document = () =>
    (cached ??= new OpenApiGeneratorV3(registry.definitions).generateDocument({
      openapi: "3.0.3",
      info: {
        title: "City Asset Ledger gateway",
        version: "1.0.0",
        description:
          "Datasets as tokenized assets and a carbon-credit registry on a permissioned EVM chain. Writes wait until mined " +
          "(or answer 202 with `Prefer: respond-async`); every write accepts `Idempotency-Key`. Amounts are decimal strings.\n\n" +
          "Scopes:\n" +
          Object.entries(SCOPE_DESCRIPTIONS)
            .map(([scope, text]) => `- \`${scope}\`: ${text}`)
            .join("\n"),
      },
    }) as unknown as Record<string, unknown>);

  operationRoutes(routes, s, document);
  participantRoutes(routes, s);
  governanceRoutes(routes, s);
  apiKeyRoutes(routes, s);
  datasetRoutes(routes, s);
  carbonRoutes(routes, s);
  marketRoutes(routes, s);
  exchangeRoutes(routes, s);
  licenceRoutes(routes, s);
  settlementRoutes(routes, s);
  accountRoutes(routes, s);
  auditLogRoutes(routes, s);
  auditRoutes(routes, s);
  signedRequestRoutes(routes, s);
  eventRoutes(routes, s);
  metadataRoutes(routes, s);
  portalRoutes(routes, s);

  app.use(
    "/docs",
    swaggerUi.serve,
    swaggerUi.setup(undefined, { swaggerOptions: { url: "/openapi.json", validatorUrl: null }, customSiteTitle: "City Asset Ledger API" }),
  );
  servePortal(app);
  app.use(notFound);
  app.use(errorHandler(log, s.config.BODY_LIMIT));

  return { app, routes: routes.routes, document };
}

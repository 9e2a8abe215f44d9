import type { GatewayServices } from "../core";
import type { RouteBuilder } from "../http/route";
import { z } from "../http/zod";
import { SCOPE } from "../services/scopes";
import { Transaction } from "./schemas/common";

const Health = z.object({ status: z.literal("ok"), uptimeSeconds: z.number() }).openapi("Health");
const Check = z.object({ ok: z.boolean(), details: z.unknown().optional() });
const Ready = z.object({ status: z.literal("ready"), checks: z.record(z.string(), Check) }).openapi("Ready");

export function operationRoutes(routes: RouteBuilder, s: GatewayServices, getDocument: () => unknown): void {
  const started = Date.now();

  routes.add({
    method: "get",
    path: "/health",
    operationId: "health",
    summary: "Liveness: the process answers (no auth)",
    tags: ["operations"],
    scope: null,
    success: { status: 200, description: "Alive", schema: Health },
    errors: [],
    handler: async () => ({ status: 200, body: { status: "ok", uptimeSeconds: Math.round((Date.now() - started) / 1000) } }),
  });

  routes.add({
    method: "get",
    path: "/ready",
    operationId: "ready",
    summary: "Readiness: the chain answers and the event index is at most INDEXER_MAX_LAG blocks behind (no auth)",
    tags: ["operations"],
    scope: null,
    success: { status: 200, description: "Ready", schema: Ready },
    errors: [503],
    handler: async () => {
      const results = await Promise.all(s.readiness.map(async (c) => [c.name, await runCheck(c.check)] as const));
      const checks = Object.fromEntries(results);
      const ok = results.every(([, r]) => r.ok);
      return ok
        ? { status: 200, body: { status: "ready", checks } }
        : { status: 503, body: { error: { code: "NOT_READY", message: "Not ready", details: { checks } } } };
    },
  });

  routes.add({
    method: "get",
    path: "/openapi.json",
    operationId: "openapi",
    summary: "This OpenAPI 3 document",
    tags: ["operations"],
    scope: null,
    success: { status: 200, description: "OpenAPI document", schema: z.record(z.string(), z.unknown()) },
    errors: [],
    handler: async () => ({ status: 200, body: getDocument() }),
  });

  routes.add({
    method: "get",
    path: "/v1/transactions/{id}",
    operationId: "getTransaction",
    summary: "Follow an accepted write: status, chain transactions, result or error",
    tags: ["operations"],
    scope: SCOPE.TRANSACTIONS_READ,
    params: z.strictObject({ id: z.string().regex(/^tx_[0-9a-f-]{36}$/, "a transaction id like tx_<uuid>") }),
    success: { status: 200, description: "The transaction", schema: Transaction },
    errors: [404],
    handler: async ({ params, principal }) => ({ status: 200, body: s.transactions.get(params.id, principal) }),
  });
}

async function runCheck(check: () => Promise<{ ok: boolean; details?: unknown }>): Promise<{ ok: boolean; details?: unknown }> {
  try {
    return await check();
  } catch {
    // Not the error's own text: /ready is public, and that text names hosts, ports and files.
    return { ok: false, details: { reason: "no answer" } };
  }
}

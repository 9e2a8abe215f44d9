import type { GatewayServices } from "../core";
import type { RouteBuilder } from "../http/route";
import { z } from "../http/zod";
import { SCOPE } from "../services/scopes";
import { Transaction } from "./schemas/common";

const Health = z.object({ status: z.literal("ok"), uptimeSeconds: z.number() }).openapi("Health");
const Check = z
  .object({
    ok: z.boolean().openapi({ description: "Whether this part is ready" }),
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({
        description:
          "Operational figures only, never internal error text: chain: blockNumber, latencyMs, trackerSeesChain, or reason " +
          "\"unreachable\"; indexer: indexedBlock, headBlock, lag, maxLag, running, failing (its last pass failed; the log says why)",
      }),
  })
  .openapi("ReadinessCheck");
const Ready = z
  .object({ status: z.literal("ready"), checks: z.record(z.string(), Check).openapi({ description: "By part: chain, indexer" }) })
  .openapi("Ready", { description: "Public and operational: what a load balancer or supervisor needs, nothing internal" });

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
    description:
      "Public. 200 `Ready` when every check passes, else 503 with code NOT_READY and the same checks in `details.checks`. " +
      "The checks carry operational figures only (block numbers, lag, latency); why something failed is in the gateway's log.",
    tags: ["operations"],
    scope: null,
    success: { status: 200, description: "Ready", schema: Ready },
    errors: [503],
    handler: async () => {
      const results = await Promise.all(s.readiness.map(async (c) => [c.name, await runCheck(c.check, c.name, s.log)] as const));
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
    handler: async ({ params, principal }) => {
      const transaction = s.transactions.get(params.id, principal);
      // Read-your-writes for clients that asked for 202 and follow here (the portal): "mined" waits, bounded like the
      // synchronous answer, until the index holds the block, so the next list read shows the write.
      if (transaction.status === "mined" && transaction.blockNumber !== null) await s.index.reach(transaction.blockNumber, s.index.writeWaitMs);
      return { status: 200, body: transaction };
    },
  });
}

/** A check that throws is not ready; what it threw goes to the log, not to the public answer. */
async function runCheck(
  check: () => Promise<{ ok: boolean; details?: unknown }>,
  name: string,
  log: GatewayServices["log"],
): Promise<{ ok: boolean; details?: unknown }> {
  try {
    return await check();
  } catch (err) {
    // Not the error's own text: /ready is public, and that text names hosts, ports and files. The log has it.
    log.warn({ err, check: name }, "readiness check failed");
    return { ok: false, details: { reason: "no answer" } };
  }
}

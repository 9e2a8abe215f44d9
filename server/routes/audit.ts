import type { GatewayServices } from "../core";
import { MissingScopeError, UnauthorizedError } from "../errors";
import type { RouteBuilder } from "../http/route";
import { SCOPE } from "../services/scopes";
import { AuditEventPage, AuditEventsQuery, ReconcileReport } from "./schemas/audit";

export function auditRoutes(routes: RouteBuilder, s: GatewayServices): void {
  routes.add({
    method: "get",
    path: "/v1/audit/events",
    operationId: "auditEvents",
    summary: "History of a dataset, batch, listing, organisation or account",
    description:
      "Every indexed event that concerns the subject, in chain order (block, then log index), with the acting organisation " +
      "and the decoded fields. Name exactly one subject. Pages are stable while new events arrive.\n\n" +
      "Requires an API key: the history of a dataset, batch or listing with the scope that reads it (`datasets:read`, " +
      "`carbon:read`, `market:read`: what the resource's own page shows, as the portal does); an organisation's or " +
      "account's history with `audit:read`.",
    tags: ["audit"],
    // Checked in the handler: the scope depends on the subject.
    scope: null,
    query: AuditEventsQuery,
    success: { status: 200, description: "A page of events, oldest first", schema: AuditEventPage },
    errors: [401, 403, 404],
    handler: async ({ query, principal }) => {
      if (!principal) throw new UnauthorizedError();
      const needed = query.dataset ? SCOPE.DATASETS_READ : query.batch ? SCOPE.CARBON_READ : query.listing ? SCOPE.MARKET_READ : SCOPE.AUDIT_READ;
      if (!principal.scopes.has(needed) && !principal.scopes.has(SCOPE.AUDIT_READ)) throw new MissingScopeError(needed);
      return { status: 200, body: await s.audit.events(query) };
    },
  });

  routes.add({
    method: "get",
    path: "/v1/audit/reconcile",
    operationId: "auditReconcile",
    summary: "Reconcile the gateway's index with the chain",
    description:
      "Runs the audit tool's checks over the gateway's index and compares the read model with the contracts at the block " +
      "the index has reached. One run at a time (concurrent callers share it); 503 if it takes longer than two minutes.",
    tags: ["audit"],
    scope: SCOPE.AUDIT_READ,
    success: { status: 200, description: "The reconciliation report", schema: ReconcileReport },
    errors: [503],
    handler: async () => ({ status: 200, body: await s.audit.reconcile() }),
  });
}

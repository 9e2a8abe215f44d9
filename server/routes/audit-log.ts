import { getAddress } from "ethers";
import type { GatewayServices } from "../core";
import type { RouteBuilder } from "../http/route";
import { SCOPE } from "../services/scopes";
import { LogEntryParams, LogPage, LogProof, LogQuery } from "./schemas/audit-log";

export function auditLogRoutes(routes: RouteBuilder, s: GatewayServices): void {
  routes.add({
    method: "get",
    path: "/v1/audit/log",
    operationId: "exportActionLog",
    summary: "Export the gateway's action log",
    description:
      "Every authenticated write request the gateway answered, hash-chained, with the anchors of its ranges on chain. " +
      "`npm run audit -- --log <file>` verifies an export against the anchors independently of the gateway. `accounts` declares every account " +
      "whose key the gateway holds or held (the administrator's where it holds it, the operator's GOVERNOR and ANCHORER keys, custodial " +
      "organisations' keys, retired ones included): the audit checks that every transaction they sent is named by an anchored entry.",
    tags: ["audit"],
    scope: SCOPE.AUDIT_READ,
    query: LogQuery,
    success: { status: 200, description: "A page of entries, oldest first", schema: LogPage },
    errors: [],
    handler: async ({ query }) => ({ status: 200, body: { ...s.actionLog.page(query.after, query.limit), accounts: gatewayAccounts(s) } }),
  });

  routes.add({
    method: "get",
    path: "/v1/audit/log/{id}/proof",
    operationId: "actionLogProof",
    summary: "Merkle proof of a log entry against its on-chain anchor",
    description: "`anchored` is false until the entry's range has been anchored (the gateway anchors at intervals).",
    tags: ["audit"],
    scope: SCOPE.AUDIT_READ,
    params: LogEntryParams,
    success: { status: 200, description: "The entry, its anchor and proof", schema: LogProof },
    errors: [404],
    handler: async ({ params }) => ({ status: 200, body: s.actionLog.proof(params.id) }),
  });
}

/** The accounts whose keys the gateway holds now (keystore) or used to sign (outbox: retired keys too). */
function gatewayAccounts(s: GatewayServices): string[] {
  const held = s.keystore.aliases().map((alias) => s.keystore.address(alias));
  return [...new Set([...held, ...s.stack.repos.outbox.signers()].map((a) => getAddress(a)))].sort();
}

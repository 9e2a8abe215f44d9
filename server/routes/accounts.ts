import type { GatewayServices } from "../core";
import type { RouteBuilder } from "../http/route";
import { SCOPE } from "../services/scopes";
import { AccountParams, Balances, CarbonWriteResult, ReasonBody } from "./schemas/carbon";

export function accountRoutes(routes: RouteBuilder, s: GatewayServices): void {
  const tags = ["accounts"];

  routes.add({
    method: "get",
    path: "/v1/accounts/{org}/balances",
    operationId: "getBalances",
    summary: "What an organisation holds: datasets, credits by batch (held and listed), retired credits by batch, VND",
    tags,
    scope: SCOPE.ACCOUNTS_READ,
    params: AccountParams,
    success: { status: 200, description: "Balances, summed over the organisation's accounts", schema: Balances },
    errors: [404, 503],
    handler: async ({ params }) => ({ status: 200, body: await s.accounts.balances(params.org) }),
  });

  for (const action of ["freeze", "unfreeze"] as const) {
    routes.add({
      method: "post",
      path: `/v1/accounts/{org}/${action}`,
      operationId: `${action}Account`,
      summary:
        action === "freeze"
          ? "Freeze an organisation's credits: its accounts can neither send nor retire (they can still receive) (issuer)"
          : "Unfreeze an organisation's credits (issuer)",
      description: "Applies to every account of the organisation on chain, in one submission.",
      tags,
      scope: SCOPE.CARBON_ISSUE,
      params: AccountParams,
      body: ReasonBody,
      success: { status: 200, description: action === "freeze" ? "Frozen" : "Unfrozen", schema: CarbonWriteResult },
      chainWrite: true,
      errors: [404, 409, 422, 502, 503],
      handler: async ({ params, body, principal, idempotency }) => ({
        submission: await s.carbon.setAccountFrozen(principal, params.org, action === "freeze", body.reason, idempotency),
      }),
    });
  }
}

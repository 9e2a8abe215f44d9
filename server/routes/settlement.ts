import type { GatewayServices } from "../core";
import type { RouteBuilder } from "../http/route";
import { SCOPE } from "../services/scopes";
import { BurnBody, MintBody, SettlementResult, referenceBytes32 } from "./schemas/settlement";

export function settlementRoutes(routes: RouteBuilder, s: GatewayServices): void {
  const tags = ["settlement"];

  routes.add({
    method: "post",
    path: "/v1/settlement/mint",
    operationId: "mintVnd",
    summary: "Mint VND to a participant against a deposit (treasury)",
    tags,
    scope: SCOPE.SETTLEMENT_WRITE,
    body: MintBody,
    success: { status: 201, description: "Minted", schema: SettlementResult },
    chainWrite: true,
    errors: [404, 422, 502, 503],
    handler: async ({ body, principal, idempotency }) => ({
      submission: await s.settlement.move(
        principal,
        "mint",
        { organization: body.to, amount: body.amount, reference: body.reference, ref: referenceBytes32(body.reference) },
        idempotency,
      ),
    }),
  });

  routes.add({
    method: "post",
    path: "/v1/settlement/burn",
    operationId: "burnVnd",
    summary: "Burn VND handed in to the treasury against a withdrawal (treasury; any other holder is refused on chain)",
    tags,
    scope: SCOPE.SETTLEMENT_WRITE,
    body: BurnBody,
    success: { status: 200, description: "Burned", schema: SettlementResult },
    chainWrite: true,
    errors: [404, 422, 502, 503],
    handler: async ({ body, principal, idempotency }) => ({
      submission: await s.settlement.move(
        principal,
        "burn",
        { organization: body.from, amount: body.amount, reference: body.reference, ref: referenceBytes32(body.reference) },
        idempotency,
      ),
    }),
  });
}

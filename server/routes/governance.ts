import type { GatewayServices } from "../core";
import type { RouteBuilder } from "../http/route";
import { SCOPE } from "../services/scopes";
import type { GovernanceAction } from "../services/governance";
import {
  GovernanceStatus,
  OperationEnded,
  OperationList,
  OperationListQuery,
  OperationParams,
  OperationScheduled,
  PauseResult,
  ScheduleOperationBody,
} from "./schemas/governance";

export function governanceRoutes(routes: RouteBuilder, s: GatewayServices): void {
  routes.add({
    method: "post",
    path: "/v1/governance/operations",
    operationId: "scheduleGovernanceOperation",
    summary: "Schedule an administrator's action (AccessManager.schedule)",
    description:
      "The caller's account schedules the call; it runs only after the caller's execution delay on chain (ADMIN_DELAY for administrators) " +
      "through POST /v1/governance/operations/{id}/execute, and a GUARDIAN can cancel it meanwhile. Actions: grantRole, revokeRole, " +
      "recoverDataset (RECOVERY), setAuthority (updateAuthority), setDatasetBaseURI, setCreditURI, setMarketFee, setExchangeFee (MARKET_OPERATOR). " +
      "403 GOVERNANCE_NOT_PERMITTED when the caller may not perform the action at all, 409 OPERATION_NOT_DELAYED when it may perform it at once.",
    tags: ["governance"],
    scope: SCOPE.GOVERNANCE_WRITE,
    body: ScheduleOperationBody,
    success: { status: 201, description: "Scheduled", schema: OperationScheduled },
    chainWrite: true,
    errors: [409, 502, 503],
    handler: async ({ body, principal, idempotency }) => ({
      submission: await s.governance.schedule(principal.orgCode, body as GovernanceAction, idempotency),
    }),
  });

  routes.add({
    method: "get",
    path: "/v1/governance/operations",
    operationId: "listGovernanceOperations",
    summary: "Scheduled administrator operations with their time of execution",
    description: "Read from the AccessManager's OperationScheduled, OperationExecuted and OperationCanceled events: every operation anyone scheduled, newest first.",
    tags: ["governance"],
    scope: SCOPE.PARTICIPANTS_READ,
    query: OperationListQuery,
    success: { status: 200, description: "The operations", schema: OperationList },
    errors: [503],
    handler: async ({ query }) => ({ status: 200, body: { items: await s.governance.list({ state: query.state }) } }),
  });

  routes.add({
    method: "post",
    path: "/v1/governance/operations/{id}/execute",
    operationId: "executeGovernanceOperation",
    summary: "Execute a scheduled operation once its delay has passed",
    description:
      "Only the account that scheduled it can execute it. 409 OPERATION_NOT_READY before readyAt (the latest block's time), " +
      "409 OPERATION_EXECUTED / OPERATION_CANCELLED / OPERATION_EXPIRED once it ended, 403 NOT_THE_SCHEDULER for another caller.",
    tags: ["governance"],
    scope: SCOPE.GOVERNANCE_WRITE,
    params: OperationParams,
    success: { status: 200, description: "Executed", schema: OperationEnded },
    chainWrite: true,
    errors: [404, 409, 502, 503],
    handler: async ({ params, principal, idempotency }) => ({ submission: await s.governance.execute(principal.orgCode, params.id, idempotency) }),
  });

  routes.add({
    method: "delete",
    path: "/v1/governance/operations/{id}",
    operationId: "cancelGovernanceOperation",
    summary: "Cancel a scheduled operation (a GUARDIAN, or its scheduler)",
    description: "403 NOT_GUARDIAN_OR_SCHEDULER for anyone else; 409 once the operation has ended.",
    tags: ["governance"],
    scope: SCOPE.GOVERNANCE_WRITE,
    params: OperationParams,
    success: { status: 200, description: "Cancelled", schema: OperationEnded },
    chainWrite: true,
    errors: [404, 409, 502, 503],
    handler: async ({ params, principal, idempotency }) => ({ submission: await s.governance.cancel(principal.orgCode, params.id, idempotency) }),
  });

  for (const paused of [true, false]) {
    routes.add({
      method: "post",
      path: paused ? "/v1/governance/pause" : "/v1/governance/unpause",
      operationId: paused ? "pauseSystem" : "unpauseSystem",
      summary: paused ? "Emergency brake: pause every user-facing contract (GUARDIAN, at once)" : "Lift the emergency brake (GUARDIAN, at once)",
      description:
        "Pauses (unpauses) DataAssetRegistry, CarbonCreditRegistry, SettlementToken, CarbonMarket and DataExchange in one submission of the guardian's key: " +
        "every transfer, listing, fill, retirement, purchase, issuance and mint stops until unpause. " +
        "403 NOT_GUARDIAN without the GUARDIAN role; 409 ALREADY_PAUSED / NOT_PAUSED when there is nothing to do.",
      tags: ["governance"],
      scope: SCOPE.GOVERNANCE_WRITE,
      success: { status: 200, description: paused ? "Paused" : "Unpaused", schema: PauseResult },
      chainWrite: true,
      errors: [409, 502, 503],
      handler: async ({ principal, idempotency }) => ({ submission: await s.governance.setPaused(principal.orgCode, paused, idempotency) }),
    });
  }

  routes.add({
    method: "get",
    path: "/v1/governance/status",
    operationId: "governanceStatus",
    summary: "Paused or not, the administrators' execution delays and the guardians, read on chain",
    tags: ["governance"],
    scope: SCOPE.PARTICIPANTS_READ,
    success: { status: 200, description: "The status", schema: GovernanceStatus },
    errors: [503],
    handler: async () => ({ status: 200, body: await s.governance.status() }),
  });
}

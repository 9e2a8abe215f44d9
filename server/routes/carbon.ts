import type { GatewayServices } from "../core";
import type { RouteBuilder } from "../http/route";
import { SCOPE } from "../services/scopes";
import {
  AdjustmentBody,
  AttestBody,
  Attestation,
  AttestationParams,
  Batch,
  BatchParams,
  CancelBody,
  claimOf,
  CarbonWriteResult,
  IssueBody,
  Project,
  ProjectParams,
  ReasonBody,
  RegisterProjectBody,
  RetireBody,
  RetirementCertificate,
  RetirementParams,
  TransferCreditsBody,
} from "./schemas/carbon";

export function carbonRoutes(routes: RouteBuilder, s: GatewayServices): void {
  const carbon = s.carbon;
  const tags = ["carbon"];
  const writeErrors = [404, 409, 422, 502, 503];

  routes.add({
    method: "post",
    path: "/v1/carbon/projects",
    operationId: "registerProject",
    summary: "Register a project (issuer)",
    tags,
    scope: SCOPE.CARBON_ISSUE,
    body: RegisterProjectBody,
    success: { status: 201, description: "Registered", schema: CarbonWriteResult },
    chainWrite: true,
    errors: [409, 422, 502, 503],
    handler: async ({ body, principal, idempotency }) => ({ submission: await carbon.registerProject(principal, body, idempotency) }),
  });

  routes.add({
    method: "get",
    path: "/v1/carbon/projects/{id}",
    operationId: "getProject",
    summary: "A project: developer, standard, methodology, location, its attestations and batches",
    tags,
    scope: SCOPE.CARBON_READ,
    params: ProjectParams,
    success: { status: 200, description: "The project", schema: Project },
    errors: [404, 503],
    handler: async ({ params }) => ({ status: 200, body: await carbon.project(params.id) }),
  });

  routes.add({
    method: "post",
    path: "/v1/carbon/attestations",
    operationId: "attestReport",
    summary: "Attest a monitoring report (accredited verifier)",
    description:
      "One issuance per monitoring period: a project's periods may not overlap, whatever the report. Both ends belong to the period, so the next " +
      "one must start after the end of the latest attested (`attestedUntil`); otherwise 422 CarbonCreditRegistryPeriodOverlaps with the project key, " +
      "the refused start and `attestedUntil` (Unix seconds). The attestation id is computed by the registry and returned.",
    tags,
    scope: SCOPE.CARBON_ATTEST,
    body: AttestBody,
    success: { status: 201, description: "Attested", schema: CarbonWriteResult },
    chainWrite: true,
    errors: writeErrors,
    handler: async ({ body, principal, idempotency }) => ({
      submission: await carbon.attest(
        principal,
        { project: body.project, periodStart: body.monitoringPeriod.start, periodEnd: body.monitoringPeriod.end, amount: body.amount, reportHash: body.reportHash },
        idempotency,
      ),
    }),
  });

  routes.add({
    method: "get",
    path: "/v1/carbon/attestations/{id}",
    operationId: "getAttestation",
    summary: "An attestation, and the batch issued against it if any",
    tags,
    scope: SCOPE.CARBON_READ,
    params: AttestationParams,
    success: { status: 200, description: "The attestation", schema: Attestation },
    errors: [404, 503],
    handler: async ({ params }) => ({ status: 200, body: await carbon.attestation(params.id) }),
  });

  routes.add({
    method: "post",
    path: "/v1/carbon/batches",
    operationId: "issueBatch",
    summary: "Issue a batch of credits against an attestation (issuer)",
    description: "The answer names the new batch and its serial block.",
    tags,
    scope: SCOPE.CARBON_ISSUE,
    body: IssueBody,
    success: { status: 201, description: "Issued", schema: CarbonWriteResult },
    chainWrite: true,
    errors: writeErrors,
    handler: async ({ body, principal, idempotency }) => ({ submission: await carbon.issue(principal, body, idempotency) }),
  });

  routes.add({
    method: "get",
    path: "/v1/carbon/batches/{id}",
    operationId: "getBatch",
    summary: "A batch: serial block, supply (circulating, retired, cancelled), frozen, corresponding adjustment",
    tags,
    scope: SCOPE.CARBON_READ,
    params: BatchParams,
    success: { status: 200, description: "The batch", schema: Batch },
    errors: [404, 503],
    handler: async ({ params }) => ({ status: 200, body: await carbon.batch(params.id) }),
  });

  routes.add({
    method: "post",
    path: "/v1/carbon/batches/{id}/cancel",
    operationId: "cancelCredits",
    summary: "Invalidate a holder's credits of a batch, or credits in the market's escrow for a listing (issuer); distinct from retirement",
    description:
      "With `holder`, the credits in that organisation's account. With `listingId`, credits of the batch held in escrow for that open listing " +
      "(frozen seller or batch included): the listing is reduced by the amount, and closed when nothing is left (`ListingReduced`); the answer adds " +
      "`listingRemaining` and `listingClosed`. 409 LISTING_OF_ANOTHER_BATCH when the listing sells another batch; 409 CarbonMarketListingClosed, " +
      "422 CarbonMarketInsufficientRemaining above the remainder.",
    tags,
    scope: SCOPE.CARBON_ISSUE,
    params: BatchParams,
    body: CancelBody,
    success: { status: 200, description: "Cancelled; the answer names the serial range", schema: CarbonWriteResult },
    chainWrite: true,
    errors: writeErrors,
    handler: async ({ params, body, principal, idempotency }) => ({ submission: await carbon.cancel(principal, params.id, body, idempotency) }),
  });

  for (const action of ["freeze", "unfreeze"] as const) {
    routes.add({
      method: "post",
      path: `/v1/carbon/batches/{id}/${action}`,
      operationId: `${action}Batch`,
      summary: action === "freeze" ? "Freeze a batch: none of its credits can move, be retired or be listed (issuer)" : "Unfreeze a batch (issuer)",
      tags,
      scope: SCOPE.CARBON_ISSUE,
      params: BatchParams,
      body: ReasonBody,
      success: { status: 200, description: action === "freeze" ? "Frozen" : "Unfrozen", schema: CarbonWriteResult },
      chainWrite: true,
      errors: writeErrors,
      handler: async ({ params, body, principal, idempotency }) => ({
        submission: await carbon.setBatchFrozen(principal, params.id, action === "freeze", body.reason, idempotency),
      }),
    });
  }

  routes.add({
    method: "post",
    path: "/v1/carbon/batches/{id}/adjustment",
    operationId: "setCorrespondingAdjustment",
    summary: "Set a batch's corresponding-adjustment status (Paris Art. 6) (issuer)",
    tags,
    scope: SCOPE.CARBON_ISSUE,
    params: BatchParams,
    body: AdjustmentBody,
    success: { status: 200, description: "Changed", schema: CarbonWriteResult },
    chainWrite: true,
    errors: writeErrors,
    handler: async ({ params, body, principal, idempotency }) => ({
      submission: await carbon.setAdjustment(principal, params.id, body.status, body.evidenceHash, idempotency),
    }),
  });

  routes.add({
    method: "post",
    path: "/v1/carbon/transfers",
    operationId: "transferCredits",
    summary: "Transfer the caller's credits of a batch to another participant",
    tags,
    scope: SCOPE.CARBON_HOLD,
    body: TransferCreditsBody,
    success: { status: 200, description: "Transferred", schema: CarbonWriteResult },
    chainWrite: true,
    errors: writeErrors,
    handler: async ({ body, principal, idempotency }) => ({ submission: await carbon.transfer(principal, body, idempotency) }),
  });

  routes.add({
    method: "post",
    path: "/v1/carbon/retirements",
    operationId: "retireCredits",
    summary: "Retire the caller's credits for a beneficiary; the answer links the certificate",
    tags,
    scope: SCOPE.CARBON_HOLD,
    body: RetireBody,
    success: { status: 201, description: "Retired", schema: CarbonWriteResult },
    chainWrite: true,
    errors: writeErrors,
    handler: async ({ body, principal, idempotency }) => ({
      submission: await carbon.retire(principal, { batchId: body.batchId, amount: body.amount, ...claimOf(body) }, idempotency),
    }),
  });

  routes.add({
    method: "get",
    path: "/v1/carbon/retirements/{id}",
    operationId: "getRetirementCertificate",
    summary: "A retirement certificate: beneficiary, reason, period, exact serial range, holder, transaction",
    tags,
    scope: SCOPE.CARBON_READ,
    params: RetirementParams,
    success: { status: 200, description: "The certificate", schema: RetirementCertificate },
    errors: [404, 503],
    handler: async ({ params }) => ({ status: 200, body: await carbon.retirement(params.id) }),
  });
}

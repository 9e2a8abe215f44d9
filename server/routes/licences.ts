import type { GatewayServices } from "../core";
import type { RouteBuilder } from "../http/route";
import { SCOPE } from "../services/scopes";
import { HeldLicencePage, ListLicencesQuery } from "./schemas/datasets";

/** Licences by licensee: "my licences" in the portal. A dataset's own licences are on GET /v1/datasets/{id}. */
export function licenceRoutes(routes: RouteBuilder, s: GatewayServices): void {
  routes.add({
    method: "get",
    path: "/v1/licenses",
    operationId: "listHeldLicences",
    summary: "Usage licences an organisation holds (the caller's own by default), granted or bought, with their expiry",
    description:
      "Licences are public to any key that reads datasets (each dataset's page lists them too), so `organization` may name " +
      "another organisation. In the order first granted; an extension keeps its place.",
    tags: ["datasets"],
    scope: SCOPE.DATASETS_READ,
    query: ListLicencesQuery,
    success: { status: 200, description: "A page of licences", schema: HeldLicencePage },
    errors: [400, 404, 503],
    handler: async ({ query, principal }) => ({
      status: 200,
      body: await s.datasets.licencesOf({ organization: query.organization ?? principal.orgCode, inForce: query.inForce, cursor: query.cursor, limit: query.limit }),
    }),
  });
}

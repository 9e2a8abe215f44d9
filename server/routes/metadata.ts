import type { GatewayServices } from "../core";
import type { RouteBuilder } from "../http/route";
import { CreditMetadata, CreditMetadataParams, DatasetMetadata, DatasetMetadataParams } from "./schemas/metadata";

/** Public token metadata: what `tokenURI` (ERC-721) and `uri` (ERC-1155) point at once governance sets the base URI. */
export function metadataRoutes(routes: RouteBuilder, s: GatewayServices): void {
  const dataset = (path: string, operationId: string, summary: string) =>
    routes.add({
      method: "get",
      path,
      operationId,
      summary,
      description: "Public. The index's view of the dataset token in the ERC-721 metadata JSON shape.",
      tags: ["metadata"],
      scope: null,
      params: DatasetMetadataParams,
      success: { status: 200, description: "The metadata", schema: DatasetMetadata },
      errors: [404],
      handler: async ({ params }) => ({ status: 200, body: s.tokenMetadata.dataset(params.id) }),
    });
  dataset("/metadata/datasets/{id}.json", "datasetMetadata", "ERC-721 metadata of a dataset token");
  // The data registry's tokenURI is the base URI followed by the id, without a suffix.
  dataset("/metadata/datasets/{id}", "datasetMetadataByTokenUri", "The same, at the address tokenURI gives (no .json suffix)");

  routes.add({
    method: "get",
    path: "/metadata/credits/{id}.json",
    operationId: "creditMetadata",
    summary: "ERC-1155 metadata of a carbon-credit batch",
    description: "Public. `id` is the batch id in decimal, or as 64 hex digits (what ERC-1155 clients put in place of `{id}`).",
    tags: ["metadata"],
    scope: null,
    params: CreditMetadataParams,
    success: { status: 200, description: "The metadata", schema: CreditMetadata },
    errors: [404],
    handler: async ({ params }) => ({ status: 200, body: s.tokenMetadata.credit(params.id) }),
  });
}

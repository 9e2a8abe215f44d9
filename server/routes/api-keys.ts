import type { GatewayServices } from "../core";
import type { RouteBuilder } from "../http/route";
import { SCOPE } from "../services/scopes";
import { ApiKey, ApiKeyList, ApiKeyParams, CreateApiKeyBody, CreatedApiKey, ListApiKeysQuery, RevokedKeys } from "./schemas/api-keys";
import { ParticipantParams } from "./schemas/participants";

export function apiKeyRoutes(routes: RouteBuilder, s: GatewayServices): void {
  routes.add({
    method: "post",
    path: "/v1/api-keys",
    operationId: "createApiKey",
    summary: "Create an API key for an organisation (the key is shown once)",
    tags: ["api-keys"],
    scope: SCOPE.API_KEYS_WRITE,
    body: CreateApiKeyBody,
    success: { status: 201, description: "Created; `key` is not shown again", schema: CreatedApiKey },
    errors: [404, 422],
    // The key itself is never stored: a replay with the same Idempotency-Key answers the same record without it.
    storedAnswer: (body) => ({ ...(body as object), key: null }),
    handler: async ({ body }) => {
      const { key, apiKey } = s.apiKeys.create({ organization: body.organization, scopes: body.scopes, label: body.label });
      return { status: 201, body: { ...apiKey, key } };
    },
  });

  routes.add({
    method: "get",
    path: "/v1/api-keys",
    operationId: "listApiKeys",
    summary: "List API keys (never the keys themselves)",
    tags: ["api-keys"],
    scope: SCOPE.API_KEYS_WRITE,
    query: ListApiKeysQuery,
    success: { status: 200, description: "API keys", schema: ApiKeyList },
    errors: [],
    handler: async ({ query }) => ({ status: 200, body: { items: s.apiKeys.list(query.organization, query.includeRevoked) } }),
  });

  routes.add({
    method: "delete",
    path: "/v1/api-keys/{id}",
    operationId: "revokeApiKey",
    summary: "Revoke an API key (at once; revoking twice answers the same)",
    tags: ["api-keys"],
    scope: SCOPE.API_KEYS_WRITE,
    params: ApiKeyParams,
    success: { status: 200, description: "Revoked", schema: ApiKey },
    errors: [404],
    handler: async ({ params }) => ({ status: 200, body: s.apiKeys.revoke(params.id) }),
  });

  routes.add({
    method: "post",
    path: "/v1/participants/{org}/revoke-keys",
    operationId: "revokeParticipantKeys",
    summary: "Revoke every API key of an organisation in one call",
    description:
      "At once and for good (a new key must be created afterwards). Suspending an organisation does not need this: keys of an " +
      "inactive (suspended, revoked or expired) organisation are refused while it is inactive, with a 403 naming why.",
    tags: ["api-keys"],
    scope: SCOPE.API_KEYS_WRITE,
    params: ParticipantParams,
    success: { status: 200, description: "The keys revoked", schema: RevokedKeys },
    errors: [404],
    handler: async ({ params }) => ({ status: 200, body: { organization: params.org, revoked: s.apiKeys.revokeAll(params.org) } }),
  });
}

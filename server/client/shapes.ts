/**
 * Shapes of the gateway's answers that both the gateway and its browser clients (the portal) name: one definition,
 * browser-safe (types only), so the two sides cannot drift apart. The wire format itself is in /openapi.json.
 */

/** An API key as `GET /v1/api-keys` lists it (never the key itself: `POST` answers it once, beside this). */
export interface ApiKeyDto {
  id: string;
  organization: string;
  scopes: string[];
  label: string | null;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

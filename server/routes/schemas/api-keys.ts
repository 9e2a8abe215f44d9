import { z } from "../../http/zod";
import { ALL_SCOPES, type Scope } from "../../services/scopes";
import { OrgCode } from "./common";

export const ScopeName = z.enum(ALL_SCOPES as [Scope, ...Scope[]]).openapi("Scope");

export const CreateApiKeyBody = z
  .strictObject({
    organization: OrgCode,
    scopes: z
      .array(ScopeName)
      .min(1)
      .refine((s) => new Set(s).size === s.length, "scopes must not repeat")
      .optional()
      .openapi({ description: "Defaults to every scope the organisation may hold" }),
    label: z.string().trim().min(1).max(100).optional(),
  })
  .openapi("CreateApiKey");

export const ApiKey = z
  .object({
    id: z.string(),
    organization: OrgCode,
    scopes: z.array(z.string()),
    label: z.string().nullable(),
    prefix: z.string().openapi({ description: "First characters of the key, to recognise it" }),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

export const CreatedApiKey = ApiKey.extend({
  key: z
    .string()
    .nullable()
    .openapi({ description: "The key itself. Shown this once (null in an idempotent replay); only its hash is stored" }),
}).openapi("CreatedApiKey");

export const ApiKeyParams = z.strictObject({ id: z.string().regex(/^key_[0-9a-f]{16}$/, "an API key id like key_0123456789abcdef") });

export const ListApiKeysQuery = z.strictObject({
  organization: OrgCode.optional(),
  includeRevoked: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
});

export const ApiKeyList = z.object({ items: z.array(ApiKey) }).openapi("ApiKeyList");

export const RevokedKeys = z
  .object({ organization: OrgCode, revoked: z.array(ApiKey).openapi({ description: "The keys this call revoked (empty when none was live)" }) })
  .openapi("RevokedKeys");

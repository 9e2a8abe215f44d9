import { z } from "../../http/zod";
import { GRANTABLE_ROLES, ORG_KIND_NAMES } from "../../services/participants";
import { Address, Bytes32, Instant, Limit, OrgCode, Reason } from "./common";

export const OrgKind = z.enum(ORG_KIND_NAMES).openapi("OrgKind");
export const GrantableRole = z.enum(GRANTABLE_ROLES).openapi("Role");

export const RegisterParticipantBody = z
  .strictObject({
    code: OrgCode.openapi({ description: "Registry code; its bytes32 is the on-chain organisation id" }),
    name: z.string().trim().min(1).max(200),
    kind: OrgKind,
    roles: z
      .array(GrantableRole)
      .max(GRANTABLE_ROLES.length)
      .refine((r) => new Set(r).size === r.length, "roles must not repeat")
      .default([])
      .openapi({ description: "On-chain roles granted with the admission (each allowed only for some kinds)" }),
    validUntil: Instant.optional().openapi({ description: "End of admission; none when omitted" }),
    metadataHash: Bytes32.optional().openapi({ description: "Hash of the organisation's metadata document" }),
    accounts: z
      .array(Address)
      .min(1)
      .max(10)
      .refine((a) => new Set(a).size === a.length, "accounts must not repeat")
      .optional()
      .openapi({ description: "Own-key organisation: its account addresses. No key is created or stored; it signs its own requests" }),
  })
  .openapi("RegisterParticipant");

export const ParticipantParams = z.strictObject({ org: OrgCode });

export const StatusChangeBody = z.strictObject({ reason: Reason }).openapi("StatusChange");

export const ListParticipantsQuery = z.strictObject({
  kind: OrgKind.optional(),
  limit: Limit,
  cursor: OrgCode.optional().openapi({ description: "nextCursor of the previous page" }),
});

export const Participant = z
  .object({
    code: OrgCode,
    orgId: z.string(),
    name: z.string(),
    kind: z.string(),
    status: z.enum(["NotRegistered", "Active", "Suspended", "Revoked"]),
    validUntil: z.string().nullable(),
    metadataHash: z.string().nullable(),
    accounts: z.array(z.string()),
    roles: z.array(z.string()),
    custody: z.enum(["gateway", "own"]).openapi({ description: "gateway: the gateway keeps its key; own: it signs its own requests" }),
    createdAt: z.string(),
  })
  .openapi("Participant");

export const ParticipantPage = z.object({ items: z.array(Participant), nextCursor: z.string().nullable() }).openapi("ParticipantPage");

export const ParticipantRegistered = z
  .object({
    code: OrgCode,
    orgId: z.string(),
    account: Address,
    kind: z.string(),
    roles: z.array(z.string()),
    scheduledGrants: z
      .array(z.object({ operationId: z.string(), role: z.string(), account: z.string(), readyAt: z.string() }))
      .openapi({
        description:
          "The role grants scheduled with the administrator's delay (empty when there are none, or at genesis when they were granted at once): " +
          "each becomes effective once executed through POST /v1/governance/operations/{operationId}/execute after readyAt",
      }),
  })
  .openapi("ParticipantRegistered");

export const ParticipantStatusChanged = z.object({ code: OrgCode, status: z.string() }).openapi("ParticipantStatusChanged");

export const KeysSwitched = z
  .object({
    code: OrgCode,
    account: Address.openapi({ description: "The organisation's own account, which now holds what the custodial one held" }),
    retiredAccount: Address.openapi({ description: "The custodial account: removed from the organisation on chain, its key deleted" }),
    moved: z.object({ batches: z.array(z.string()), vnd: z.string(), datasets: z.array(z.string()) }).openapi({ description: "What this call moved (empty on a call that only finished an earlier one)" }),
    custody: z.literal("own"),
  })
  .openapi("KeysSwitched");

import { z } from "../../http/zod";
import { ROLES } from "../../../scripts/lib/roles";
import { PAUSABLE } from "../../services/governance";
import { Address, Bytes32, TxHash } from "./common";
import { DatasetId } from "./datasets";

const RoleName = z.enum(Object.keys(ROLES) as [keyof typeof ROLES, ...(keyof typeof ROLES)[]]).openapi("GovernanceRole");
const FeeBps = z.number().int().min(0).max(10_000).openapi({ description: "Fee in basis points (the contract bounds it further)" });
const Uri = z.string().trim().min(1).max(2_000);

/** One body per action: the action's name and its parameters, nothing else. */
export const ScheduleOperationBody = z
  .discriminatedUnion("action", [
    z.strictObject({
      action: z.literal("grantRole"),
      role: RoleName,
      account: Address,
      executionDelay: z.number().int().min(0).max(2 ** 32 - 1).default(0).openapi({ description: "The member's own execution delay for the role (seconds)" }),
    }),
    z.strictObject({ action: z.literal("revokeRole"), role: RoleName, account: Address }),
    z.strictObject({
      action: z.literal("recoverDataset"),
      // A dataset's token id is its content hash as a number (far beyond 2^53): the same id the dataset routes take.
      datasetId: DatasetId.transform((id) => id.toString()).openapi({ type: "string", description: "The dataset's id: its content hash (0x + 64 hex digits) or its token id in decimal" }),
      to: Address,
      reason: z.string().trim().min(1).max(500),
    }),
    z.strictObject({
      action: z.literal("setAuthority"),
      contract: z.enum([...PAUSABLE, "AuditAnchor", "ParticipantRegistry"]),
      authority: Address.openapi({ description: "The new AccessManager of that contract (AccessManager.updateAuthority)" }),
    }),
    z.strictObject({ action: z.literal("setDatasetBaseURI"), uri: Uri }),
    z.strictObject({ action: z.literal("setCreditURI"), uri: Uri }),
    z.strictObject({ action: z.literal("setMarketFee"), feeBps: FeeBps, recipient: Address }),
    z.strictObject({ action: z.literal("setExchangeFee"), feeBps: FeeBps, recipient: Address }),
  ])
  .openapi("ScheduleGovernanceOperation");

export const OperationState = z.enum(["scheduled", "ready", "executed", "cancelled", "expired"]).openapi("GovernanceOperationState");

export const GovernanceOperation = z
  .object({
    id: Bytes32.openapi({ description: "AccessManager.hashOperation(caller, target, data)" }),
    nonce: z.number().int(),
    state: OperationState,
    caller: z.string().openapi({ description: "The account that scheduled it; only it can execute it" }),
    target: z.string(),
    targetContract: z.string().nullable(),
    selector: z.string(),
    function: z.string().nullable(),
    args: z.record(z.string(), z.string()).openapi({ description: "The decoded arguments of the call, as strings" }),
    data: z.string(),
    readyAt: z.string().openapi({ description: "ISO 8601: executable from this time (the chain's clock) on" }),
    expiresAt: z.string(),
    scheduledTx: TxHash,
    scheduledBlock: z.number().int(),
    executedTx: TxHash.nullable(),
    cancelledTx: TxHash.nullable(),
  })
  .openapi("GovernanceOperation");

export const OperationScheduled = z
  .object({ operationId: z.string(), nonce: z.number().int(), readyAt: z.string(), action: z.string() })
  .openapi("GovernanceOperationScheduled");

export const OperationEnded = z.object({ operationId: z.string(), state: z.enum(["executed", "cancelled"]) }).openapi("GovernanceOperationEnded");

export const OperationList = z.object({ items: z.array(GovernanceOperation) }).openapi("GovernanceOperationList");
export const OperationListQuery = z.strictObject({ state: OperationState.optional() });
export const OperationParams = z.strictObject({ id: Bytes32 });

export const PauseResult = z
  .object({ paused: z.boolean(), contracts: z.array(z.string()).openapi({ description: "The contracts this call paused (unpaused)" }) })
  .openapi("PauseResult");

export const GovernanceStatus = z
  .object({
    paused: z.boolean().openapi({ description: "Every user-facing contract is paused" }),
    contracts: z.array(z.object({ name: z.string(), address: z.string(), paused: z.boolean() })),
    admins: z.array(z.object({ account: z.string(), executionDelay: z.number().int() })).openapi({ description: "ADMIN members and their execution delays, read on chain" }),
    adminDelay: z.number().int().openapi({ description: "The smallest ADMIN execution delay on chain (seconds)" }),
    guardians: z.array(z.string()),
    now: z.string().openapi({ description: "The latest block's time (ISO 8601), the clock readyAt is compared with" }),
  })
  .openapi("GovernanceStatus");

import { z } from "../../http/zod";
import { Address, OrgCode, uintString } from "./common";

const Hex = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, "must be 0x followed by whole bytes of hex");
const ChainId = z
  .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), uintString(256)])
  .transform((v) => BigInt(v).toString())
  .openapi({ type: "string", example: "31337" });

export const ForwarderDomain = z
  .strictObject({ name: z.string().max(100), version: z.string().max(20), chainId: ChainId, verifyingContract: Address })
  .openapi("ForwarderDomain");

export const ForwardRequestMessage = z
  .strictObject({
    from: Address,
    to: Address,
    value: uintString(256),
    gas: uintString(256),
    nonce: uintString(256),
    deadline: uintString(48).openapi({ description: "Unix seconds after which the Forwarder refuses it" }),
    data: Hex.max(2 + 2 * 128 * 1024),
  })
  .openapi("ForwardRequestMessage");

const TypedField = z.strictObject({ name: z.string(), type: z.string() });

/** The EIP-712 typed data of a ForwardRequest, as `Prefer: sign=client` answers it and `eth_signTypedData_v4` takes it. */
export const SignedRequestTypedData = z
  .object({
    domain: ForwarderDomain,
    types: z.record(z.string(), z.array(TypedField)).optional(),
    primaryType: z.literal("ForwardRequest").optional(),
    message: ForwardRequestMessage,
  })
  .openapi("SignedRequestTypedData");

export const PreparedRequest = SignedRequestTypedData.extend({
  operation: z.string().openapi({ example: "carbon.transfer" }),
  prerequisite: z.boolean().openapi({ description: "Relay this one first (a one-time market approval, or the exchange's approval of exactly the price), then ask again for the write itself" }),
  expiresAt: z.string(),
}).openapi("PreparedRequest");

export const SignedRequestBody = z
  .strictObject({
    request: SignedRequestTypedData,
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte ECDSA signature in hex").openapi({ description: "EIP-712 signature of the request by its `from`" }),
  })
  .openapi("SignedRequest");

export const NetworkInfo = z
  .object({
    chainId: z.string(),
    deploymentBlock: z.number().int(),
    contracts: z.record(z.string(), Address),
    forwarder: z.object({
      address: Address,
      domain: ForwarderDomain,
      types: z.record(z.string(), z.array(TypedField)),
      primaryType: z.literal("ForwardRequest"),
    }),
    accountProof: z.object({ domain: z.object({ name: z.string(), version: z.string(), chainId: z.string() }), types: z.record(z.string(), z.array(TypedField)) }),
  })
  .openapi("Network");

export const AccountProofBody = z
  .strictObject({
    account: Address,
    chainId: ChainId,
    nonce: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 random bytes in hex").transform((v) => v.toLowerCase()),
    scheme: z.enum(["eip191", "eip712"]).default("eip712"),
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte ECDSA signature in hex"),
  })
  .openapi("AccountProof", {
    description:
      "The account's signature over {organization: the org code of the path, account, chainId, nonce}: EIP-712 (domain CityAssetLedger/1/chainId, " +
      "type AddAccount) or EIP-191 (the text of accountProofText in server/client/forward-request.ts)",
  });

export const AccountAdded = z
  .object({
    code: OrgCode,
    account: Address,
    custody: z.string(),
    scheduledGrants: z
      .array(z.object({ operationId: z.string(), role: z.string(), account: z.string(), readyAt: z.string() }))
      .optional()
      .openapi({ description: "The organisation's roles for the new account, scheduled with the administrator's delay (execute each after readyAt)" }),
    rolesToSchedule: z
      .array(z.string())
      .optional()
      .openapi({ description: "Roles the administrator (holding its own key) still has to schedule for the new account (grantRole)" }),
  })
  .openapi("AccountAdded");

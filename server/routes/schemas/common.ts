import { getAddress } from "ethers";
import { z } from "../../http/zod";
import { REAL_DATE_MESSAGE, isRealDate } from "../../util/time";

/**
 * Building blocks shared by every route's schemas. Amounts travel as decimal strings of whole units (tCO2e, VND)
 * so nothing overflows a JSON number; each is checked against the Solidity type it ends up in.
 */

const MAX_UINT = (bits: number) => (1n << BigInt(bits)) - 1n;

/** A whole number as a decimal string that fits the Solidity `uint<bits>`. */
export const uintString = (bits: number) =>
  z
    .string()
    .regex(/^(0|[1-9]\d*)$/, "must be a whole number as a decimal string, e.g. \"1500\"")
    // zod runs refinements even after a failed check, so this one guards itself.
    .refine((v) => !/^(0|[1-9]\d*)$/.test(v) || (v.length <= 80 && BigInt(v) <= MAX_UINT(bits)), `does not fit in uint${bits}`)
    .openapi({ type: "string", pattern: "^(0|[1-9]\\d*)$", example: "1000", description: `Whole units, at most 2^${bits}-1` });

export const Amount = uintString(256).openapi("Amount");

/** An amount that moves, issues or retires something: zero would be a transaction that does nothing, so it is refused. */
export const PositiveAmount = uintString(256)
  .refine((v) => v !== "0", "must be more than 0")
  .openapi("PositiveAmount", { type: "string", pattern: "^[1-9]\\d*$", example: "1000", description: "Whole units, more than 0, at most 2^256-1" });

/** Organisation codes are also their on-chain ids (bytes32 of the code), so at most 31 bytes. */
export const OrgCode = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9._-]{1,30}$/, "2–31 characters: capital letters, digits, '.', '_' or '-', starting with a letter or digit")
  .openapi("OrgCode", { example: "DATA-OFFICE" });

export const Address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be 0x followed by 40 hex digits")
  .transform((v) => getAddress(v.toLowerCase()))
  .openapi("Address", { type: "string", example: "0x5FbDB2315678afecb367f032d93F642f64180aa3" });

export const Bytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits")
  .transform((v) => v.toLowerCase())
  .openapi("Bytes32", { type: "string", example: `0x${"ab".repeat(32)}`, description: "32 bytes as 0x + 64 hex digits (a hash or an on-chain id)" });

export const TxHash = z.string().openapi("TxHash", { example: `0x${"12".repeat(32)}`, description: "A chain transaction's hash" });

/**
 * Named schemas that fields reuse with their own descriptions. They are registered before any route: otherwise the
 * generator makes the component from the first field that uses one, and that field's description ("Hash of the
 * project document") would describe every other use.
 */
export const SHARED_COMPONENTS = { Bytes32, TxHash, Address, OrgCode, Amount, PositiveAmount } as const;

/** An instant given as ISO 8601 (with a time zone) and stored on chain as unix seconds. */
export const Instant = z
  .string()
  .datetime({ offset: true, message: "must be an ISO 8601 date-time with a time zone, e.g. 2030-01-01T00:00:00Z" })
  .refine((v) => !/^\d{4}-\d{2}-\d{2}T/.test(v) || isRealDate(v), REAL_DATE_MESSAGE)
  .openapi({ example: "2030-01-01T00:00:00Z" });

/**
 * A whole number in a path or query, written in plain decimal: `1e3`, `0x10`, ` 1` or `01` are refused rather than
 * read as numbers (Number() would accept them all).
 */
export const decimalInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^(0|[1-9]\d{0,14})$/, "a whole number in plain decimal")
    .transform(Number)
    .refine((n) => n >= min && n <= max, `between ${min} and ${max}`)
    .openapi({ type: "integer", minimum: min, maximum: max });

export const pageLimit = (max: number, fallback: number) =>
  decimalInt(1, max)
    .optional()
    .transform((n) => n ?? fallback)
    .openapi({ type: "integer", minimum: 1, maximum: max, default: fallback });

export const Limit = pageLimit(200, 50);

/** The opaque `nextCursor` of an index-backed list (keyset position), passed back as it came. */
export const PageCursor = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "nextCursor of the previous page")
  .optional()
  .openapi({ description: "nextCursor of the previous page" });

export const Reason = z.string().trim().min(1).max(500);

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "VALIDATION_FAILED" }),
      message: z.string().openapi({ description: "What went wrong, for people" }),
      details: z
        .record(z.string(), z.unknown())
        .openapi({ description: "Machine-readable particulars (validation issues, a contract error's name and arguments…); {} when there are none" }),
    }),
  })
  .openapi("Error");

export const ChainTransaction = z
  .object({
    hash: TxHash,
    signer: z.string(),
    nonce: z.number().int(),
    status: z.enum(["signed", "sent", "mined", "failed", "rejected", "dropped"]),
    blockNumber: z.number().int().nullable(),
    blockHash: z.string().nullable(),
    gasUsed: z.string().nullable(),
  })
  .openapi("ChainTransaction");

export const Transaction = z
  .object({
    id: z.string().openapi({ example: "tx_3f0c5a8e-6a3b-4a55-9f63-0d3a1f2c9b10" }),
    operation: z.string().openapi({ example: "participants.register" }),
    organization: OrgCode,
    status: z.enum(["pending", "mined", "failed", "rejected"]),
    hash: TxHash.nullable().openapi({ description: "Hash of the (last) chain transaction" }),
    blockNumber: z.number().int().nullable(),
    chainTransactions: z.array(ChainTransaction),
    result: z.unknown().optional(),
    error: ErrorBody.shape.error
      .extend({ status: z.number().int().openapi({ description: "The HTTP status the write answered (or would answer) with" }) })
      .nullable()
      .optional(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi("Transaction");

/** The answer of a write once mined: the operation's result plus the transaction that carried it. */
export const writeResponse = <T extends z.ZodType>(result: T, name: string) =>
  z.object({ result, transaction: Transaction }).openapi(name);

export const AcceptedResponse = z.object({ transaction: Transaction }).openapi("Accepted");

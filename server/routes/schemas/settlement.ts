import { encodeBytes32String } from "ethers";
import { z } from "../../http/zod";
import { PositiveAmount, OrgCode } from "./common";

/** The treasury's reference of a deposit or withdrawal: a text of up to 31 bytes, or a bytes32 in hex. */
export const Reference = z
  .string()
  .trim()
  .min(1)
  .refine((v) => /^0x[0-9a-fA-F]{64}$/.test(v) || Buffer.byteLength(v, "utf8") <= 31, "at most 31 bytes of text, or 0x + 64 hex digits")
  .openapi({ example: "DEP-2025-000123", description: "Text of up to 31 bytes (kept as bytes32), or a bytes32 in hex" });

export const referenceBytes32 = (reference: string): string =>
  /^0x[0-9a-fA-F]{64}$/.test(reference) ? reference.toLowerCase() : encodeBytes32String(reference);

export const MintBody = z
  .strictObject({ to: OrgCode, amount: PositiveAmount.openapi({ description: "Whole VND" }), reference: Reference })
  .openapi("MintVnd");

export const BurnBody = z
  .strictObject({
    from: OrgCode.openapi({ description: "The treasury's own organisation: it burns only VND holders have handed in by transferring it to the treasury" }),
    amount: PositiveAmount.openapi({ description: "Whole VND" }), reference: Reference,
  })
  .openapi("BurnVnd");

export const SettlementResult = z
  .object({
    to: z.string().optional(),
    from: z.string().optional(),
    amount: z.string(),
    reference: z.string(),
    ref: z.string().openapi({ description: "The reference as bytes32 on chain" }),
  })
  .openapi("SettlementResult");

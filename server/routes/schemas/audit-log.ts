import { z } from "../../http/zod";
import { Bytes32, decimalInt, pageLimit } from "./common";

const LogEntry = z
  .object({
    id: z.number().int(),
    at: z.string(),
    org: z.string(),
    apiKeyId: z.string(),
    action: z.string().openapi({ example: "POST /v1/datasets" }),
    requestHash: Bytes32.openapi({ description: "keccak256 of the canonical JSON of the request (method, path, query, body)" }),
    status: z.number().int(),
    txHash: z.string().nullable().openapi({ description: "The last transaction of the submission (null when nothing was sent)" }),
    txHashes: z.array(z.string()).optional().openapi({ description: "Every transaction of the submission, approvals included, in sending order (absent on entries older than this field)" }),
    submissionId: z.string().optional().openapi({ description: "The gateway's transaction id of the submission (GET /v1/transactions/{id})" }),
    signer: z.string().nullable().optional().openapi({ description: "A relayed request's signer (own-key organisations); part of the hash only when set" }),
    signature: z.string().nullable().optional().openapi({ description: "The signer's EIP-712 signature of the relayed ForwardRequest" }),
    prevHash: Bytes32.openapi({ description: "The previous entry's hash (zero for the first)" }),
    hash: Bytes32.openapi({ description: "This entry's chained hash" }),
  })
  .openapi("ActionLogEntry", { description: "hash = keccak256(abi.encode(prevHash, keccak256(canonical JSON of id, at, org, apiKeyId, action, requestHash, status, txHash and, when present, txHashes, submissionId, and signer with signature)))" });

const LogAnchor = z
  .object({
    anchorId: z.number().int(),
    firstEntryId: z.number().int(),
    lastEntryId: z.number().int(),
    merkleRoot: Bytes32.openapi({ description: "Merkle root of the anchored range, as stored in AuditAnchor" }),
    headHash: Bytes32.openapi({ description: "Hash of the range's last entry (the chain head at anchoring)" }),
    submissionId: z.string().nullable().openapi({ description: "The gateway's transaction id of the anchoring write (GET /v1/transactions/{id})" }),
    txHash: z.string().nullable(),
    blockNumber: z.number().int().nullable(),
    anchoredAt: z.string(),
  })
  .openapi("ActionLogAnchor");

export const LogQuery = z
  .object({
    after: decimalInt(0, Number.MAX_SAFE_INTEGER)
      .optional()
      .transform((n) => n ?? 0)
      .openapi({ type: "integer", description: "Entries with a greater id (default 0)" }),
    limit: pageLimit(1000, 200),
  })
  .strict();

export const LogPage = z
  .object({
    entries: z.array(LogEntry),
    next: z.number().int().nullable().openapi({ description: "Pass as `after` for the next page; null at the end" }),
    anchors: z.array(LogAnchor).openapi({ description: "Every anchor of the log on chain, to verify the export against" }),
    accounts: z.array(z.string()).openapi({ description: "Every account whose key the gateway holds or held; the audit proves each one's transactions named by the log" }),
  })
  .openapi("ActionLogPage");

export const LogEntryParams = z
  .object({ id: decimalInt(1, Number.MAX_SAFE_INTEGER).openapi({ type: "integer", minimum: 1, example: 1, description: "The entry's id, in plain decimal" }) })
  .strict();

export const LogProof = z
  .object({
    entry: LogEntry,
    anchored: z.boolean(),
    anchor: LogAnchor.nullable(),
    leaf: Bytes32.nullable().openapi({ description: "StandardMerkleTree leaf of [uint64 id, bytes32 hash]" }),
    proof: z.array(Bytes32).nullable(),
  })
  .openapi("ActionLogProof");

import { ErrorFragment, Interface, Result, isHexString } from "ethers";
import * as typechain from "../../typechain-types";
import { ORG_KINDS, ORG_STATUSES } from "../../scripts/lib/roles";
import { ApiError } from "../errors";

/** A contract's custom error, decoded. */
export interface DecodedRevert {
  /** Custom error name (`ParticipantRegistryOrganizationExists`), or Error / Panic / UnknownError. */
  name: string;
  /** Full signature, e.g. `ParticipantRegistryOrganizationExists(bytes32)`. */
  signature: string;
  selector: string;
  /** Named, JSON-safe arguments (bigints as decimal strings, enums also by label). */
  args: Record<string, unknown>;
  /** The contracts whose ABI declares this error. */
  declaredBy: string[];
  data: string;
}

/** Labels of Solidity enums that appear in error arguments, by enum name. Later contracts add theirs. */
export const ENUM_LABELS: Record<string, readonly string[]> = {
  OrgKind: ORG_KINDS,
  OrgStatus: ORG_STATUSES,
  Classification: ["Open", "Other", "Important", "Core"],
  AssetStatus: ["Active", "Deprecated", "Revoked"],
  AdjustmentStatus: ["Unspecified", "NotRequired", "Pending", "Applied"],
};

/** An ABI parameter as written in the JSON ABI (ethers' ParamType drops `internalType`, which names enums). */
interface AbiParam {
  name: string;
  type: string;
  internalType?: string;
  components?: AbiParam[];
}

interface KnownError {
  fragment: ErrorFragment;
  inputs: AbiParam[];
  declaredBy: string[];
}

/**
 * Every custom error of every compiled contract (ours, OpenZeppelin's and AccessManager's), by selector. Built from
 * the typechain factories, so a new contract is covered as soon as it compiles.
 */
function collectErrors(): Map<string, KnownError> {
  const bySelector = new Map<string, KnownError>();
  for (const [exportName, value] of Object.entries(typechain)) {
    const abi = (value as { abi?: unknown }).abi;
    if (!exportName.endsWith("__factory") || !Array.isArray(abi)) continue;
    const contractName = exportName.slice(0, -"__factory".length);
    for (const entry of abi as { type: string; name: string; inputs: AbiParam[] }[]) {
      if (entry.type !== "error") continue;
      const fragment = ErrorFragment.from(entry);
      const known = bySelector.get(fragment.selector);
      if (known) {
        if (!known.declaredBy.includes(contractName)) known.declaredBy.push(contractName);
      } else {
        bySelector.set(fragment.selector, { fragment, inputs: entry.inputs, declaredBy: [contractName] });
      }
    }
  }
  return bySelector;
}

let knownErrors: Map<string, KnownError> | undefined;
const errors = () => (knownErrors ??= collectErrors());

const PANIC_REASONS: Record<number, string> = {
  0x01: "assertion failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division by zero",
  0x21: "invalid enum value",
  0x22: "invalid storage byte array",
  0x31: "pop on empty array",
  0x32: "array index out of bounds",
  0x41: "out of memory",
  0x51: "call to an uninitialised function",
};

function jsonSafe(value: unknown, param?: AbiParam): unknown {
  if (typeof value === "bigint") {
    const enumName = param?.internalType?.match(/^enum (?:\w+\.)?(\w+)$/)?.[1];
    const labels = enumName ? ENUM_LABELS[enumName] : undefined;
    if (labels && value < BigInt(labels.length)) return labels[Number(value)];
    return value.toString();
  }
  if (value instanceof Result || Array.isArray(value)) {
    const items = Array.from(value as ArrayLike<unknown>);
    if (param?.type.startsWith("tuple") && !param.type.endsWith("]") && param.components) {
      return Object.fromEntries(param.components.map((c, i) => [c.name || String(i), jsonSafe(items[i], c)]));
    }
    const child = param?.type.endsWith("]")
      ? { ...param, type: param.type.replace(/\[\d*\]$/, ""), internalType: param.internalType?.replace(/\[\d*\]$/, "") }
      : undefined;
    return items.map((v) => jsonSafe(v, child));
  }
  return value;
}

/** Decodes revert data against every known ABI. */
export function decodeRevertData(data: string): DecodedRevert {
  const selector = data.slice(0, 10).toLowerCase();
  const iface = new Interface([]);
  if (selector === "0x08c379a0") {
    const [message] = iface.getAbiCoder().decode(["string"], "0x" + data.slice(10));
    return { name: "Error", signature: "Error(string)", selector, args: { message }, declaredBy: [], data };
  }
  if (selector === "0x4e487b71") {
    const [code] = iface.getAbiCoder().decode(["uint256"], "0x" + data.slice(10));
    const n = Number(code);
    return {
      name: "Panic",
      signature: "Panic(uint256)",
      selector,
      args: { code: `0x${n.toString(16)}`, reason: PANIC_REASONS[n] ?? "unknown panic" },
      declaredBy: [],
      data,
    };
  }
  const known = errors().get(selector);
  if (!known) return { name: "UnknownError", signature: "", selector, args: {}, declaredBy: [], data };
  const decoded = new Interface([known.fragment]).decodeErrorResult(known.fragment, data);
  const args = Object.fromEntries(
    known.inputs.map((input, i) => [input.name || `arg${i}`, jsonSafe(decoded[i], input)]),
  );
  return { name: known.fragment.name, signature: known.fragment.format("sighash"), selector, args, declaredBy: known.declaredBy, data };
}

/** Finds revert data in an error thrown by ethers, Hardhat or a JSON-RPC node (it nests differently in each). */
export function extractRevertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): string | undefined => {
    if (!e || typeof e !== "object" || depth > 6 || seen.has(e)) return undefined;
    seen.add(e);
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && isHexString(data) && data.length >= 10) return data;
    if (data && typeof data === "object") {
      const nested = (data as { data?: unknown }).data;
      if (typeof nested === "string" && isHexString(nested) && nested.length >= 10) return nested;
    }
    for (const key of ["error", "info", "cause", "revert", "payload"]) {
      const found = visit((e as Record<string, unknown>)[key], depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return visit(err, 0);
}

/** Whether an error is an EVM revert (with or without data), as opposed to a transport or node failure. */
export function isRevert(err: unknown): boolean {
  if (extractRevertData(err)) return true;
  const e = err as { code?: unknown; message?: unknown; shortMessage?: unknown };
  if (e?.code === "CALL_EXCEPTION") return true;
  const text = `${String(e?.message ?? "")} ${String(e?.shortMessage ?? "")}`;
  return /execution reverted|reverted|VM Exception/i.test(text);
}

/**
 * 409: the request collides with the state something is in now (it exists, it is frozen, closed, expired or paused,
 * or already has the value asked for); the same request may succeed once that state changes.
 */
const CONFLICT = [
  /Exists$/,
  /Duplicate/,
  /Already/,
  /Taken$/,
  /InvalidStatusTransition$/,
  /OrganizationRevoked$/,
  /Frozen$/,
  /Closed$/,
  /Expired$/,
  /Unchanged$/,
  /Paused$/,
  /SoldOut$/,
  /^EnforcedPause$/,
  /^ExpectedPause$/,
];
const NOT_FOUND = [/Unknown[A-Z]\w*$/, /Nonexistent/, /NotFound$/];
/** 403: the signer is not the one the contract lets do this (role, verifier accreditation, seller, private buyer). */
const UNAUTHORIZED = [
  /^AccessManagedUnauthorized$/,
  /^AccessManagerUnauthorized/,
  /^CarbonCreditRegistryNot(Verifier|Market)$/,
  /^CarbonMarketNot(Seller|PrivateBuyer)$/,
  /^DataExchangeNot(Holder|Offerer)$/,
];

/**
 * A contract's refusal as an API error: 409 when the request conflicts with what is on chain (already exists,
 * wrong status, frozen, closed, expired, paused), 404 when it names something the chain does not know, 403 when the
 * signing organisation lacks the on-chain role (or is not the seller, buyer or verifier the rule names), 422 for
 * every other rule (self-trade, cost over maxCost, more than the balance, zero amounts…). The custom error's name and decoded arguments go in `details`.
 */
export class ContractRevertError extends ApiError {
  constructor(readonly revert: DecodedRevert | null, extra: Record<string, unknown> = {}) {
    const name = revert?.name ?? "Reverted";
    const [status, code] = classify(name);
    const args = revert ? Object.entries(revert.args).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ") : "";
    super(
      status,
      code,
      revert ? `The contract refused: ${name}(${args})` : "The contract refused the call without a reason",
      { error: name, args: revert?.args ?? {}, signature: revert?.signature, contracts: revert?.declaredBy ?? [], ...extra },
    );
  }
}

function classify(name: string): [number, string] {
  // The emergency brake (POST /v1/governance/pause) has its own code, so clients can tell it from a rule.
  if (name === "EnforcedPause" || /Paused$/.test(name)) return [409, "SYSTEM_PAUSED"];
  if (UNAUTHORIZED.some((p) => p.test(name))) return [403, "CHAIN_UNAUTHORIZED"];
  if (CONFLICT.some((p) => p.test(name))) return [409, "CHAIN_STATE_CONFLICT"];
  if (NOT_FOUND.some((p) => p.test(name))) return [404, "NOT_FOUND_ON_CHAIN"];
  return [422, "CONTRACT_RULE"];
}

export function revertErrorFrom(err: unknown, extra?: Record<string, unknown>): ContractRevertError {
  const data = extractRevertData(err);
  return new ContractRevertError(data ? decodeRevertData(data) : null, extra);
}

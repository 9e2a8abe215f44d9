import { ZeroHash, toBeHex, zeroPadValue } from "ethers";
import * as typechain from "../../typechain-types";
import { ENUM_LABELS } from "../chain/revert";
import type { IndexedEvent } from "../indexer/projection";
import type { OrgDirectory } from "./org-directory";

/** An ABI parameter as written in the JSON ABI (ethers' ParamType drops `internalType`, which names enums). */
interface AbiParam {
  name: string;
  type: string;
  internalType?: string;
  components?: AbiParam[];
}

/** Event inputs by contract and event name, from the typechain factories (a new contract is covered once compiled). */
function collectEvents(): Map<string, AbiParam[]> {
  const byKey = new Map<string, AbiParam[]>();
  for (const [exportName, value] of Object.entries(typechain)) {
    const abi = (value as { abi?: unknown }).abi;
    if (!exportName.endsWith("__factory") || !Array.isArray(abi)) continue;
    const contract = exportName.slice(0, -"__factory".length);
    for (const entry of abi as { type: string; name: string; inputs: AbiParam[] }[]) {
      if (entry.type === "event") byKey.set(`${contract}.${entry.name}`, entry.inputs);
    }
  }
  return byKey;
}

let events: Map<string, AbiParam[]> | undefined;
const eventInputs = (contract: string, name: string) => (events ??= collectEvents()).get(`${contract}.${name}`);

/** uint64 fields that are points in time (unix seconds on chain); 0 means "none" (no expiry, no end). */
const DATE_FIELDS = new Set(["validUntil", "expiresAt", "valuationDate", "periodStart", "periodEnd", "expiry", "consumptionStart", "consumptionEnd", "registeredAt"]);
/** uint256 fields of the data registry that are dataset ids, shown as the API shows them (0x-hex, 32 bytes). */
const DATASET_ID_FIELDS = new Set(["id", "parentId", "tokenId", "_tokenId", "_fromTokenId", "_toTokenId"]);
const DATASET_CONTRACTS = new Set(["DataAssetRegistry", "DataExchange"]);

/**
 * Decoded fields for people: enum values by name (`Suspended`, `Core`), dates in ISO 8601, dataset ids in 0x-hex as
 * everywhere else in the API, amounts and other integers as decimal strings (nothing overflows a JSON number).
 */
export function humanArgs(contract: string, name: string, args: Record<string, unknown>): Record<string, unknown> {
  const inputs = eventInputs(contract, name) ?? [];
  const byName = new Map(inputs.map((p) => [p.name, p]));
  const datasetIds = DATASET_CONTRACTS.has(contract);
  return Object.fromEntries(Object.entries(args).map(([key, value]) => [key, human(value, key, byName.get(key), datasetIds)]));
}

function human(value: unknown, key: string, param: AbiParam | undefined, datasetIds: boolean): unknown {
  if (typeof value === "bigint") {
    const enumName = param?.internalType?.match(/^enum (?:\w+\.)?(\w+)$/)?.[1];
    const labels = enumName ? ENUM_LABELS[enumName] : undefined;
    if (labels && value < BigInt(labels.length)) return labels[Number(value)];
    if (DATE_FIELDS.has(key) && value < 2n ** 40n) return value === 0n ? null : new Date(Number(value) * 1000).toISOString();
    if (datasetIds && DATASET_ID_FIELDS.has(key)) return zeroPadValue(toBeHex(value), 32);
    return value.toString();
  }
  if (Array.isArray(value)) return value.map((v) => human(v, key, undefined, datasetIds));
  if (value && typeof value === "object") {
    const components = new Map((param?.components ?? []).map((c) => [c.name, c]));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, human(v, k, components.get(k), datasetIds)]));
  }
  return value;
}

/** One event as `GET /v1/audit/events` and the event feed show it. */
export function formatEvent(e: IndexedEvent, directory: OrgDirectory) {
  return {
    blockNumber: e.blockNumber,
    blockHash: e.blockHash,
    timestamp: new Date(e.timestamp * 1000).toISOString(),
    transactionHash: e.txHash,
    logIndex: e.logIndex,
    actor: e.actorAccount,
    organization: e.actorOrg && e.actorOrg !== ZeroHash ? { orgId: e.actorOrg, code: directory.codeOf(e.actorOrg) } : null,
    contract: e.contract,
    address: e.address,
    event: e.name,
    args: humanArgs(e.contract, e.name, e.args),
  };
}

export type FormattedEvent = ReturnType<typeof formatEvent>;

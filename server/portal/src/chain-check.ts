import { id as eventTopic, getAddress, Interface, toBeHex, zeroPadValue } from "ethers";
import type { Certificate } from "./types";

/** Why a check could not confirm the certificate (each one translated on the page). */
export type CheckFailure =
  | "RPC_UNREACHABLE"
  | "WRONG_CHAIN"
  | "NOT_ON_CHAIN"
  | "RECORD_MISMATCH"
  | "TX_NOT_FOUND"
  | "TX_FAILED"
  | "EVENT_MISSING";
export type CheckResult = { ok: true; block: number; head: number } | { ok: false; reason: CheckFailure; detail?: string };

const REGISTRY = new Interface([
  "function retirement(uint256 retirementId) view returns ((address holder, uint256 batchId, uint256 amount, uint256 serialFirst, uint256 serialLast))",
]);
const RETIRED = eventTopic("Retired(uint256,uint256,address,uint256,uint256,uint256,(string,bytes32,string,uint64,uint64))");

async function rpc<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw Object.assign(new Error(body.error.message), { rpc: true });
  return body.result as T;
}

/**
 * Re-checks a retirement against the chain from the browser, trusting only the public node: the registry's own record
 * (holder, batch, amount, exact serials) must equal the certificate's, and the certificate's transaction must be a
 * successful one that emitted this retirement.
 */
export async function checkRetirement(cert: Certificate, v: { rpcUrl: string; chainId: number; registry: string }): Promise<CheckResult> {
  let chainId: string;
  try {
    chainId = await rpc<string>(v.rpcUrl, "eth_chainId", []);
  } catch (err) {
    return { ok: false, reason: "RPC_UNREACHABLE", detail: (err as Error).message };
  }
  if (BigInt(chainId) !== BigInt(v.chainId)) return { ok: false, reason: "WRONG_CHAIN", detail: `${BigInt(chainId)}` };
  let record: { holder: string; batchId: bigint; amount: bigint; serialFirst: bigint; serialLast: bigint };
  try {
    const data = REGISTRY.encodeFunctionData("retirement", [BigInt(cert.id)]);
    const raw = await rpc<string>(v.rpcUrl, "eth_call", [{ to: v.registry, data }, "latest"]);
    [record] = REGISTRY.decodeFunctionResult("retirement", raw) as unknown as [typeof record];
  } catch (err) {
    return { ok: false, reason: (err as { rpc?: boolean }).rpc ? "NOT_ON_CHAIN" : "RPC_UNREACHABLE", detail: (err as Error).message };
  }
  const same =
    (!cert.holder || getAddress(record.holder) === getAddress(cert.holder.address)) &&
    record.batchId === BigInt(cert.batchId) &&
    record.amount === BigInt(cert.amount) &&
    record.serialFirst === BigInt(cert.serials.first) &&
    record.serialLast === BigInt(cert.serials.last);
  if (!same) return { ok: false, reason: "RECORD_MISMATCH" };
  if (!cert.transaction) return { ok: false, reason: "TX_NOT_FOUND" };
  const receipt = await rpc<{ status: string; blockNumber: string; logs: { address: string; topics: string[] }[] } | null>(v.rpcUrl, "eth_getTransactionReceipt", [
    cert.transaction.transactionHash,
  ]);
  if (!receipt) return { ok: false, reason: "TX_NOT_FOUND" };
  if (BigInt(receipt.status) !== 1n) return { ok: false, reason: "TX_FAILED" };
  const idTopic = zeroPadValue(toBeHex(BigInt(cert.id)), 32);
  const emitted = receipt.logs.some((l) => getAddress(l.address) === getAddress(v.registry) && l.topics[0] === RETIRED && l.topics[1] === idTopic);
  if (!emitted) return { ok: false, reason: "EVENT_MISSING" };
  const head = Number(BigInt(await rpc<string>(v.rpcUrl, "eth_blockNumber", [])));
  return { ok: true, block: Number(BigInt(receipt.blockNumber)), head };
}

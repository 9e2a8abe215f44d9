import type { Provider } from "ethers";

/**
 * Sends signed bytes with one `eth_sendRawTransaction`. ethers' `broadcastTransaction` also asks for the block
 * number and parses the transaction again, recovering its sender from the signature (an elliptic-curve operation
 * in JavaScript, the costliest step of a write after signing); the gateway knows the hash already (keccak of the
 * bytes). Errors are the same objects ethers makes for `broadcastTransaction` (same JSON-RPC call, same decoding).
 * A provider without `send` (a test double) is served by `broadcastTransaction`.
 */
export async function sendRawTransaction(provider: Provider, raw: string): Promise<void> {
  const rpc = provider as unknown as { send?: (method: string, params: unknown[]) => Promise<unknown> };
  if (typeof rpc.send === "function") await rpc.send("eth_sendRawTransaction", [raw]);
  else await provider.broadcastTransaction(raw);
}

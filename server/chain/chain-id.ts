/**
 * Asks the node for its chain id with plain JSON-RPC, retrying until `deadlineMs` (a node may still be starting). In a
 * module of its own so that the embedded node's supervisor (anvil.ts), which main.ts loads before anything else, does
 * not load ethers with it: every tenth of a second before anvil is spawned is a tenth of a second more on a restart.
 */
export async function fetchChainId(url: string, deadlineMs: number, timeoutMs = 2_000): Promise<bigint> {
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await res.json()) as { result?: string };
      if (typeof body.result === "string") return BigInt(body.result);
      lastError = new Error(`unexpected eth_chainId answer: ${JSON.stringify(body).slice(0, 200)}`);
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - started > deadlineMs) {
      throw new Error(`No JSON-RPC node answered at ${url} within ${deadlineMs} ms: ${(lastError as Error)?.message ?? lastError}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

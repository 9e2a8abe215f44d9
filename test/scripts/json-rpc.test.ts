import http from "node:http";
import type net from "node:net";
import { expect } from "chai";
import { JsonRpcProvider, type JsonRpcPayload } from "ethers";
import { FastJsonRpcProvider } from "../../scripts/lib/json-rpc";

/** A JSON-RPC endpoint answering every request with the given raw bytes. */
async function rawServer(answer: () => Buffer): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      res.end(answer());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const payload: JsonRpcPayload = { id: 1, jsonrpc: "2.0", method: "eth_chainId", params: [] };

describe("FastJsonRpcProvider", function () {
  let body: Buffer;
  let server: Awaited<ReturnType<typeof rawServer>>;
  let fast: FastJsonRpcProvider;
  let ethersOwn: JsonRpcProvider;

  before(async function () {
    server = await rawServer(() => body);
    fast = new FastJsonRpcProvider(server.url, 1, { staticNetwork: true });
    ethersOwn = new JsonRpcProvider(server.url, 1, { staticNetwork: true });
  });
  after(async function () {
    fast.destroy();
    ethersOwn.destroy();
    await server.close();
  });

  describe("#_send", function () {
    it("reads an answer exactly as ethers does: multi-byte text, a leading byte-order mark, astral characters, batches", async function () {
      for (const result of ["Hồ sơ đất đai — Đà Nẵng", "\uFEFFbom kept", "😀 𝔘 ✓", ""]) {
        body = Buffer.from(JSON.stringify([{ id: 1, jsonrpc: "2.0", result }, { id: 2, jsonrpc: "2.0", result: "0x1" }]));
        const mine = await fast._send(payload);
        expect(mine).to.deep.equal(await ethersOwn._send(payload));
        expect(mine[0].result).to.equal(result);
      }
      body = Buffer.from(JSON.stringify({ id: 1, jsonrpc: "2.0", result: "single" }));
      expect(await fast._send(payload)).to.deep.equal([{ id: 1, jsonrpc: "2.0", result: "single" }]);
    });

    it("reads an answer of many chunks whole (the body is gathered once, not copied at every chunk)", async function () {
      const result = "đ".repeat(3_000_000);
      body = Buffer.from(JSON.stringify({ id: 1, jsonrpc: "2.0", result }));
      const [answer] = await fast._send(payload);
      expect(answer.result).to.equal(result);
    });

    it("refuses invalid UTF-8 and non-JSON answers with ethers' own errors (the gateway's failover tells them apart)", async function () {
      for (const bad of [Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), Buffer.from("<html>proxy error</html>"), Buffer.alloc(0)]) {
        body = bad;
        const theirs = await ethersOwn._send(payload).then(() => undefined, (e: { code?: string; shortMessage?: string }) => e);
        const mine = await fast._send(payload).then(() => undefined, (e: { code?: string; shortMessage?: string }) => e);
        expect(theirs, "ethers refuses it").to.not.equal(undefined);
        expect({ code: mine?.code, message: mine?.shortMessage }).to.deep.equal({ code: theirs!.code, message: theirs!.shortMessage });
      }
    });
  });
});

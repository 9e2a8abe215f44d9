import { JsonRpcProvider, type JsonRpcPayload, type JsonRpcResult } from "ethers";

/**
 * Node's UTF-8 decoder, strict as ethers' own (`fatal`: invalid UTF-8 is an error) and keeping a leading byte-order
 * mark as ethers does (`ignoreBOM`).
 */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A JsonRpcProvider that reads answers with Node's native UTF-8 decoder and JSON.parse. ethers' own `_send` decodes
 * every response body with a UTF-8 decoder written in JavaScript, which dominated the CPU of the audit replay and of
 * the indexer (an `eth_getLogs` answer of a few thousand dataset registrations is megabytes of text): about 60% of
 * the indexer's time. Everything else (request, timeout, retries, errors) is ethers' own.
 */
export class FastJsonRpcProvider extends JsonRpcProvider {
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const request = this._getConnection();
    // Bytes rather than a string: ethers would encode a string with the same JavaScript UTF-8 encoder.
    request.body = Buffer.from(JSON.stringify(payload), "utf8");
    request.setHeader("content-type", "application/json");
    const response = await request.send();
    response.assertOk();
    let answer: JsonRpcResult | JsonRpcResult[];
    try {
      answer = JSON.parse(UTF8.decode(response.body ?? new Uint8Array())) as JsonRpcResult | JsonRpcResult[];
    } catch {
      // Not UTF-8 or not JSON: ethers' own reading throws its own error for it, as callers (failover) expect.
      answer = response.bodyJson as JsonRpcResult | JsonRpcResult[];
    }
    return Array.isArray(answer) ? answer : [answer];
  }
}

import http from "node:http";
import https from "node:https";
import { gunzipSync } from "node:zlib";
import { FetchResponse, JsonRpcProvider, makeError, type FetchCancelSignal, type FetchRequest, type GetUrlResponse, type JsonRpcPayload, type JsonRpcResult } from "ethers";

/**
 * Node's UTF-8 decoder, strict as ethers' own (`fatal`: invalid UTF-8 is an error) and keeping a leading byte-order
 * mark as ethers does (`ignoreBOM`).
 */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A JsonRpcProvider that reads answers with Node's native UTF-8 decoder and JSON.parse. ethers' own `_send` decodes
 * every response body with a UTF-8 decoder written in JavaScript, which dominated the CPU of the audit replay and of
 * the indexer (an `eth_getLogs` answer of a few thousand dataset registrations is megabytes of text): about 60% of
 * the indexer's time. Its HTTP transport is ethers' own but for the body: ethers grows it by copying it whole at
 * every chunk received, quadratic in its size (a 50 MB `eth_getLogs` answer of 50,000 events cost 80 s of CPU),
 * and its FetchResponse copies the body once when made and again at every read: a successful answer's body is kept
 * here and ethers is handed none. Everything else (timeout, retries, redirects, errors) is ethers'.
 */
export class FastJsonRpcProvider extends JsonRpcProvider {
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const request = this._getConnection();
    let body: Uint8Array | null = null;
    request.getUrlFunc = async (req, signal) => {
      const answer = await getUrl(req, signal);
      if (answer.statusCode < 200 || answer.statusCode >= 300) return answer; // ethers' errors quote the body
      body = answer.body;
      return { ...answer, body: null };
    };
    // Bytes rather than a string: ethers would encode a string with the same JavaScript UTF-8 encoder.
    request.body = Buffer.from(JSON.stringify(payload), "utf8");
    request.setHeader("content-type", "application/json");
    const response = await request.send();
    response.assertOk();
    let answer: JsonRpcResult | JsonRpcResult[];
    try {
      answer = JSON.parse(UTF8.decode(body ?? new Uint8Array())) as JsonRpcResult | JsonRpcResult[];
    } catch {
      // Not UTF-8 or not JSON: ethers' own reading throws its own error for it, as callers (failover) expect.
      answer = new FetchResponse(response.statusCode, response.statusMessage, response.headers, body, request).bodyJson as JsonRpcResult | JsonRpcResult[];
    }
    return Array.isArray(answer) ? answer : [answer];
  }
}

/**
 * ethers' Node transport (utils/geturl.js), same requests, errors and timeout, with the body gathered in a list of
 * chunks joined once at the end.
 */
async function getUrl(req: FetchRequest, signal?: FetchCancelSignal): Promise<GetUrlResponse> {
  if (signal?.cancelled) throw makeError("request cancelled before sending", "CANCELLED");
  const protocol = req.url.split(":")[0].toLowerCase();
  if (protocol !== "http" && protocol !== "https") throw makeError(`unsupported protocol ${protocol}`, "UNSUPPORTED_OPERATION", { info: { protocol }, operation: "request" });
  if (protocol === "http" && req.credentials && !req.allowInsecureAuthentication) {
    throw makeError("insecure authorized connections unsupported", "UNSUPPORTED_OPERATION", { operation: "request" });
  }
  const abort = new AbortController();
  const request = (protocol === "http" ? http : https).request(req.url, { method: req.method, headers: { ...req.headers }, signal: abort.signal });
  request.setTimeout(req.timeout);
  if (req.body) request.write(Buffer.from(req.body));
  request.end();
  return new Promise<GetUrlResponse>((resolve, reject) => {
    signal?.addListener(() => {
      abort.abort();
      reject(makeError("request cancelled", "CANCELLED"));
    });
    request.on("timeout", () => reject(makeError("request timeout", "TIMEOUT")));
    request.once("response", (resp) => {
      const statusCode = resp.statusCode ?? 0;
      const statusMessage = resp.statusMessage ?? "";
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(resp.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : (value ?? "");
      const chunks: Buffer[] = [];
      resp.on("data", (chunk: Buffer) => {
        try {
          signal?.checkSignal();
        } catch (error) {
          reject(error);
          return;
        }
        chunks.push(chunk);
      });
      resp.on("end", () => {
        try {
          let body: Uint8Array | null = chunks.length === 0 ? null : Buffer.concat(chunks);
          if (headers["content-encoding"] === "gzip" && body) body = gunzipSync(body);
          resolve({ statusCode, statusMessage, headers, body });
        } catch (error) {
          reject(makeError("bad response data", "SERVER_ERROR", { request: req, info: { response: resp, error } }));
        }
      });
      resp.on("error", (error) => reject(error));
    });
    request.on("error", (error) => reject(error));
  });
}

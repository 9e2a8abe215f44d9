import { expect } from "chai";
import fc from "fast-check";
import request from "supertest";
import { startTestGateway, type TestGateway } from "./helpers/gateway";

type Schema = Record<string, any>;

/** Values that look like what a careless or hostile client sends: near-misses of every format the API reads. */
const nasty = fc.constantFrom("1e3", "0x10", "%201", " 1", "01", "-1", "0", "1.5", "", "null", "2024-02-30", "1969-12-31T00:00:00Z", `0x${"zz".repeat(32)}`, "💥", "a".repeat(300), "NaN");
const scalar = fc.oneof(nasty, fc.string({ maxLength: 40 }), fc.integer().map(String), fc.bigInt({ min: 0n, max: 1n << 260n }).map(String));

/** A body shaped like the schema (its property names), filled with near-miss values; sometimes not an object at all. */
function bodyFor(schema: Schema | undefined, resolve: (s: Schema) => Schema): fc.Arbitrary<unknown> {
  const s = schema ? resolve(schema) : {};
  const names = Object.keys(s.properties ?? {});
  const value = fc.oneof(scalar, fc.integer(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
  const shaped = names.length ? fc.record(Object.fromEntries(names.map((n) => [n, value])), { requiredKeys: [] }) : fc.object({ maxDepth: 1 });
  return fc.oneof({ weight: 4, arbitrary: shaped }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
}

describe("fuzz: every operation of the OpenAPI document", function () {
  this.timeout(600_000);
  let gw: TestGateway;
  before(async function () {
    gw = await startTestGateway();
  });
  after(async () => gw?.stop());

  it("never answers 5xx, and every error is { error: { code, message, details } }", async function () {
    const doc = gw.document() as { paths: Record<string, Record<string, Schema>>; components: { schemas: Record<string, Schema> } };
    const resolve = (s: Schema): Schema => (s.$ref ? resolve(doc.components.schemas[String(s.$ref).split("/").pop()!]) : s);
    let operations = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (op.responses?.["200"]?.content?.["text/event-stream"] || path === "/docs") continue;
        operations++;
        const params = ((op.parameters ?? []) as Schema[]).filter((p) => p.in === "path").map((p) => p.name as string);
        const queries = ((op.parameters ?? []) as Schema[]).filter((p) => p.in === "query").map((p) => p.name as string);
        const bodySchema = op.requestBody?.content?.["application/json"]?.schema as Schema | undefined;
        await fc.assert(
          fc.asyncProperty(
            fc.record(Object.fromEntries(params.map((n) => [n, scalar]))),
            fc.record(Object.fromEntries([...queries, "unexpected"].map((n) => [n, scalar])), { requiredKeys: [] }),
            bodyFor(bodySchema, resolve),
            async (p, q, body) => {
              const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(p[name])));
              let req = request(gw.app)[method as "get" | "post" | "delete"](url).query(q as Record<string, string>).set(gw.auth("CITY-ADMIN"));
              if (method !== "get" && bodySchema) req = req.set("content-type", "application/json").send(JSON.stringify(body));
              const res = await req;
              const where = `${method.toUpperCase()} ${url} ${JSON.stringify(q)} ${JSON.stringify(body)?.slice(0, 200)} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
              expect(res.status, where).to.be.below(500);
              if (res.status >= 400) {
                expect(Object.keys(res.body.error ?? {}), where).to.deep.equal(["code", "message", "details"]);
                expect(res.body.error.details, where).to.be.an("object");
              }
            },
          ),
          { numRuns: 12, seed: 12 },
        );
      }
    }
    expect(operations).to.be.greaterThan(40);
  });
});

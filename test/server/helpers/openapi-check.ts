/**
 * Validates every answer the test suite gets from the gateway against the OpenAPI document: the status must be
 * documented for the operation, and the body must match its schema with no field the document does not describe.
 * The test gateway installs it (createApp's `checkResponse`); the root hook below fails the run on any violation.
 */
type Schema = Record<string, any>;
type Doc = { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> } };

export const violations = new Set<string>();

export function responseChecker(document: () => Record<string, unknown>) {
  return (method: string, path: string | undefined, status: number, body: unknown): void => {
    const doc = document() as unknown as Doc;
    const where = `${method.toUpperCase()} ${path ?? "(no route)"} ${status}`;
    if (path === undefined) {
      check(doc, { $ref: "#/components/schemas/Error" }, body, where);
      return;
    }
    const op = doc.paths[path]?.[method];
    if (!op) return void violations.add(`${where}: operation not in the document`);
    const response = op.responses?.[String(status)];
    if (!response) return void violations.add(`${where}: status not documented`);
    const schema = response.content?.["application/json"]?.schema;
    if (schema) check(doc, schema, body, where);
  };
}

function resolve(doc: Doc, schema: Schema): Schema {
  let s = schema;
  for (let i = 0; s?.$ref && i < 20; i++) s = doc.components?.schemas?.[String(s.$ref).split("/").pop()!] ?? {};
  return s;
}

function problems(doc: Doc, schema: Schema, value: unknown, where: string): string[] {
  const found: string[] = [];
  walk(doc, schema, value, where, found);
  return found;
}

function check(doc: Doc, schema: Schema, value: unknown, where: string): void {
  for (const p of problems(doc, schema, value, where)) violations.add(p);
}

function walk(doc: Doc, raw: Schema, value: unknown, where: string, out: string[]): void {
  const schema = resolve(doc, raw);
  if (!schema || Object.keys(schema).length === 0) return;
  if (value === null) {
    if (!schema.nullable && schema.type !== undefined) out.push(`${where}: null where the document says ${schema.type}`);
    return;
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    if (schema[key]) {
      const attempts = (schema[key] as Schema[]).map((option) => problems(doc, option, value, where));
      if (!attempts.some((a) => a.length === 0)) out.push(...(attempts.sort((a, b) => a.length - b.length)[0] ?? []));
      return;
    }
  }
  if (schema.allOf) {
    // A reference with a description beside it, or an extension: one schema made of all the parts.
    const merged: Schema = {};
    for (const part of (schema.allOf as Schema[]).map((p) => resolve(doc, p))) {
      for (const [k, v] of Object.entries(part)) merged[k] = k === "properties" ? { ...merged.properties, ...v } : k === "required" ? [...(merged.required ?? []), ...v] : v;
    }
    walk(doc, merged, value, where, out);
    return;
  }
  if (Array.isArray(value)) {
    if (schema.type && schema.type !== "array") return void out.push(`${where}: an array where the document says ${schema.type}`);
    value.forEach((item, i) => walk(doc, schema.items ?? {}, item, `${where}[${i}]`, out));
    return;
  }
  if (typeof value === "object") {
    // A schema that names no type and no properties (z.unknown(): `{ nullable: true }`) allows anything.
    if (!schema.type && !schema.properties) return;
    if (schema.type && schema.type !== "object") return void out.push(`${where}: an object where the document says ${schema.type}`);
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (properties[key]) walk(doc, properties[key], v, `${where}.${key}`, out);
      else if (schema.additionalProperties && typeof schema.additionalProperties === "object") walk(doc, schema.additionalProperties, v, `${where}.${key}`, out);
      else if (!schema.additionalProperties) out.push(`${where}.${key}: field not in the document`);
    }
    for (const key of schema.required ?? []) if (!(key in (value as object))) out.push(`${where}.${key}: required by the document, missing`);
    return;
  }
  const type = typeof value === "number" ? (Number.isInteger(value) ? ["integer", "number"] : ["number"]) : [typeof value];
  if (schema.type && !type.includes(schema.type)) out.push(`${where}: a ${typeof value} where the document says ${schema.type}`);
  if (schema.enum && !schema.enum.includes(value)) out.push(`${where}: ${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`);
}

after(function () {
  if (violations.size > 0) {
    throw new Error(`answers that the OpenAPI document does not describe:\n${[...violations].sort().slice(0, 80).join("\n")}`);
  }
});

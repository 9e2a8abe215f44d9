/**
 * `npm run besu:kit -- --bodies DONRE,DOT,DOF,DOST [--out besu-network] [--chain-id N] [--block-period 2] [--gas-limit 60000000]`
 *
 * Writes a Besu QBFT network for the given city bodies (see kit.ts) into --out, which must not exist yet: validator
 * private keys are written there (mode 0600) and nowhere else. Each body keeps its own node's key; the rest is shared.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULTS, buildKit } from "./kit";

function main(): void {
  const { values } = parseArgs({
    options: {
      bodies: { type: "string" },
      out: { type: "string", default: "besu-network" },
      "chain-id": { type: "string" },
      "block-period": { type: "string" },
      "gas-limit": { type: "string" },
    },
  });
  if (!values.bodies) throw new Error("--bodies is required: the codes of the city bodies running a validator, comma-separated (4 or more)");
  const out = path.resolve(values.out!);
  if (fs.existsSync(out)) throw new Error(`${out} exists; the kit writes new keys and never overwrites`);
  const kit = buildKit({
    ...DEFAULTS,
    bodies: values.bodies.split(",").map((b) => b.trim()).filter(Boolean),
    chainId: values["chain-id"] ? Number(values["chain-id"]) : DEFAULTS.chainId,
    blockPeriodSeconds: values["block-period"] ? Number(values["block-period"]) : DEFAULTS.blockPeriodSeconds,
    gasLimit: values["gas-limit"] ? BigInt(values["gas-limit"]) : DEFAULTS.gasLimit,
  });
  for (const [file, text] of Object.entries(kit.files)) {
    const target = path.join(out, file);
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    fs.writeFileSync(target, text, { mode: file.endsWith("/key") ? 0o600 : 0o644 });
  }
  process.stdout.write(
    `Besu QBFT network for ${kit.validators.map((v) => v.body).join(", ")} written to ${out}\n` +
      `  start it:   cd ${path.relative(process.cwd(), out) || "."} && docker compose up -d\n` +
      `  gateway:    fill in the secrets of gateway.env, then: set -a; . ./gateway.env; set +a; npm start\n` +
      `  each body's node key is nodes/<service>/key: hand it to that body only.\n`,
  );
}

try {
  main();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}

/**
 * Drives a running system through its HTTP API and prints what happened, with links.
 *   npm run demo -- [--url http://127.0.0.1:8080] [--credentials .data/credentials.json] [--round NAME] [--json out.json]
 * Defaults: GATEWAY_URL, else http://HOST:PORT (127.0.0.1:8080); CREDENTIALS_FILE, else DATA_DIR/credentials.json
 * (DATA_DIR defaults to .data), as `npm start` writes it. Running it again replays the same answers (nothing new
 * happens); `--round NAME` runs another round of carbon and market activity under new projects.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ApiError, GatewayClient, type Credentials } from "./client";
import { runDemo } from "./scenario";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    credentials: { type: "string" },
    round: { type: "string" },
    json: { type: "string" },
    quiet: { type: "boolean", default: false },
  },
});

const baseUrl = (values.url ?? process.env.GATEWAY_URL ?? `http://${process.env.HOST ?? "127.0.0.1"}:${process.env.PORT ?? "8080"}`).replace(/\/$/, "");
const credentialsFile = values.credentials ?? process.env.CREDENTIALS_FILE ?? path.join(process.env.DATA_DIR ?? ".data", "credentials.json");
if (values.round !== undefined && !/^[A-Za-z0-9]{1,12}$/.test(values.round)) fail("--round must be 1–12 letters or digits");

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const out = (line = "") => {
  if (!values.quiet) process.stdout.write(`${line}\n`);
};
const n = (v: string | bigint) => BigInt(v).toLocaleString("en");

async function main(): Promise<void> {
  let credentials: Credentials;
  try {
    credentials = JSON.parse(fs.readFileSync(credentialsFile, "utf8")) as Credentials;
  } catch (err) {
    fail(`Cannot read the credentials file ${credentialsFile} (${(err as Error).message}). Start the system with npm start first.`);
  }
  const api = new GatewayClient(baseUrl, credentials);
  try {
    const health = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) });
    if (!health.ok) throw new Error(`status ${health.status}`);
  } catch (err) {
    fail(`The gateway at ${baseUrl} does not answer (${(err as Error).message}). Start it with npm start, or pass --url.`);
  }

  out(`City Asset Ledger demo against ${baseUrl}${values.round ? ` (round ${values.round})` : ""}`);
  out("(✓ done now, ↺ already done by an earlier run: the gateway replayed its answer)");
  const outcome = await runDemo(api, { round: values.round, log: out });

  const [solar, logistics, solarBatch, fleetBatch, listing, ...certificates] = await Promise.all([
    api.get("AUDITOR", "/v1/accounts/BIZ-SOLAR/balances"),
    api.get("AUDITOR", "/v1/accounts/BIZ-LOGISTICS/balances"),
    api.get("AUDITOR", `/v1/carbon/batches/${outcome.batches.solar}`),
    api.get("AUDITOR", `/v1/carbon/batches/${outcome.batches.fleet}`),
    api.get("AUDITOR", `/v1/market/listings/${outcome.listing}`),
    ...outcome.retirements.map((id) => api.get("AUDITOR", `/v1/carbon/retirements/${id}`)),
  ]);
  const link = (href: string) => `${baseUrl}${href}`;

  out();
  out("Account");
  out(`  Catalogue: ${outcome.catalogue.registered} datasets registered in ${outcome.catalogue.transactions} transactions`);
  out(`    ${link("/v1/datasets?holder=AGENCY-TRANSPORT")}`);
  for (const b of [solarBatch, fleetBatch]) {
    out(
      `  Batch ${b.id} (${b.project.id}, serials ${b.serials.first}–${b.serials.last}): issued ${n(b.supply.issued)}, ` +
        `circulating ${n(b.supply.circulating)}, retired ${n(b.supply.retired)}, cancelled ${n(b.supply.cancelled)}; adjustment ${b.correspondingAdjustment}`,
    );
    out(`    ${link(`/v1/carbon/batches/${b.id}`)}`);
  }
  out(`  Listing ${listing.id}: ${n(listing.filled)} of ${n(listing.amount)} tCO2e sold at ${n(listing.unitPrice)} VND, ${n(listing.remaining)} left (${listing.status})`);
  out(`    ${link(listing.links.self)}   trades: ${link(`/v1/market/trades?listingId=${listing.id}`)}`);
  for (const c of certificates) {
    out(
      `  Certificate ${c.id}: ${n(c.amount)} tCO2e of batch ${c.batchId}, serials ${c.serials.first}–${c.serials.last}, ` +
        `for ${c.beneficiary.name} (${c.reason}), block ${c.transaction.blockNumber}`,
    );
    out(`    ${link(c.links.self)}`);
  }
  for (const b of [solar, logistics]) {
    const held = b.credits.map((c: { batchId: string; held: string; listed: string }) => `batch ${c.batchId}: ${n(c.held)} held${c.listed !== "0" ? `, ${n(c.listed)} listed` : ""}`);
    const retired = b.retired.map((r: { batchId: string; amount: string }) => `batch ${r.batchId}: ${n(r.amount)}`);
    out(`  ${b.organization}: ${n(b.vnd.balance)} VND; credits ${held.join("; ") || "none"}; retired ${retired.join("; ") || "none"}; ${b.datasets.count} datasets`);
    out(`    ${link(`/v1/accounts/${b.organization}/balances`)}`);
  }
  out(`  API documentation: ${link("/docs")}`);

  if (values.json) {
    fs.writeFileSync(values.json, JSON.stringify({ baseUrl, ...outcome, readings: { solar, logistics, solarBatch, fleetBatch, listing, certificates } }, null, 2) + "\n");
  }
}

main().catch((err) => {
  if (err instanceof ApiError) fail(`The demo stopped: ${err.message}${err.body?.error?.details ? `\n${JSON.stringify(err.body.error.details, null, 2)}` : ""}`);
  fail(`The demo stopped: ${(err as Error).stack ?? String(err)}`);
});

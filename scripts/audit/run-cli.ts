/**
 * The auditor's tool (run by cli.ts): replays the whole on-chain history over JSON-RPC and reconciles it with the
 * contracts' state. `npm run audit -- --help` says how.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { FastJsonRpcProvider } from "../lib/json-rpc";
import { auditChain, type AuditDeployment } from "./audit-chain";
import { reportJson, summarise } from "./report";
import { readLogExport } from "./log-export";

export const HELP = `City Asset Ledger audit — replays every event from the deployment block over JSON-RPC, rebuilds balances,
supplies, ownership and statuses, and compares them with the contracts' state at one block. Trusts only the chain.

Usage: npm run audit -- [options]

  --rpc <url>           JSON-RPC endpoint (default http://127.0.0.1:$CHAIN_PORT, 8545). Repeat it to give several
                        endpoints of one network: the audit runs against the first, at the lowest head of them all,
                        and fails if any endpoint serves another chain or other block hashes.
  --deployment <file>   the deployment record (default $DATA_DIR/deployment.json). Verified, not trusted: the code at
                        each address, nothing there before its deployment block, the contracts' wiring, one authority,
                        one Forwarder, and the permission policy of scripts/lib/permissions.ts.
  --log <file>          an export of the gateway's action log (GET /v1/audit/log: { entries, accounts? }): verified
                        against the anchored Merkle roots and against the chain's transactions, in both directions.
  --to-block <n>        audit up to block n (default: the latest block every endpoint has).
  --out <file>          the JSON report (default $DATA_DIR/audit-report.json); a readable .txt summary is written
                        beside it and printed.
  --help                this text.

Exit status: 0 the audit passed, 1 it found discrepancies (listed in the report), 2 it could not run.
`;

/** `npm run audit -- …`: runs the audit the arguments ask for, writes the report, and answers the exit status. */
export async function runCli(args: string[], out: (text: string) => void = (t) => process.stdout.write(t), err: (text: string) => void = (t) => process.stderr.write(t)): Promise<number> {
  const dataDir = process.env.DATA_DIR ?? ".data";
  const { values } = parseArgs({
    args,
    options: {
      rpc: { type: "string", multiple: true },
      deployment: { type: "string", default: path.join(dataDir, "deployment.json") },
      log: { type: "string" },
      "to-block": { type: "string" },
      out: { type: "string", default: path.join(dataDir, "audit-report.json") },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    out(HELP);
    return 0;
  }
  if (!fs.existsSync(values.deployment!)) {
    err(`No deployment record at ${values.deployment}. Pass --deployment <file> (and --rpc <url>); see --help.\n`);
    return 2;
  }
  const toBlockArg = values["to-block"];
  if (toBlockArg !== undefined && !/^\d+$/.test(toBlockArg)) {
    err(`--to-block takes a block number, got ${JSON.stringify(toBlockArg)}\n`);
    return 2;
  }
  const deployment = JSON.parse(fs.readFileSync(values.deployment!, "utf8")) as AuditDeployment;
  const logExport = values.log ? readLogExport(JSON.parse(fs.readFileSync(values.log, "utf8"))) : undefined;
  const urls = values.rpc?.length ? values.rpc : [`http://127.0.0.1:${process.env.CHAIN_PORT ?? "8545"}`];
  // batchStallTime 0: ethers otherwise holds every request 10 ms to batch it; the comparison batches its own calls.
  const providers = urls.map((url) => ({ url, provider: new FastJsonRpcProvider(url, undefined, { staticNetwork: true, batchStallTime: 0 }) }));
  try {
    const heads = await Promise.all(providers.map(({ provider }) => provider.getBlockNumber()));
    const report = await auditChain({
      provider: providers[0].provider,
      providerUrl: providers[0].url,
      otherProviders: providers.slice(1),
      deployment,
      toBlock: toBlockArg !== undefined ? Number(toBlockArg) : Math.min(...heads),
      ...(logExport ? { actionLog: logExport.entries, gatewayAccounts: logExport.accounts } : {}),
    });
    const summary = summarise(report);
    fs.mkdirSync(path.dirname(values.out!), { recursive: true });
    fs.writeFileSync(values.out!, reportJson(report));
    const summaryFile = values.out!.replace(/\.json$/, "") + ".txt";
    fs.writeFileSync(summaryFile, summary);
    out(summary + `\nReport: ${values.out} and ${summaryFile}\n`);
    return report.passed ? 0 : 1;
  } finally {
    for (const { provider } of providers) provider.destroy();
  }
}

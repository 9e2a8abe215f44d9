/**
 * The auditor's tool: replays the whole on-chain history over JSON-RPC and reconciles it with the contracts' state.
 *   npm run audit -- [--rpc <url>] [--deployment <file>] [--log <exported action log>] [--to-block <n>] [--out <file>]
 * With no arguments it audits the embedded node of `npm start` (DATA_DIR, CHAIN_PORT). Exits 1 on any discrepancy.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { JsonRpcProvider } from "ethers";
import { auditChain, type AuditDeployment } from "./audit-chain";
import { reportJson, summarise } from "./report";
import type { ActionLogEntry } from "../lib/action-log";

async function main(): Promise<number> {
  const dataDir = process.env.DATA_DIR ?? ".data";
  const { values } = parseArgs({
    options: {
      rpc: { type: "string", default: `http://127.0.0.1:${process.env.CHAIN_PORT ?? "8545"}` },
      deployment: { type: "string", default: path.join(dataDir, "deployment.json") },
      log: { type: "string" },
      "to-block": { type: "string" },
      out: { type: "string", default: path.join(dataDir, "audit-report.json") },
    },
  });
  if (!fs.existsSync(values.deployment!)) {
    process.stderr.write(`No deployment record at ${values.deployment}. Pass --deployment <file> (and --rpc <url>).\n`);
    return 2;
  }
  const deployment = JSON.parse(fs.readFileSync(values.deployment!, "utf8")) as AuditDeployment;
  const actionLog = values.log ? (JSON.parse(fs.readFileSync(values.log, "utf8")) as { entries?: ActionLogEntry[] } | ActionLogEntry[]) : undefined;
  // batchStallTime 0: ethers otherwise holds every request 10 ms to batch it, and the replay asks for block times one
  // by one. Concurrent view calls of the comparison are still sent as one batch.
  const provider = new JsonRpcProvider(values.rpc, undefined, { staticNetwork: true, batchStallTime: 0 });
  try {
    const report = await auditChain({
      provider,
      deployment,
      toBlock: values["to-block"] ? Number(values["to-block"]) : undefined,
      actionLog: actionLog ? (Array.isArray(actionLog) ? actionLog : (actionLog.entries ?? [])) : undefined,
    });
    const summary = summarise(report);
    fs.mkdirSync(path.dirname(values.out!), { recursive: true });
    fs.writeFileSync(values.out!, reportJson(report));
    const summaryFile = values.out!.replace(/\.json$/, "") + ".txt";
    fs.writeFileSync(summaryFile, summary);
    process.stdout.write(summary + `\nReport: ${values.out} and ${summaryFile}\n`);
    return report.passed ? 0 : 1;
  } finally {
    provider.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit failed to run: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);

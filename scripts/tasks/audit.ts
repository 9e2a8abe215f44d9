import fs from "node:fs";
import path from "node:path";
import { task, types } from "hardhat/config";

// Loaded by hardhat.config.ts: modules that need typechain-types are imported inside the actions, since the
// types do not exist before the first compile.

task("audit", "Replays the on-chain history and reconciles it with the contracts' state")
  .addOptionalParam("deployment", "deployment record", path.join(process.env.DATA_DIR ?? ".data", "deployment.json"))
  .addOptionalParam("log", "exported gateway action log (JSON: entries, optionally the gateway's accounts) to verify against the anchors and the chain")
  .addOptionalParam("toBlock", "audit up to this block (default: latest)", undefined, types.int)
  .addOptionalParam("out", "report file (JSON; a .txt summary is written beside it)", path.join(process.env.DATA_DIR ?? ".data", "audit-report.json"))
  .setAction(async (args: { deployment: string; log?: string; toBlock?: number; out: string }, hre) => {
    const { auditChain } = await import("../audit/audit-chain");
    const { reportJson, summarise } = await import("../audit/report");
    const { readLogExport } = await import("../audit/log-export");
    if (!fs.existsSync(args.deployment)) throw new Error(`No deployment record at ${args.deployment}`);
    const deployment = JSON.parse(fs.readFileSync(args.deployment, "utf8"));
    const log = args.log ? readLogExport(JSON.parse(fs.readFileSync(args.log, "utf8"))) : undefined;
    const report = await auditChain({
      provider: hre.ethers.provider,
      deployment,
      toBlock: args.toBlock,
      ...(log ? { actionLog: log.entries, gatewayAccounts: log.accounts } : {}),
    });
    fs.mkdirSync(path.dirname(args.out), { recursive: true });
    fs.writeFileSync(args.out, reportJson(report));
    fs.writeFileSync(args.out.replace(/\.json$/, "") + ".txt", summarise(report));
    process.stdout.write(summarise(report));
    if (!report.passed) process.exitCode = 1;
  });

task("audit:verify-file", "Hashes a file (sha256) and says whether and how it is registered as a dataset")
  .addPositionalParam("file", "the file to verify")
  .addOptionalParam("deployment", "deployment record", path.join(process.env.DATA_DIR ?? ".data", "deployment.json"))
  .setAction(async (args: { file: string; deployment: string }, hre) => {
    const { verifyFile, describeVerification } = await import("../audit/verify-file");
    if (!fs.existsSync(args.file)) throw new Error(`No file at ${args.file}`);
    if (!fs.existsSync(args.deployment)) throw new Error(`No deployment record at ${args.deployment}`);
    const deployment = JSON.parse(fs.readFileSync(args.deployment, "utf8"));
    const result = await verifyFile(args.file, { provider: hre.ethers.provider, deployment });
    process.stdout.write(describeVerification(result));
    // Scripts can branch on it: 0 when the file is registered, 1 when it is not.
    if (!result.registered) process.exitCode = 1;
    return result;
  });

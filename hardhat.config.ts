import path from "node:path";
import { subtask, type HardhatUserConfig } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import "./scripts/tasks/audit";

/** The one compiler version of the project; the npm `solc` package must be pinned to exactly this. */
export const SOLC_VERSION = "0.8.28";

// No machine of ours reaches the compiler download site, so Hardhat compiles with solc-js from npm.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async (args: { solcVersion: string }) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  const longVersion = solc.version();
  const installed = longVersion.split("+")[0];
  if (args.solcVersion !== SOLC_VERSION || installed !== SOLC_VERSION) {
    throw new Error(
      `Solidity compiler mismatch: the config asks for ${args.solcVersion}, the project pins ${SOLC_VERSION}, ` +
        `and the npm package "solc" is ${installed}. Pin "solc": "${SOLC_VERSION}" in package.json and run npm install.`,
    );
  }
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: installed,
    longVersion,
  };
});

const rpcUrl = process.env.RPC_URL;
const deployerKey = process.env.DEPLOYER_PRIVATE_KEY;

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      evmVersion: "cancun",
      viaIR: false,
    },
  },
  networks: {
    hardhat: {
      // Permissioned networks run without gas charges; tests model that too.
      initialBaseFeePerGas: 0,
      gasPrice: 0,
      allowUnlimitedContractSize: false,
    },
    localhost: { url: `http://127.0.0.1:${process.env.CHAIN_PORT ?? "8545"}` },
    ...(rpcUrl
      ? { besu: { url: rpcUrl, accounts: deployerKey ? [deployerKey] : [], gasPrice: 0 } }
      : {}),
  },
  paths: {
    sources: "contracts",
    tests: "test",
    cache: "cache",
    artifacts: "artifacts",
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  mocha: { timeout: 120_000 },
  gasReporter: { enabled: process.env.REPORT_GAS === "true" },
};

export default config;
export const PROJECT_ROOT = path.resolve(__dirname);

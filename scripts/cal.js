#!/usr/bin/env node
// Launcher of the `cal` CLI (server/client/cli.ts): runs the TypeScript through ts-node without type checking.
const path = require("node:path");
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require("../server/client/cli.ts")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });

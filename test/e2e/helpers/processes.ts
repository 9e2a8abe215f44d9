// The process helpers live in scripts/lib so the benchmarks start the system the same way the tests do.
export { GatewayProcess, ROOT, api, freePort, isAlive, tempDataDir, waitFor } from "../../../scripts/lib/processes";

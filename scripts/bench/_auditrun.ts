import { runAuditBenchmark } from "./audit";
runAuditBenchmark({ sizes: [3000, 6000], historyEvents: 20000, historyQueries: 200 }, console.log).then((r) => { console.log(JSON.stringify(r, null, 1)); process.exit(0); }, (e) => { console.error(e); process.exit(1); });

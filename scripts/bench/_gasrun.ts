import { runGasBenchmark } from "./gas";
runGasBenchmark(console.log).then(({ gas, unmeasured }) => { console.log(JSON.stringify(gas, null, 1)); console.log("unmeasured", unmeasured); process.exit(0); }, (e) => { console.error(e); process.exit(1); });

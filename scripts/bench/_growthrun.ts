import { runGrowthBenchmark, GROWTH_VARIANTS } from "./growth";
runGrowthBenchmark({ heights: [0, 2000], transfers: 100, variants: GROWTH_VARIANTS.slice(0, 2), deadlineMs: 300_000 }, console.log).then((r) => { console.log(JSON.stringify(r, null, 1)); process.exit(0); }, (e) => { console.error(e); process.exit(1); });

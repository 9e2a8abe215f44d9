/**
 * Benchmark 3: the 540-dataset sample catalogue (scripts/lib/catalogue.ts) imported through
 * `POST /v1/datasets/batch` by the city data office: wall time of the request until every chunk is mined, and gas
 * per dataset from the chain transactions the answer lists.
 */
import { generateCatalogue } from "../lib/catalogue";
import type { BenchGateway } from "./lib/gateway-system";
import type { CatalogueResult } from "./lib/report";
import { round } from "./lib/stats";

interface ChainTx {
  gasUsed: string | null;
  status: string;
}

export async function runCatalogueBenchmark(sys: BenchGateway, log: (line: string) => void, count = 540): Promise<CatalogueResult> {
  const { catalogue } = generateCatalogue(count);
  const key = sys.apiKeys["DATA-OFFICE"];
  const t0 = performance.now();
  let res = await sys.call(key, "POST", "/v1/datasets/batch", {
    holder: "DATA-OFFICE",
    holderByPublisher: { DONRE: "DONRE", DOT: "AGENCY-TRANSPORT" },
    catalogue,
  });
  // A catalogue that takes longer than TX_WAIT_TIMEOUT_MS is answered 202; follow it to the end.
  while (res.status === 202) {
    await new Promise((r) => setTimeout(r, 100));
    res = await sys.call(key, "GET", `/v1/transactions/${res.body.transaction.id}`);
    if (res.status === 200 && res.body.status === "pending") res = { status: 202, body: { transaction: res.body } };
    else if (res.status === 200) res = { status: res.body.status === "mined" ? 201 : 500, body: { result: res.body.result, transaction: res.body } };
  }
  const seconds = (performance.now() - t0) / 1000;
  if (res.status !== 201) throw new Error(`catalogue import answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  const txs = res.body.transaction.chainTransactions as ChainTx[];
  const gas = txs.reduce((sum, t) => sum + Number(t.gasUsed ?? 0), 0);
  const registered = Number(res.body.result?.registered ?? count);
  const result: CatalogueResult = { datasets: registered, seconds: round(seconds, 2)!, gasPerDataset: Math.round(gas / registered), transactions: txs.length };
  log(`catalogue: ${registered} datasets in ${result.seconds} s, ${result.transactions} transactions, ${result.gasPerDataset} gas per dataset`);
  return result;
}

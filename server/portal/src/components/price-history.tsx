import { get, qs } from "../api";
import { useI18n } from "../i18n";
import type { Page, Trade } from "../types";
import { LineChart } from "./charts";
import { ErrorMessage, useLoad } from "./common";

/** Price per tCO2e of every trade of a batch, oldest first. */
export function PriceHistory({ batchId }: { batchId: string }) {
  const { t, date, vnd } = useI18n();
  const { data, error } = useLoad(() => get<Page<Trade>>(`/v1/market/trades${qs({ batchId, limit: 200 })}`), [batchId]);
  return (
    <section aria-labelledby={`prices-${batchId}`}>
      <h2 id={`prices-${batchId}`}>{t("market.priceHistory", { id: batchId })}</h2>
      <ErrorMessage error={error} />
      {data &&
        (data.items.length === 0 ? (
          <p>{t("market.noTrades")}</p>
        ) : (
          <LineChart
            title={t("market.priceChart")}
            points={data.items.map((tr) => ({ label: date(tr.transaction.timestamp), value: Number(tr.unitPrice) }))}
            format={(n) => vnd(Math.round(n))}
          />
        ))}
    </section>
  );
}

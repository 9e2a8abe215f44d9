import { get } from "../api";
import { SplitBar } from "../components/charts";
import { ErrorMessage, Facts, Hash, Loading, Org, useLoad } from "../components/common";
import { History } from "../components/history";
import { PriceHistory } from "../components/price-history";
import { sha256Text, WriteForm } from "../components/write-form";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { session } from "../session";
import type { Batch } from "../types";

/** A batch: serial block, supply split (circulating / retired / cancelled), freeze and Art. 6 status, history, prices. */
export default function BatchPage({ params }: { params: Record<string, string> }) {
  const { t, number, date } = useI18n();
  const { data: b, error, loading, reload } = useLoad(() => get<Batch>(`/v1/carbon/batches/${params.id}`), [params.id]);
  const base = `/v1/carbon/batches/${params.id}`;
  return (
    <>
      <h1>{t("batch.heading", { id: params.id })}</h1>
      <Loading when={loading} />
      <ErrorMessage error={error} />
      {b && (
        <>
          <Facts
            rows={[
              [t("batch.project"), b.project.id ?? "—"],
              [t("batch.vintage"), `${date(b.monitoringPeriod.start)} – ${date(b.monitoringPeriod.end)}`],
              [t("batch.serials"), `${b.serials.first} – ${b.serials.last}`],
              [t("batch.nextSerial"), b.serials.next],
              [t("batch.issued"), number(b.supply.issued)],
              [t("batch.frozen"), b.frozen ? t("batch.isFrozen") : t("batch.notFrozen")],
              [t("batch.adjustment"), t(`adjustment.${b.correspondingAdjustment as "Pending"}`)],
              [t("batch.issuedTo"), <Org code={b.issuedTo?.organization} />],
              [t("batch.issuance"), b.issuance ? <><Hash value={b.issuance.transactionHash} /> ({t("tx.block")} {b.issuance.blockNumber})</> : "—"],
            ]}
          />
          <SplitBar
            title={t("batch.supply")}
            format={(n) => number(n)}
            parts={[
              { label: t("batch.circulating"), value: Number(b.supply.circulating), color: "#0b5cad" },
              { label: t("batch.retired"), value: Number(b.supply.retired), color: "#1a7f37" },
              { label: t("batch.cancelled"), value: Number(b.supply.cancelled), color: "#b42318" },
            ]}
          />
          <p><Link to={`/market?batch=${b.id}`}>{t("batch.listings")}</Link></p>
          {session.can("carbon:issue") && (
            <div className="grid">
              <WriteForm
                title={b.frozen ? "batch.unfreeze" : "batch.freeze"}
                submit="common.submit"
                fields={[{ name: "reason", label: "common.reason", required: true }]}
                request={(v) => ({ path: `${base}/${b.frozen ? "unfreeze" : "freeze"}`, body: v })}
                onDone={reload}
              />
              <WriteForm
                title="batch.setAdjustment"
                submit="common.submit"
                fields={[
                  { name: "status", label: "batch.adjustment", type: "select", options: ["Unspecified", "NotRequired", "Pending", "Applied"].map((s) => ({ value: s, label: t(`adjustment.${s as "Pending"}`) })) },
                  { name: "evidence", label: "batch.evidence", type: "textarea", required: true },
                ]}
                request={async (v) => ({ path: `${base}/adjustment`, body: { status: v.status, evidenceHash: await sha256Text(v.evidence) } })}
                onDone={reload}
              />
              <WriteForm
                title="batch.cancel"
                submit="common.submit"
                fields={[
                  { name: "holder", label: "dataset.holder", required: true },
                  { name: "amount", label: "common.amount", type: "number", required: true },
                  { name: "reason", label: "common.reason", required: true },
                ]}
                request={(v) => ({ path: `${base}/cancel`, body: { holder: v.holder.trim().toUpperCase(), amount: v.amount, reason: v.reason } })}
                onDone={reload}
              />
            </div>
          )}
          <PriceHistory batchId={b.id} />
          <History subject={{ batch: b.id }} />
        </>
      )}
    </>
  );
}

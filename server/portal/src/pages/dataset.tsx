import { get } from "../api";
import { LineChart } from "../components/charts";
import { ErrorMessage, Facts, Hash, Loading, Org, useLoad } from "../components/common";
import { History } from "../components/history";
import { Offers } from "../components/offers";
import { isoDay, metadataHashOf, sha256Text, WriteForm } from "../components/write-form";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { session } from "../session";
import type { Dataset } from "../types";

const CLASSES = ["Open", "Other", "Important", "Core"];

export default function DatasetPage({ params }: { params: Record<string, string> }) {
  const { t, date, vnd } = useI18n();
  const { data: d, error, loading, reload } = useLoad(() => get<Dataset>(`/v1/datasets/${params.id}`), [params.id]);
  const canWrite = session.can("datasets:write");
  const canTransfer = session.can("datasets:transfer");
  const base = `/v1/datasets/${params.id}`;
  const classOptions = CLASSES.map((c) => ({ value: c, label: t(`class.${c as "Open"}`) }));
  return (
    <>
      <Loading when={loading} />
      <ErrorMessage error={error} />
      {d && (
        <>
          <h1>{d.title}</h1>
          <Facts
            rows={[
              [t("dataset.classification"), t(`class.${d.classification as "Open"}`)],
              [t("dataset.status"), t(`status.${d.status as "Active"}`)],
              [t("dataset.holder"), <Org code={d.holder.organization} />],
              [t("dataset.custodian"), d.custodian ? <Org code={d.custodian.organization} /> : "—"],
              [t("dataset.version"), String(d.version)],
              [t("dataset.transferable"), d.transferable ? t("common.yes") : t("common.no")],
              [t("dataset.contentHash"), <Hash value={d.contentHash} />],
              [t("dataset.metadataHash"), <Hash value={d.metadataHash} />],
              [t("dataset.uri"), <a href={d.uri} rel="noreferrer noopener">{d.uri}</a>],
              [t("dataset.registered"), `${t("tx.block")} ${d.registered.blockNumber}`],
            ]}
          />
          <section aria-labelledby="versions">
            <h2 id="versions">{t("dataset.versions")}</h2>
            <ul className="tree">
              {d.parentId && <li>{t("dataset.parent")}: <Link to={`/datasets/${d.parentId}`}><Hash value={d.parentId} /></Link></li>}
              <li aria-current="true">{t("dataset.thisVersion", { n: d.version })}</li>
              {d.children.map((c) => (
                <li key={c}>{t("dataset.child")}: <Link to={`/datasets/${c}`}><Hash value={c} /></Link></li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="licences">
            <h2 id="licences">{t("dataset.licences")}</h2>
            {d.licenses.length === 0 ? <p>{t("common.none")}</p> : (
              <table>
                <caption>{t("dataset.licences")}</caption>
                <thead><tr><th scope="col">{t("common.organization")}</th><th scope="col">{t("dataset.expires")}</th><th scope="col">{t("dataset.terms")}</th></tr></thead>
                <tbody>
                  {d.licenses.map((l) => (
                    <tr key={l.organization}><td><Org code={l.organization} /></td><td>{date(l.expiresAt)}</td><td><Hash value={l.termsHash} /></td></tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <Offers dataset={d} />
          <section aria-labelledby="valuations">
            <h2 id="valuations">{t("dataset.valuations")}</h2>
            {d.valuations.length === 0 ? <p>{t("common.none")}</p> : (
              <LineChart
                title={t("dataset.valuationChart")}
                points={d.valuations.map((v) => ({ label: date(v.valuationDate), value: Number(v.amountVnd) }))}
                format={(n) => vnd(Math.round(n))}
              />
            )}
          </section>
          {(canWrite || canTransfer) && (
            <section aria-labelledby="actions">
              <h2 id="actions">{t("dataset.actions")}</h2>
              <div className="grid">
                {canWrite && (
                  <WriteForm
                    title="dataset.newVersion"
                    submit="common.submit"
                    fields={[
                      { name: "contentHash", label: "dataset.contentHash", required: true, hint: "register.hashHint" },
                      { name: "title", label: "dataset.name", required: true, initial: d.title },
                      { name: "uri", label: "dataset.uri", required: true, initial: d.uri },
                      { name: "classification", label: "dataset.classification", type: "select", options: classOptions, initial: d.classification },
                    ]}
                    request={async (v) => ({ path: `${base}/versions`, body: { ...v, metadataHash: await metadataHashOf(v), holder: d.holder.organization ?? undefined } })}
                    onDone={reload}
                  />
                )}
                {canTransfer && (
                  <WriteForm
                    title="dataset.transfer"
                    submit="common.submit"
                    fields={[{ name: "to", label: "dataset.to", required: true }]}
                    request={(v) => ({ path: `${base}/transfer`, body: { to: v.to.trim() } })}
                    onDone={reload}
                  />
                )}
                {canWrite && (
                  <>
                    <WriteForm
                      title="dataset.setStatus"
                      submit="common.submit"
                      fields={[
                        { name: "status", label: "dataset.status", type: "select", options: ["Active", "Deprecated", "Revoked"].map((s) => ({ value: s, label: t(`status.${s as "Active"}`) })) },
                        { name: "reason", label: "common.reason", required: true },
                      ]}
                      request={(v) => ({ path: `${base}/status`, body: v })}
                      onDone={reload}
                    />
                    <WriteForm
                      title="dataset.grant"
                      submit="common.submit"
                      fields={[
                        { name: "organization", label: "common.organization", required: true },
                        { name: "expiresAt", label: "dataset.expires", type: "date" },
                        { name: "terms", label: "dataset.terms", type: "textarea", required: true },
                      ]}
                      request={async (v) => ({
                        path: `${base}/licenses`,
                        body: { organization: v.organization.trim(), terms: v.terms, termsHash: await sha256Text(v.terms), ...(v.expiresAt ? { expiresAt: isoDay(v.expiresAt) } : {}) },
                      })}
                      onDone={reload}
                    />
                    <WriteForm
                      title="dataset.revoke"
                      submit="common.submit"
                      fields={[
                        { name: "organization", label: "common.organization", required: true },
                        { name: "reason", label: "common.reason", required: true },
                      ]}
                      request={(v) => ({ method: "DELETE", path: `${base}/licenses/${encodeURIComponent(v.organization.trim())}?reason=${encodeURIComponent(v.reason)}` })}
                      onDone={reload}
                    />
                    <WriteForm
                      title="dataset.value"
                      submit="common.submit"
                      fields={[
                        { name: "amountVnd", label: "dataset.amountVnd", type: "number", required: true },
                        { name: "valuationDate", label: "dataset.valuationDate", type: "date", required: true },
                        { name: "method", label: "dataset.method", required: true },
                        { name: "appraiser", label: "dataset.appraiser", required: true },
                        { name: "report", label: "dataset.report", type: "textarea", required: true },
                      ]}
                      request={async (v) => ({
                        path: `${base}/valuations`,
                        body: { amountVnd: v.amountVnd, valuationDate: isoDay(v.valuationDate), method: v.method, appraiser: v.appraiser, reportHash: await sha256Text(v.report) },
                      })}
                      onDone={reload}
                    />
                  </>
                )}
              </div>
            </section>
          )}
          <History subject={{ dataset: d.id }} />
        </>
      )}
    </>
  );
}

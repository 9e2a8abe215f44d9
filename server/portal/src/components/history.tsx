import { useState } from "react";
import { get, qs } from "../api";
import { useI18n } from "../i18n";
import type { HistoryEvent, Page } from "../types";
import { ErrorMessage, Hash, Loading, Org, Pager, useLoad } from "./common";

/** The full history of a subject from `GET /v1/audit/events` (dataset, batch, listing, org or account), paged on the server. */
export function History({ subject }: { subject: Record<string, string> }) {
  const { t, date } = useI18n();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const key = JSON.stringify(subject);
  const { data, error, loading } = useLoad(() => get<Page<HistoryEvent>>(`/v1/audit/events${qs({ ...subject, limit: 50, cursor })}`), [key, cursor]);
  return (
    <section aria-labelledby="history">
      <h2 id="history">{t("history.title")}</h2>
      <ErrorMessage error={error} />
      <Loading when={loading} />
      {data && (
        <>
          <table className="history">
            <caption>{t("history.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("history.when")}</th>
                <th scope="col">{t("history.event")}</th>
                <th scope="col">{t("history.by")}</th>
                <th scope="col">{t("history.details")}</th>
                <th scope="col">{t("tx.block")}</th>
                <th scope="col">{t("tx.hash")}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((e) => (
                <tr key={`${e.transactionHash}:${e.logIndex}`}>
                  <td>{date(e.timestamp, true)}</td>
                  <td>
                    {e.contract}.{e.event}
                  </td>
                  <td>
                    <Org code={e.organization?.code} />
                  </td>
                  <td className="args">
                    {Object.entries(e.args)
                      .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
                      .join(" · ")}
                  </td>
                  <td>{e.blockNumber}</td>
                  <td>
                    <Hash value={e.transactionHash} />
                  </td>
                </tr>
              ))}
              {data.items.length === 0 && (
                <tr>
                  <td colSpan={6}>{t("common.none")}</td>
                </tr>
              )}
            </tbody>
          </table>
          <Pager page={cursors.length} hasMore={Boolean(data.nextCursor)} onFirst={() => setCursors([null])} onNext={() => setCursors([...cursors, data.nextCursor])} />
        </>
      )}
    </section>
  );
}

import { useState } from "react";
import { get, qs } from "../api";
import { ErrorMessage, Hash, Loading, Pager, useLoad } from "../components/common";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { session } from "../session";
import type { Page } from "../types";

interface HeldLicence {
  datasetId: string;
  title: string | null;
  expiresAt: string | null;
  inForce: boolean;
  revoked: boolean;
  termsHash: string;
  granted: { transactionHash: string; timestamp: string };
}

/** "My licences": the usage licences the signed-in organisation holds, granted or bought, with their expiry. */
export default function Licences() {
  const { t, date } = useI18n();
  const info = session.info();
  const [inForce, setInForce] = useState(false);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const list = useLoad(
    () => (info ? get<Page<HeldLicence>>(`/v1/licenses${qs({ inForce: inForce && "true", limit: 50, cursor })}`) : Promise.resolve(undefined)),
    [info?.organization, inForce, cursor],
  );
  if (!info) {
    return (
      <>
        <h1>{t("licences.title")}</h1>
        <p>{t("licences.signIn")} <Link to="/">{t("session.signIn")}</Link></p>
      </>
    );
  }
  return (
    <>
      <h1>{t("licences.title")}</h1>
      <p>{t("licences.lead", { org: info.organization })}</p>
      <div className="field check">
        <input
          id="in-force"
          type="checkbox"
          checked={inForce}
          onChange={(e) => {
            setInForce(e.target.checked);
            setCursors([null]);
          }}
        />
        <label htmlFor="in-force">{t("licences.inForceOnly")}</label>
      </div>
      <ErrorMessage error={list.error} />
      <Loading when={list.loading} />
      {list.data && (
        <>
          <table data-testid="licences">
            <caption>{t("licences.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("licences.dataset")}</th>
                <th scope="col">{t("dataset.expires")}</th>
                <th scope="col">{t("dataset.status")}</th>
                <th scope="col">{t("dataset.terms")}</th>
                <th scope="col">{t("licences.granted")}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((l) => (
                <tr key={l.datasetId} data-dataset={l.datasetId}>
                  <td><Link to={`/datasets/${l.datasetId}`}>{l.title ?? l.datasetId}</Link></td>
                  <td>{l.expiresAt ? date(l.expiresAt) : t("licences.noExpiry")}</td>
                  <td>{t(l.revoked ? "licences.revoked" : l.inForce ? "licences.inForce" : "licences.expired")}</td>
                  <td><Hash value={l.termsHash} /></td>
                  <td>{date(l.granted.timestamp)}</td>
                </tr>
              ))}
              {list.data.items.length === 0 && <tr><td colSpan={5}>{t("common.none")}</td></tr>}
            </tbody>
          </table>
          <Pager page={cursors.length} hasMore={Boolean(list.data.nextCursor)} onFirst={() => setCursors([null])} onNext={() => setCursors([...cursors, list.data!.nextCursor])} />
        </>
      )}
    </>
  );
}

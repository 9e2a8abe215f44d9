import { useEffect, useState } from "react";
import { get } from "../api";
import { ErrorMessage, Facts, Hash, Loading, Org, useLoad } from "../components/common";
import { useI18n } from "../i18n";
import { Link } from "../router";
import type { Certificate } from "../types";
import type { CheckResult } from "../chain-check";

interface PublicCertificate {
  certificate: Certificate;
  verification: { rpcUrl: string; chainId: number; registry: string };
}

/** The public certificate page (no sign-in): the claim, the PDF, and a re-check against the chain from this browser. */
export default function CertificatePage({ params }: { params: Record<string, string> }) {
  const { t, date, number, lang } = useI18n();
  const { data, error, loading } = useLoad(() => get<PublicCertificate>(`/v1/carbon/retirements/${params.id}/certificate`), [params.id]);
  const [check, setCheck] = useState<CheckResult | "checking">();
  useEffect(() => {
    if (!data) return;
    setCheck("checking");
    import("../chain-check")
      .then(({ checkRetirement }) => checkRetirement(data.certificate, data.verification))
      .then(setCheck, (err: Error) => setCheck({ ok: false, reason: "RPC_UNREACHABLE", detail: err.message }));
  }, [data]);
  const c = data?.certificate;
  const period = (p: { start: string; end: string } | null) => (p ? `${date(p.start)} – ${date(p.end)}` : "—");
  return (
    <>
      <h1>{t("certificate.heading", { id: params.id })}</h1>
      <Loading when={loading} />
      <ErrorMessage error={error} />
      {c && data && (
        <article className="certificate">
          <div className={`alert ${check === "checking" || !check ? "" : check.ok ? "ok" : "warn"}`} role="status" aria-live="polite" data-testid="chain-check">
            {check === "checking" || !check
              ? t("certificate.checking")
              : check.ok
                ? t("certificate.verified", { block: check.block, head: check.head })
                : `${t("certificate.notVerified")} ${t(`check.${check.reason}`)}`}
          </div>
          <Facts
            rows={[
              [t("retire.beneficiary"), c.beneficiary.organization ? `${c.beneficiary.name} (${c.beneficiary.organization})` : c.beneficiary.name],
              [t("common.reason"), c.reason],
              [t("retire.consumption"), period(c.consumptionPeriod)],
              [t("common.amount"), `${number(c.amount)} tCO2e`],
              [t("batch.serials"), `${c.serials.first} – ${c.serials.last}`],
              [t("batch.title"), <Link to={`/carbon/batches/${c.batchId}`}>{c.batchId}</Link>],
              [t("batch.project"), c.project.id ?? "—"],
              [t("batch.vintage"), period(c.monitoringPeriod)],
              [t("certificate.holder"), <Org code={c.holder?.organization} />],
              [t("tx.hash"), <Hash value={c.transaction?.transactionHash} />],
              [t("tx.block"), c.transaction ? String(c.transaction.blockNumber) : "—"],
              [t("certificate.date"), date(c.transaction?.timestamp, true)],
              [t("certificate.node"), data.verification.rpcUrl],
            ]}
          />
          <p className="actions">
            <a className="button" href={`/v1/carbon/retirements/${c.id}/certificate.pdf?lang=${lang}`} data-testid="pdf-link">
              {t("certificate.pdf")}
            </a>
          </p>
        </article>
      )}
    </>
  );
}

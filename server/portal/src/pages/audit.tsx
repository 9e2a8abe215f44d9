import { useState, type FormEvent } from "react";
import { get, qs } from "../api";
import { ErrorMessage, Field, Hash, Loading, useLoad } from "../components/common";
import { History } from "../components/history";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/vi";
import { useLocation } from "../router";
import type { LogProof, ProofCheck } from "../log-proof";

const SUBJECTS = ["dataset", "batch", "listing", "org", "account"] as const;

interface Reconcile {
  fromBlock: number;
  toBlock: number;
  events: number;
  passed: boolean;
  discrepancies: unknown[];
  checks: { module: string; description: string }[];
}
interface LogPage {
  entries: LogProof["entry"][];
  next: number | null;
  anchors: { anchorId: number; firstEntryId: number; lastEntryId: number; merkleRoot: string; txHash: string; blockNumber: number }[];
}

/** Auditors: the history of any subject, the reconciliation, the action log with its anchors and in-browser proofs. */
export default function Audit() {
  const { t } = useI18n();
  const { search } = useLocation();
  const initial = SUBJECTS.find((s) => search.get(s)) ?? "batch";
  const [kind, setKind] = useState<(typeof SUBJECTS)[number]>(initial);
  const [value, setValue] = useState(search.get(initial) ?? "");
  const [subject, setSubject] = useState<Record<string, string> | undefined>(value ? { [initial]: value } : undefined);
  return (
    <>
      <h1>{t("nav.audit")}</h1>
      <section aria-labelledby="explorer">
        <h2 id="explorer">{t("audit.explorer")}</h2>
        <form
          className="filters"
          role="search"
          aria-label={t("audit.explorer")}
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            setSubject(value.trim() ? { [kind]: value.trim() } : undefined);
          }}
        >
          <Field label={t("audit.subject")}>
            {(p) => (
              <select {...p} value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
                {SUBJECTS.map((s) => <option key={s} value={s}>{t(`audit.subject.${s}`)}</option>)}
              </select>
            )}
          </Field>
          <Field label={t("audit.subjectId")}>{(p) => <input {...p} value={value} onChange={(e) => setValue(e.target.value)} />}</Field>
          <button type="submit">{t("audit.follow")}</button>
        </form>
        {subject && <History subject={subject} />}
      </section>
      <ReconcileSection />
      <ActionLog />
    </>
  );
}

function ReconcileSection() {
  const { t, number } = useI18n();
  const [run, setRun] = useState(0);
  const { data, error, loading } = useLoad(() => (run ? get<Reconcile>("/v1/audit/reconcile") : Promise.resolve(undefined)), [run]);
  const download = () => {
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
    const a = Object.assign(document.createElement("a"), { href: url, download: `audit-report-${data!.toBlock}.json` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <section aria-labelledby="reconcile">
      <h2 id="reconcile">{t("audit.reconcile")}</h2>
      <button type="button" onClick={() => setRun(run + 1)} disabled={loading && run > 0}>{t("audit.runReconcile")}</button>
      {run > 0 && <Loading when={loading} />}
      <ErrorMessage error={error} />
      {data && (
        <div className={`alert ${data.passed ? "ok" : "warn"}`} role="status" data-testid="reconcile">
          <p>
            {data.passed ? t("audit.passed") : t("audit.failed", { n: data.discrepancies.length })}{" "}
            {t("audit.range", { from: data.fromBlock, to: data.toBlock, events: number(data.events), checks: data.checks.length })}
          </p>
          <button type="button" onClick={download}>{t("audit.download")}</button>
        </div>
      )}
    </section>
  );
}

function ActionLog() {
  const { t, date } = useI18n();
  const [afters, setAfters] = useState<number[]>([0]);
  const after = afters[afters.length - 1];
  const { data, error, loading } = useLoad(() => get<LogPage>(`/v1/audit/log${qs({ after, limit: 20 })}`), [after]);
  const [proof, setProof] = useState<{ id: number; checks?: ProofCheck[]; proof?: LogProof; error?: unknown }>();
  const verify = async (id: number) => {
    setProof({ id });
    try {
      const [p, { verifyLogProof }] = await Promise.all([get<LogProof>(`/v1/audit/log/${id}/proof`), import("../log-proof")]);
      setProof({ id, proof: p, checks: verifyLogProof(p) });
    } catch (err) {
      setProof({ id, error: err });
    }
  };
  const anchorOf = (id: number) => data?.anchors.find((a) => a.firstEntryId <= id && id <= a.lastEntryId);
  return (
    <section aria-labelledby="log">
      <h2 id="log">{t("audit.log")}</h2>
      <ErrorMessage error={error} />
      <Loading when={loading} />
      {data && (
        <>
          <table>
            <caption>{t("audit.logCaption")}</caption>
            <thead><tr><th scope="col">#</th><th scope="col">{t("history.when")}</th><th scope="col">{t("common.organization")}</th><th scope="col">{t("audit.action")}</th><th scope="col">{t("tx.hash")}</th><th scope="col">{t("audit.anchor")}</th><th scope="col"><span className="sr-only">{t("audit.verify")}</span></th></tr></thead>
            <tbody>
              {data.entries.map((e) => {
                const anchor = anchorOf(e.id);
                return (
                  <tr key={e.id}>
                    <td>{e.id}</td>
                    <td>{date(e.at, true)}</td>
                    <td>{e.org}</td>
                    <td>{e.action}</td>
                    <td><Hash value={e.txHash} /></td>
                    <td>{anchor ? t("audit.anchoredAt", { id: anchor.anchorId, block: anchor.blockNumber }) : t("audit.notAnchored")}</td>
                    <td><button type="button" onClick={() => void verify(e.id)} aria-label={t("audit.verifyEntry", { id: e.id })}>{t("audit.verify")}</button></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <nav className="pager" aria-label={t("common.paging")}>
            <button type="button" onClick={() => setAfters([0])} disabled={afters.length === 1}>{t("common.first")}</button>
            <button type="button" onClick={() => data.next && setAfters([...afters, data.next])} disabled={!data.next || data.entries.length === 0}>{t("common.next")}</button>
          </nav>
        </>
      )}
      {proof && (
        <div className="panel" role="status" aria-live="polite" data-testid="proof">
          <h3>{t("audit.proofOf", { id: proof.id })}</h3>
          <ErrorMessage error={proof.error} />
          {proof.proof && !proof.proof.anchored && <p>{t("audit.notAnchoredYet")}</p>}
          {proof.checks && (
            <>
              <ul>
                {proof.checks.map((c) => (
                  <li key={c.step}>
                    {c.ok ? "✓" : "✗"} {t(`proof.${c.step}` as MessageKey)} <Hash value={c.computed} />
                  </li>
                ))}
              </ul>
              <p className={`alert ${proof.checks.every((c) => c.ok) ? "ok" : "warn"}`}>
                {proof.checks.every((c) => c.ok)
                  ? t("audit.proofOk", { root: proof.proof!.anchor!.merkleRoot.slice(0, 10), block: proof.proof!.anchor!.blockNumber })
                  : t("audit.proofBad")}
              </p>
            </>
          )}
        </div>
      )}
    </section>
  );
}

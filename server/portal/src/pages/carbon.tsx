import { useState, type FormEvent } from "react";
import { get } from "../api";
import { CLAIM_FIELDS, claimOf } from "../components/claim";
import { ErrorMessage, Facts, Field, Hash, Loading, useLoad } from "../components/common";
import { isoDay, sha256Text, WriteForm } from "../components/write-form";
import { useI18n } from "../i18n";
import { Link, navigate } from "../router";
import { session } from "../session";

interface Balances {
  organization: string;
  credits: { batchId: string; project: string | null; held: string; listed: string }[];
  retired: { batchId: string; project: string | null; amount: string }[];
  vnd: { balance: string };
}

interface Project {
  id: string;
  developer: { organization: string | null } | null;
  standard: string;
  methodology: string;
  location: string;
  attestations?: { id: string; amount: string; batchId: string | null }[];
  batches?: { id: string }[];
}

/** Carbon: what the organisation holds, projects, attestations (verifier), issuance (issuer), transfers and retirement. */
export default function Carbon() {
  const { t, number, vnd } = useI18n();
  const info = session.info();
  const balances = useLoad(() => (info ? get<Balances>(`/v1/accounts/${info.organization}/balances`) : Promise.resolve(undefined)), [info?.organization]);
  const [batch, setBatch] = useState("");
  const [projectId, setProjectId] = useState("");
  const project = useLoad(() => (projectId ? get<Project>(`/v1/carbon/projects/${encodeURIComponent(projectId)}`) : Promise.resolve(undefined)), [projectId]);
  const [projectDraft, setProjectDraft] = useState("");
  return (
    <>
      <h1>{t("nav.carbon")}</h1>
      <form
        className="filters"
        role="search"
        aria-label={t("carbon.openBatch")}
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          if (batch.trim()) navigate(`/carbon/batches/${batch.trim()}`);
        }}
      >
        <Field label={t("carbon.batchId")}>{(p) => <input {...p} inputMode="numeric" value={batch} onChange={(e) => setBatch(e.target.value)} />}</Field>
        <button type="submit">{t("carbon.openBatch")}</button>
      </form>
      {info && (
        <section aria-labelledby="holdings">
          <h2 id="holdings">{t("carbon.holdings", { org: info.organization })}</h2>
          <ErrorMessage error={balances.error} />
          <Loading when={balances.loading} />
          {balances.data && (
            <>
              <p>{t("carbon.vnd")}: <strong>{vnd(balances.data.vnd.balance)}</strong></p>
              <table>
                <caption>{t("carbon.credits")}</caption>
                <thead><tr><th scope="col">{t("batch.title")}</th><th scope="col">{t("batch.project")}</th><th scope="col">{t("carbon.held")}</th><th scope="col">{t("carbon.listed")}</th></tr></thead>
                <tbody>
                  {balances.data.credits.map((c) => (
                    <tr key={c.batchId}><td><Link to={`/carbon/batches/${c.batchId}`}>{c.batchId}</Link></td><td>{c.project ?? "—"}</td><td>{number(c.held)}</td><td>{number(c.listed)}</td></tr>
                  ))}
                  {balances.data.credits.length === 0 && <tr><td colSpan={4}>{t("common.none")}</td></tr>}
                </tbody>
              </table>
            </>
          )}
        </section>
      )}
      <section aria-labelledby="projects">
        <h2 id="projects">{t("carbon.projects")}</h2>
        <form className="filters" onSubmit={(e) => { e.preventDefault(); setProjectId(projectDraft.trim()); }}>
          <Field label={t("carbon.projectId")}>{(p) => <input {...p} value={projectDraft} placeholder="VN-DN-0001" onChange={(e) => setProjectDraft(e.target.value)} />}</Field>
          <button type="submit">{t("carbon.showProject")}</button>
        </form>
        <ErrorMessage error={project.error} />
        {project.data && (
          <Facts
            rows={[
              [t("carbon.projectId"), project.data.id],
              [t("carbon.developer"), project.data.developer?.organization ?? "—"],
              [t("carbon.standard"), project.data.standard],
              [t("carbon.methodology"), project.data.methodology],
              [t("carbon.location"), project.data.location],
              [t("carbon.attestations"), (project.data.attestations ?? []).map((a) => <span key={a.id}><Hash value={a.id} /> ({number(a.amount)}) </span>)],
              [t("carbon.batches"), (project.data.batches ?? []).map((b) => <Link key={b.id} to={`/carbon/batches/${b.id}`}>{b.id} </Link>)],
            ]}
          />
        )}
      </section>
      <div className="grid">
        {session.can("carbon:issue") && (
          <WriteForm
            title="carbon.registerProject"
            submit="common.submit"
            fields={[
              { name: "id", label: "carbon.projectId", required: true },
              { name: "developer", label: "carbon.developer", required: true },
              { name: "standard", label: "carbon.standard", required: true, initial: "VCS" },
              { name: "methodology", label: "carbon.methodology", required: true },
              { name: "location", label: "carbon.location", required: true },
            ]}
            request={async (v) => ({ path: "/v1/carbon/projects", body: { ...v, developer: v.developer.toUpperCase(), metadataHash: await sha256Text(JSON.stringify(v)) } })}
          />
        )}
        {session.can("carbon:attest") && (
          <WriteForm<{ id?: string; attestationId?: string }>
            title="carbon.attest"
            submit="common.submit"
            fields={[
              { name: "project", label: "carbon.projectId", required: true },
              { name: "from", label: "carbon.periodStart", type: "date", required: true },
              { name: "to", label: "carbon.periodEnd", type: "date", required: true },
              { name: "amount", label: "common.amount", type: "number", required: true },
              { name: "report", label: "carbon.report", type: "textarea", required: true },
            ]}
            request={async (v) => ({
              path: "/v1/carbon/attestations",
              body: { project: v.project, monitoringPeriod: { start: isoDay(v.from), end: isoDay(v.to) }, amount: v.amount, reportHash: await sha256Text(v.report) },
            })}
            renderResult={(r) => <Hash value={r.attestationId ?? r.id} />}
          />
        )}
        {session.can("carbon:issue") && (
          <WriteForm<{ batchId?: string }>
            title="carbon.issue"
            submit="common.submit"
            fields={[
              { name: "attestationId", label: "carbon.attestationId", required: true },
              { name: "to", label: "dataset.to", required: true },
              { name: "amount", label: "common.amount", type: "number", required: true },
            ]}
            request={(v) => ({ path: "/v1/carbon/batches", body: { attestationId: v.attestationId.trim(), to: v.to.trim().toUpperCase(), amount: v.amount } })}
            renderResult={(r) => r.batchId && <Link to={`/carbon/batches/${r.batchId}`}>{t("batch.title")} {r.batchId}</Link>}
          />
        )}
        {session.can("carbon:hold") && (
          <>
            <WriteForm
              title="carbon.transfer"
              submit="common.submit"
              fields={[
                { name: "batchId", label: "carbon.batchId", required: true },
                { name: "to", label: "dataset.to", required: true },
                { name: "amount", label: "common.amount", type: "number", required: true },
              ]}
              request={(v) => ({ path: "/v1/carbon/transfers", body: { batchId: v.batchId, to: v.to.trim().toUpperCase(), amount: v.amount } })}
              onDone={balances.reload}
            />
            <WriteForm<{ retirementId?: string; id?: string }>
              title="carbon.retire"
              submit="carbon.retireSubmit"
              fields={[{ name: "batchId", label: "carbon.batchId", required: true }, { name: "amount", label: "common.amount", type: "number", required: true }, ...CLAIM_FIELDS]}
              request={(v) => ({ path: "/v1/carbon/retirements", body: { batchId: v.batchId, amount: v.amount, ...claimOf(v) } })}
              onDone={balances.reload}
              renderResult={(r) => <CertificateLink id={r.retirementId ?? r.id} />}
            />
          </>
        )}
      </div>
    </>
  );
}

export function CertificateLink({ id }: { id?: string }) {
  const { t } = useI18n();
  return id ? <Link to={`/certificates/${id}`}>{t("certificate.open", { id })}</Link> : null;
}

import { useState, type FormEvent } from "react";
import { get, qs, send, write } from "../api";
import { ErrorMessage, Field, Loading, Pager, TxProgress, useLoad, useWrite } from "../components/common";
import { WriteForm } from "../components/write-form";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { session } from "../session";
import type { Page } from "../types";
import type { ApiKeyDto } from "../../../client/shapes";

interface Participant {
  code: string;
  name: string;
  kind: string;
  status: string;
  accounts: string[];
  createdAt: string;
}
/** The gateway's own shape (server/client/shapes.ts); `key` only on the answer that created it. */
type ApiKey = ApiKeyDto & { key?: string | null };

const KINDS = ["CityAgency", "Business", "Verifier", "Auditor", "Treasury", "Operator"] as const;

/** The city administrator: participants (admit, suspend, reinstate) and API keys (created key shown once, revoke). */
export default function Admin() {
  const { t } = useI18n();
  if (!session.can("participants:write") && !session.can("api-keys:write")) {
    return (
      <>
        <h1>{t("nav.admin")}</h1>
        <p>{t("admin.onlyAdmin")} <Link to="/">{t("session.signIn")}</Link></p>
      </>
    );
  }
  return (
    <>
      <h1>{t("nav.admin")}</h1>
      <Participants />
      {session.can("api-keys:write") && <ApiKeys />}
    </>
  );
}

function Participants() {
  const { t, date } = useI18n();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const list = useLoad(() => get<Page<Participant>>(`/v1/participants${qs({ limit: 50, cursor })}`), [cursor]);
  const [acting, setActing] = useState<Participant>();
  return (
    <section aria-labelledby="participants">
      <h2 id="participants">{t("admin.participants")}</h2>
      <ErrorMessage error={list.error} />
      <Loading when={list.loading} />
      {list.data && (
        <>
          <table>
            <caption>{t("admin.participants")}</caption>
            <thead><tr><th scope="col">{t("admin.code")}</th><th scope="col">{t("admin.name")}</th><th scope="col">{t("admin.kind")}</th><th scope="col">{t("dataset.status")}</th><th scope="col">{t("admin.since")}</th><th scope="col"><span className="sr-only">{t("dataset.actions")}</span></th></tr></thead>
            <tbody>
              {list.data.items.map((p) => (
                <tr key={p.code} data-org={p.code}>
                  <td><Link to={`/audit?org=${p.code}`}>{p.code}</Link></td>
                  <td>{p.name}</td>
                  <td>{t(`kind.${p.kind as "Business"}`)}</td>
                  <td data-testid={`status-${p.code}`}>{t(`orgStatus.${p.status as "Active"}`)}</td>
                  <td>{date(p.createdAt)}</td>
                  <td>
                    {session.can("participants:write") && p.status !== "Revoked" && (
                      <button type="button" onClick={() => setActing(p)} aria-label={t(p.status === "Active" ? "admin.suspendOrg" : "admin.reinstateOrg", { org: p.code })}>
                        {t(p.status === "Active" ? "admin.suspend" : "admin.reinstate")}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={cursors.length} hasMore={Boolean(list.data.nextCursor)} onFirst={() => setCursors([null])} onNext={() => setCursors([...cursors, list.data!.nextCursor])} />
        </>
      )}
      {acting && (
        <StatusChange
          key={`${acting.code}:${acting.status}`}
          participant={acting}
          onDone={() => {
            setActing(undefined);
            list.reload();
          }}
        />
      )}
      {session.can("participants:write") && (
        <WriteForm<{ code: string }>
          title="admin.admit"
          submit="admin.admitSubmit"
          fields={[
            { name: "code", label: "admin.code", required: true },
            { name: "name", label: "admin.name", required: true },
            { name: "kind", label: "admin.kind", type: "select", options: KINDS.map((k) => ({ value: k, label: t(`kind.${k}`) })) },
            { name: "accounts", label: "admin.accounts", hint: "admin.accountsHint" },
          ]}
          request={(v) => {
            const accounts = v.accounts.split(/[\s,]+/).filter(Boolean);
            return { path: "/v1/participants", body: { code: v.code.trim().toUpperCase(), name: v.name, kind: v.kind, ...(accounts.length ? { accounts } : {}) } };
          }}
          onDone={list.reload}
        />
      )}
    </section>
  );
}

function StatusChange({ participant, onDone }: { participant: Participant; onDone: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState("");
  const w = useWrite<unknown>();
  const action = participant.status === "Active" ? "suspend" : "reinstate";
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void w.run(async (p) => {
      const { result } = await write("POST", `/v1/participants/${participant.code}/${action}`, { reason }, p);
      onDone();
      return result;
    });
  };
  return (
    <form className="panel" onSubmit={submit} aria-label={t(action === "suspend" ? "admin.suspendOrg" : "admin.reinstateOrg", { org: participant.code })}>
      <h3>{t(action === "suspend" ? "admin.suspendOrg" : "admin.reinstateOrg", { org: participant.code })}</h3>
      <Field label={t("common.reason")}>{(p) => <input {...p} required autoFocus value={reason} onChange={(e) => setReason(e.target.value)} />}</Field>
      <button type="submit" disabled={w.busy}>{t(action === "suspend" ? "admin.suspend" : "admin.reinstate")}</button>
      <TxProgress progress={w.progress} />
      <ErrorMessage error={w.error} />
    </form>
  );
}

function ApiKeys() {
  const { t, date } = useI18n();
  const keys = useLoad(() => get<{ items: ApiKey[] }>("/v1/api-keys"), []);
  const [org, setOrg] = useState("");
  const [label, setLabel] = useState("");
  const [created, setCreated] = useState<ApiKey>();
  const [error, setError] = useState<unknown>();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      setCreated(await send<ApiKey>("POST", "/v1/api-keys", { organization: org.trim().toUpperCase(), ...(label.trim() ? { label: label.trim() } : {}) }));
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (id: string) => {
    setError(undefined);
    try {
      await send("DELETE", `/v1/api-keys/${id}`);
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="keys">
      <h2 id="keys">{t("admin.keys")}</h2>
      <form className="panel" onSubmit={create} aria-label={t("admin.createKey")}>
        <h3>{t("admin.createKey")}</h3>
        <Field label={t("common.organization")}>{(p) => <input {...p} required value={org} onChange={(e) => setOrg(e.target.value)} />}</Field>
        <Field label={t("admin.label")}>{(p) => <input {...p} value={label} onChange={(e) => setLabel(e.target.value)} />}</Field>
        <button type="submit">{t("admin.createKey")}</button>
      </form>
      {created?.key && (
        <div className="alert ok" role="status" data-testid="created-key">
          <p>{t("admin.keyOnce")}</p>
          <code className="secret">{created.key}</code>
        </div>
      )}
      <ErrorMessage error={error ?? keys.error} />
      {keys.data && (
        <table>
          <caption>{t("admin.keys")}</caption>
          <thead><tr><th scope="col">{t("admin.keyId")}</th><th scope="col">{t("common.organization")}</th><th scope="col">{t("admin.label")}</th><th scope="col">{t("admin.prefix")}</th><th scope="col">{t("admin.since")}</th><th scope="col">{t("dataset.status")}</th><th scope="col"><span className="sr-only">{t("admin.revoke")}</span></th></tr></thead>
          <tbody>
            {keys.data.items.map((k) => (
              <tr key={k.id}>
                <td><code>{k.id}</code></td>
                <td>{k.organization}</td>
                <td>{k.label ?? "—"}</td>
                <td><code>{k.prefix}…</code></td>
                <td>{date(k.createdAt)}</td>
                <td>{k.revokedAt ? t("admin.revokedAt", { when: date(k.revokedAt) }) : t("admin.active")}</td>
                <td>{!k.revokedAt && <button type="button" onClick={() => void revoke(k.id)} aria-label={t("admin.revokeKey", { id: k.id })}>{t("admin.revoke")}</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

import { useState, type FormEvent } from "react";
import { get, send } from "../api";
import { ErrorMessage, Field, Loading, useLoad } from "../components/common";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { session } from "../session";

interface Subscription {
  id: string;
  organization: string;
  url: string;
  filter: Record<string, string>;
  createdAt: string;
  cursor: number;
  lag: { events: number; seconds: number };
  lastDelivery: { status: number | null; error: string | null; deliveredAt: string | null; consecutiveFailures: number };
}

const FILTERS = ["contract", "event", "dataset", "batch", "listing", "org"] as const;

/** A signing secret made in the page (32 random bytes, hex): sent once, shown once, never stored by the portal. */
function newSecret(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Event subscriptions (webhooks) of the signed-in organisation; the administrator sees all of them. */
export default function Subscriptions() {
  const { t, date, number } = useI18n();
  const list = useLoad(() => (session.can("events:read") ? get<{ items: Subscription[]; head: number }>("/v1/subscriptions") : Promise.resolve(undefined)), []);
  const [url, setUrl] = useState("");
  const [filter, setFilter] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<{ id: string; secret: string }>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  if (!session.can("events:read")) {
    return (
      <>
        <h1>{t("subs.title")}</h1>
        <p>{t("subs.needScope")} <Link to="/">{t("session.signIn")}</Link></p>
      </>
    );
  }
  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    const secret = newSecret();
    const given = Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v));
    void act(async () => {
      const sub = await send<Subscription>("POST", "/v1/subscriptions", { url: url.trim(), secret, ...(Object.keys(given).length ? { filter: given } : {}) });
      setCreated({ id: sub.id, secret });
      setUrl("");
      setFilter({});
    });
  };
  return (
    <>
      <h1>{t("subs.title")}</h1>
      <p>{t("subs.lead")}</p>
      <ErrorMessage error={list.error} />
      <Loading when={list.loading} />
      {list.data && (
        <table data-testid="subscriptions">
          <caption>{t("subs.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("subs.url")}</th>
              <th scope="col">{t("common.organization")}</th>
              <th scope="col">{t("subs.filter")}</th>
              <th scope="col">{t("subs.lag")}</th>
              <th scope="col">{t("subs.lastDelivery")}</th>
              <th scope="col"><span className="sr-only">{t("dataset.actions")}</span></th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((s) => (
              <tr key={s.id} data-subscription={s.id}>
                <td><code>{s.url}</code></td>
                <td>{s.organization}</td>
                <td>{Object.keys(s.filter).length ? Object.entries(s.filter).map(([k, v]) => `${t(`subs.f.${k as "contract"}`)}: ${v}`).join("; ") : t("subs.everything")}</td>
                <td>{t("subs.lagValue", { events: number(s.lag.events), seconds: number(s.lag.seconds) })}</td>
                <td>
                  {s.lastDelivery.deliveredAt ? date(s.lastDelivery.deliveredAt, true) : "—"}
                  {s.lastDelivery.consecutiveFailures > 0 && <> · {t("subs.failures", { n: s.lastDelivery.consecutiveFailures })}</>}
                </td>
                <td>
                  <button type="button" disabled={busy} aria-label={t("subs.deleteOne", { url: s.url })} onClick={() => void act(() => send("DELETE", `/v1/subscriptions/${s.id}`))}>
                    {t("subs.delete")}
                  </button>
                </td>
              </tr>
            ))}
            {list.data.items.length === 0 && <tr><td colSpan={6}>{t("common.none")}</td></tr>}
          </tbody>
        </table>
      )}
      <form className="panel" onSubmit={create} aria-label={t("subs.create")}>
        <h2>{t("subs.create")}</h2>
        <Field label={t("subs.url")} hint={t("subs.urlHint")}>
          {(p) => <input {...p} type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />}
        </Field>
        <fieldset>
          <legend>{t("subs.filter")}</legend>
          {FILTERS.map((k) => (
            <Field key={k} label={t(`subs.f.${k}`)}>
              {(p) => <input {...p} value={filter[k] ?? ""} onChange={(e) => setFilter({ ...filter, [k]: e.target.value })} />}
            </Field>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>{t("subs.create")}</button>
      </form>
      <ErrorMessage error={error} />
      {created && (
        <div className="alert ok" role="status" data-testid="created-secret">
          <p>{t("subs.created", { id: created.id })}</p>
          <p>{t("subs.secretOnce")} <code>{created.secret}</code></p>
        </div>
      )}
    </>
  );
}

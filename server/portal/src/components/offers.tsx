import { useEffect, useRef, useState, type FormEvent } from "react";
import { get, qs, write } from "../api";
import { useI18n } from "../i18n";
import { session } from "../session";
import type { Dataset, Page } from "../types";
import { ErrorMessage, Loading, TxProgress, useLoad, useWrite } from "./common";
import { isoDay, WriteForm } from "./write-form";

interface Rule {
  action: string;
  constraint?: { leftOperand: string; operator: string; rightOperand: unknown }[];
  duty?: { action: string; attributedParty?: string }[];
}
export interface Offer {
  id: string;
  datasetId: string;
  offerer: { organization: string | null } | null;
  priceVnd: string;
  termDays: number | null;
  licenceEndsAt: string | null;
  termsHash: string;
  allowed: string[];
  maxLicences: number | null;
  sold: number;
  expiresAt: string | null;
  status: string;
  policy?: { permission: Rule[]; prohibition?: Rule[] } | null;
}

/** The ODRL actions a seller can tick; the policy's canonical hash goes on chain (the gateway computes it). */
const ACTIONS = ["use", "reproduce", "distribute", "modify", "derive", "commercialize"] as const;

/** A dataset's offers: terms, price, who may buy, what is left; buy (price and maxPrice shown), cancel, make one. */
export function Offers({ dataset }: { dataset: Dataset }) {
  const { t, vnd, date, number } = useI18n();
  const info = session.info();
  const list = useLoad(async () => {
    const page = await get<Page<Offer>>(`/v1/offers${qs({ dataset: dataset.id, limit: 50 })}`);
    // The list carries the terms hash; the policy document (for the summary) comes with each offer.
    return Promise.all(page.items.map((o) => get<Offer>(`/v1/offers/${o.id}`)));
  }, [dataset.id]);
  const [buying, setBuying] = useState<Offer>();
  const canTrade = session.can("data:trade");
  const mine = (o: Offer) => o.offerer?.organization === info?.organization;
  const canOffer = canTrade && (dataset.holder.organization === info?.organization || dataset.custodian?.organization === info?.organization);
  return (
    <section aria-labelledby="offers">
      <h2 id="offers">{t("offers.title")}</h2>
      <ErrorMessage error={list.error} />
      <Loading when={list.loading} />
      {list.data && (
        <table data-testid="offers">
          <caption>{t("offers.title")}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t("offers.price")}</th>
              <th scope="col">{t("offers.term")}</th>
              <th scope="col">{t("offers.policy")}</th>
              <th scope="col">{t("offers.allowed")}</th>
              <th scope="col">{t("offers.remaining")}</th>
              <th scope="col">{t("offers.expires")}</th>
              <th scope="col">{t("dataset.status")}</th>
              <th scope="col"><span className="sr-only">{t("dataset.actions")}</span></th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((o) => (
              <tr key={o.id} data-offer={o.id}>
                <td>{o.id}</td>
                <td>{vnd(o.priceVnd)}</td>
                <td>{o.termDays !== null ? t("offers.days", { n: number(o.termDays) }) : t("offers.until", { date: date(o.licenceEndsAt) })}</td>
                <td><PolicySummary offer={o} /></td>
                <td>{o.allowed.length ? o.allowed.join(", ") : t("offers.anyone")}</td>
                <td>{o.maxLicences === null ? t("offers.unlimited") : number(o.maxLicences - o.sold)}</td>
                <td>{date(o.expiresAt)}</td>
                <td>{t(`offerStatus.${o.status as "Open"}`)}</td>
                <td>
                  {canTrade && o.status === "Open" && !mine(o) && (
                    <button type="button" onClick={() => setBuying(o)} aria-label={t("offers.buyOffer", { id: o.id })}>{t("offers.buy")}</button>
                  )}
                  {mine(o) && o.status === "Open" && <CancelOffer id={o.id} onDone={list.reload} />}
                </td>
              </tr>
            ))}
            {list.data.length === 0 && <tr><td colSpan={9}>{t("common.none")}</td></tr>}
          </tbody>
        </table>
      )}
      {buying && <BuyLicence key={buying.id} offer={buying} onDone={list.reload} />}
      {canOffer && <MakeOffer datasetId={dataset.id} onDone={list.reload} />}
    </section>
  );
}

function PolicySummary({ offer }: { offer: Offer }) {
  const { t } = useI18n();
  if (!offer.policy) return <span className="muted">{t("offers.noPolicy")}</span>;
  const duties = offer.policy.permission.flatMap((r) => r.duty ?? []);
  return (
    <ul className="plain">
      <li>{t("offers.permits")}: {offer.policy.permission.map((r) => r.action).join(", ")}</li>
      {offer.policy.prohibition?.length ? <li>{t("offers.prohibits")}: {offer.policy.prohibition.map((r) => r.action).join(", ")}</li> : null}
      {duties.length ? <li>{t("offers.duties")}: {duties.map((d) => (d.attributedParty ? `${d.action} (${d.attributedParty})` : d.action)).join(", ")}</li> : null}
    </ul>
  );
}

function CancelOffer({ id, onDone }: { id: string; onDone: () => void }) {
  const { t } = useI18n();
  const w = useWrite<unknown>();
  return (
    <>
      <button type="button" disabled={w.busy} aria-label={t("offers.cancelOffer", { id })} onClick={() => void w.run(async (p) => (await write("DELETE", `/v1/offers/${id}`, undefined, p), onDone()))}>
        {t("offers.cancel")}
      </button>
      <TxProgress progress={w.progress} />
      <ErrorMessage error={w.error} />
    </>
  );
}

/** Buy a licence: the price shown is sent as `maxPrice`, so the offer's price cannot rise under the buyer. */
function BuyLicence({ offer, onDone }: { offer: Offer; onDone: () => void }) {
  const { t, vnd, date } = useI18n();
  const w = useWrite<{ expiresAt: string | null }>();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void w.run(async (p) => {
      const { result } = await write<{ expiresAt: string | null }>("POST", `/v1/offers/${offer.id}/purchase`, { maxPrice: offer.priceVnd }, p);
      onDone();
      return result;
    });
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="buy-licence">
      <h3 id="buy-licence" ref={heading} tabIndex={-1}>{t("offers.buyOffer", { id: offer.id })}</h3>
      <p className="total" data-testid="licence-price">
        {t("offers.price")}: <strong>{vnd(offer.priceVnd)}</strong> · {t("offers.maxPrice")}: <strong>{vnd(offer.priceVnd)}</strong>
      </p>
      <button type="submit" disabled={w.busy}>{t("offers.confirmBuy")}</button>
      <TxProgress progress={w.progress} />
      <ErrorMessage error={w.error} />
      {w.result && (
        <div role="status" className="alert ok" data-testid="licence-bought">
          <strong>{t("offers.bought")}</strong> {t("offers.licenceUntil", { date: w.result.expiresAt ? date(w.result.expiresAt) : "—" })}
        </div>
      )}
    </form>
  );
}

function MakeOffer({ datasetId, onDone }: { datasetId: string; onDone: () => void }) {
  const { t } = useI18n();
  const list = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);
  return (
    <WriteForm<{ offerId: string }>
      title="offers.make"
      submit="offers.makeSubmit"
      fields={[
        { name: "priceVnd", label: "offers.price", type: "number", required: true },
        { name: "termDays", label: "offers.termDays", type: "number", required: true, initial: "365" },
        { name: "actions", label: "offers.actions", required: true, initial: "use", hint: "offers.actionsHint" },
        { name: "attribute", label: "offers.attribute" },
        { name: "allowed", label: "offers.allowed", hint: "offers.allowedHint" },
        { name: "maxLicences", label: "offers.maxLicences", type: "number" },
        { name: "expiresAt", label: "offers.expires", type: "date" },
      ]}
      request={(v) => {
        const actions = list(v.actions).filter((a): a is (typeof ACTIONS)[number] => (ACTIONS as readonly string[]).includes(a));
        const duty = v.attribute.trim() ? [{ action: "attribute", attributedParty: v.attribute.trim() }] : undefined;
        return {
          path: `/v1/datasets/${datasetId}/offers`,
          body: {
            priceVnd: v.priceVnd,
            termDays: Number(v.termDays),
            policy: { "@context": "http://www.w3.org/ns/odrl.jsonld", "@type": "Offer", permission: (actions.length ? actions : ["use"]).map((action) => ({ action, ...(duty ? { duty } : {}) })) },
            ...(list(v.allowed).length ? { allowed: list(v.allowed).map((c) => c.toUpperCase()) } : {}),
            ...(v.maxLicences ? { maxLicences: Number(v.maxLicences) } : {}),
            ...(v.expiresAt ? { expiresAt: isoDay(v.expiresAt) } : {}),
          },
        };
      }}
      renderResult={(r) => <>{t("offers.made", { id: r.offerId })}</>}
      onDone={onDone}
    />
  );
}

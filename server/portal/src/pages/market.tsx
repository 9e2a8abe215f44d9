import { useEffect, useRef, useState, type FormEvent } from "react";
import { get, qs, write } from "../api";
import { CLAIM_FIELDS, claimOf } from "../components/claim";
import { ErrorMessage, Field, Loading, Org, Pager, TxProgress, useLoad, useWrite } from "../components/common";
import { PriceHistory } from "../components/price-history";
import { isoDay, WriteForm } from "../components/write-form";
import { useI18n } from "../i18n";
import { Link, useLocation } from "../router";
import { session } from "../session";
import type { Listing, Page, Trade } from "../types";
import { CertificateLink } from "./carbon";

/** Market: listings with filters, list credits, buy (total cost and maxCost shown, optional retire-on-purchase), trades, prices. */
export default function Market() {
  const { t, number, vnd, date } = useI18n();
  const { search } = useLocation();
  const info = session.info();
  const [draft, setDraft] = useState({ batchId: search.get("batch") ?? "", seller: "", status: "Open" });
  const [filters, setFilters] = useState(draft);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const listings = useLoad(() => get<Page<Listing>>(`/v1/market/listings${qs({ ...filters, limit: 20, cursor })}`), [filters, cursor]);
  const [buying, setBuying] = useState<Listing>();
  const mine = useLoad(
    () => (info ? Promise.all([get<Page<Trade>>(`/v1/market/trades${qs({ buyer: info.organization })}`), get<Page<Trade>>(`/v1/market/trades${qs({ seller: info.organization })}`)]) : Promise.resolve(undefined)),
    [info?.organization],
  );
  const trades = mine.data ? [...mine.data[0].items, ...mine.data[1].items].sort((a, b) => a.transaction.blockNumber - b.transaction.blockNumber) : [];
  const refresh = () => {
    listings.reload();
    mine.reload();
  };
  const canTrade = session.can("market:trade");
  return (
    <>
      <h1>{t("nav.market")}</h1>
      <form
        className="filters"
        role="search"
        aria-label={t("market.filters")}
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          setFilters(draft);
          setCursors([null]);
        }}
      >
        <Field label={t("carbon.batchId")}>{(p) => <input {...p} inputMode="numeric" value={draft.batchId} onChange={(e) => setDraft({ ...draft, batchId: e.target.value })} />}</Field>
        <Field label={t("market.seller")}>{(p) => <input {...p} value={draft.seller} onChange={(e) => setDraft({ ...draft, seller: e.target.value.toUpperCase() })} />}</Field>
        <Field label={t("dataset.status")}>
          {(p) => (
            <select {...p} value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
              <option value="">{t("common.all")}</option>
              {["Open", "Filled", "Cancelled", "Expired", "Reclaimed"].map((s) => <option key={s} value={s}>{t(`listing.${s as "Open"}`)}</option>)}
            </select>
          )}
        </Field>
        <button type="submit">{t("catalogue.apply")}</button>
      </form>
      <ErrorMessage error={listings.error} />
      <Loading when={listings.loading} />
      {listings.data && (
        <>
          <table>
            <caption>{t("market.listings")}</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t("batch.title")}</th>
                <th scope="col">{t("market.seller")}</th>
                <th scope="col">{t("market.remaining")}</th>
                <th scope="col">{t("market.unitPrice")}</th>
                <th scope="col">{t("market.minFill")}</th>
                <th scope="col">{t("dataset.status")}</th>
                <th scope="col"><span className="sr-only">{t("market.buy")}</span></th>
              </tr>
            </thead>
            <tbody>
              {listings.data.items.map((l) => (
                <tr key={l.id}>
                  <td>{l.id}</td>
                  <td><Link to={`/carbon/batches/${l.batchId}`}>{l.batchId}</Link></td>
                  <td><Org code={l.seller.organization} /></td>
                  <td>{number(l.remaining)}</td>
                  <td>{vnd(l.unitPrice)}</td>
                  <td>{number(l.minFill)}</td>
                  <td>{t(`listing.${l.status as "Open"}`)}</td>
                  <td>
                    {canTrade && l.status === "Open" && l.seller.organization !== info?.organization && (
                      <button type="button" onClick={() => setBuying(l)} aria-label={t("market.buyListing", { id: l.id })}>{t("market.buy")}</button>
                    )}
                    {l.seller.organization === info?.organization && l.status === "Open" && <CancelListing id={l.id} onDone={refresh} />}
                  </td>
                </tr>
              ))}
              {listings.data.items.length === 0 && <tr><td colSpan={8}>{t("common.none")}</td></tr>}
            </tbody>
          </table>
          <Pager page={cursors.length} hasMore={Boolean(listings.data.nextCursor)} onFirst={() => setCursors([null])} onNext={() => setCursors([...cursors, listings.data!.nextCursor])} />
        </>
      )}
      {buying && <Buy key={buying.id} listing={buying} onDone={refresh} />}
      {canTrade && (
        <WriteForm<{ listingId?: string }>
          title="market.list"
          submit="market.listSubmit"
          fields={[
            { name: "batchId", label: "carbon.batchId", required: true },
            { name: "amount", label: "common.amount", type: "number", required: true },
            { name: "unitPrice", label: "market.unitPrice", type: "number", required: true },
            { name: "minFill", label: "market.minFill", type: "number" },
            { name: "expiresAt", label: "market.expires", type: "date" },
          ]}
          request={(v) => ({
            path: "/v1/market/listings",
            body: { batchId: v.batchId, amount: v.amount, unitPrice: v.unitPrice, ...(v.minFill ? { minFill: v.minFill } : {}), ...(v.expiresAt ? { expiresAt: isoDay(v.expiresAt) } : {}) },
          })}
          onDone={refresh}
        />
      )}
      {info && (
        <section aria-labelledby="mytrades">
          <h2 id="mytrades">{t("market.myTrades")}</h2>
          <ErrorMessage error={mine.error} />
          <table data-testid="my-trades">
            <caption>{t("market.myTrades")}</caption>
            <thead><tr><th scope="col">{t("history.when")}</th><th scope="col">{t("batch.title")}</th><th scope="col">{t("market.seller")}</th><th scope="col">{t("market.buyer")}</th><th scope="col">{t("common.amount")}</th><th scope="col">{t("market.unitPrice")}</th><th scope="col">{t("market.cost")}</th></tr></thead>
            <tbody>
              {trades.map((tr) => (
                <tr key={`${tr.transaction.transactionHash}`} data-trade={tr.transaction.transactionHash}>
                  <td>{date(tr.transaction.timestamp, true)}</td>
                  <td><Link to={`/carbon/batches/${tr.batchId}`}>{tr.batchId}</Link></td>
                  <td>{tr.seller.organization}</td>
                  <td>{tr.buyer.organization}</td>
                  <td>{number(tr.amount)}</td>
                  <td>{vnd(tr.unitPrice)}</td>
                  <td>{vnd(tr.cost)}</td>
                </tr>
              ))}
              {trades.length === 0 && <tr><td colSpan={7}>{t("common.none")}</td></tr>}
            </tbody>
          </table>
        </section>
      )}
      {filters.batchId && <PriceHistory batchId={filters.batchId} />}
    </>
  );
}

function CancelListing({ id, onDone }: { id: string; onDone: () => void }) {
  const { t } = useI18n();
  const w = useWrite<unknown>();
  return (
    <>
      <button type="button" disabled={w.busy} onClick={() => void w.run(async (p) => (await write("DELETE", `/v1/market/listings/${id}`, undefined, p), onDone()))}>
        {t("market.cancel")}
      </button>
      <TxProgress progress={w.progress} />
      <ErrorMessage error={w.error} />
    </>
  );
}

interface FillResult {
  retirement?: { id: string } | null;
}

/** Buy from a listing: the total cost is computed here and sent as `maxCost`, so the price cannot change under the buyer. */
function Buy({ listing, onDone }: { listing: Listing; onDone: () => void }) {
  const { t, vnd, number } = useI18n();
  const [amount, setAmount] = useState(listing.remaining);
  const [retire, setRetire] = useState(false);
  const [claim, setClaim] = useState<Record<string, string>>(Object.fromEntries(CLAIM_FIELDS.map((f) => [f.name, ""])));
  const w = useWrite<FillResult>();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const valid = /^\d+$/.test(amount) && BigInt(amount) > 0n;
  const total = valid ? BigInt(amount) * BigInt(listing.unitPrice) : 0n;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void w.run(async (p) => {
      const { result } = await write<FillResult>(
        "POST",
        `/v1/market/listings/${listing.id}/fill`,
        { amount, maxCost: total.toString(), ...(retire ? { retire: claimOf(claim) } : {}) },
        p,
      );
      onDone();
      return result;
    });
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="buy-heading">
      <h2 id="buy-heading" ref={heading} tabIndex={-1}>{t("market.buyListing", { id: listing.id })}</h2>
      <p>{t("market.buyLead", { remaining: number(listing.remaining), batch: listing.batchId, price: vnd(listing.unitPrice) })}</p>
      <Field label={t("common.amount")}>
        {(p) => <input {...p} type="number" min={listing.minFill || 1} max={listing.remaining} required value={amount} onChange={(e) => setAmount(e.target.value)} />}
      </Field>
      <p className="total" data-testid="total-cost" aria-live="polite">
        {t("market.total")}: <strong>{vnd(total)}</strong> · {t("market.maxCost")}: <strong>{vnd(total)}</strong>
      </p>
      <div className="field check">
        <input id="retire-on-purchase" type="checkbox" checked={retire} onChange={(e) => setRetire(e.target.checked)} />
        <label htmlFor="retire-on-purchase">{t("market.retireOnPurchase")}</label>
      </div>
      {retire &&
        CLAIM_FIELDS.map((f) => (
          <Field key={f.name} label={t(f.label)}>
            {(p) => <input {...p} name={f.name} type={f.type ?? "text"} required={f.required} value={claim[f.name]} onChange={(e) => setClaim({ ...claim, [f.name]: e.target.value })} />}
          </Field>
        ))}
      <button type="submit" disabled={w.busy || !valid}>{retire ? t("market.buyAndRetire") : t("market.buy")}</button>
      <TxProgress progress={w.progress} />
      <ErrorMessage error={w.error} />
      {w.result && (
        <div role="status" className="alert ok">
          <strong>{t("market.bought")}</strong> {w.result.retirement && <CertificateLink id={w.result.retirement.id} />}
        </div>
      )}
    </form>
  );
}

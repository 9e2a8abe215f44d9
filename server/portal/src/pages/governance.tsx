import { useEffect, useState } from "react";
import { get, write } from "../api";
import { ErrorMessage, Loading, TxProgress, useLoad, useWrite } from "../components/common";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { session } from "../session";

interface Operation {
  id: string;
  state: "scheduled" | "ready" | "executed" | "cancelled" | "expired";
  caller: string;
  targetContract: string | null;
  function: string | null;
  args: Record<string, string>;
  readyAt: string;
}
interface Status {
  paused: boolean;
  adminDelay: number;
  guardians: string[];
  now: string;
}

/**
 * Governance: the administrators' scheduled operations with the time left before each can run (execute, cancel), the
 * administrators' delay as the chain holds it, and the emergency brake (pause, unpause) behind a confirmation.
 */
export default function Governance() {
  const { t } = useI18n();
  const status = useLoad(() => get<Status>("/v1/governance/status"), []);
  const ops = useLoad(() => get<{ items: Operation[] }>("/v1/governance/operations"), []);
  const reload = () => {
    status.reload();
    ops.reload();
  };
  if (!session.info()) {
    return (
      <>
        <h1>{t("nav.governance")}</h1>
        <p><Link to="/">{t("session.signIn")}</Link></p>
      </>
    );
  }
  return (
    <>
      <h1>{t("nav.governance")}</h1>
      <ErrorMessage error={status.error ?? ops.error} />
      <Loading when={status.loading && !status.data} />
      {status.data && (
        <section aria-labelledby="gov-status">
          <h2 id="gov-status">{t("gov.status")}</h2>
          <p data-testid="gov-paused">{t(status.data.paused ? "gov.paused" : "gov.running")}</p>
          <p>{t("gov.adminDelay", { seconds: status.data.adminDelay })}</p>
          <p>{t("gov.guardians", { count: status.data.guardians.length })}</p>
          {session.can("governance:write") && <Brake paused={status.data.paused} onDone={reload} />}
        </section>
      )}
      <section aria-labelledby="gov-ops">
        <h2 id="gov-ops">{t("gov.operations")}</h2>
        {ops.data && ops.data.items.length === 0 && <p className="muted">{t("gov.none")}</p>}
        {ops.data && ops.data.items.length > 0 && (
          <table>
            <caption>{t("gov.operations")}</caption>
            <thead><tr><th scope="col">{t("gov.call")}</th><th scope="col">{t("gov.state")}</th><th scope="col">{t("gov.readyAt")}</th><th scope="col"><span className="sr-only">{t("dataset.actions")}</span></th></tr></thead>
            <tbody>
              {ops.data.items.map((op) => (
                <OperationRow key={`${op.id}:${op.readyAt}`} op={op} now={status.data?.now} onDone={reload} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function OperationRow({ op, now, onDone }: { op: Operation; now?: string; onDone: () => void }) {
  const { t, date } = useI18n();
  const w = useWrite<unknown>();
  const left = useCountdown(op.readyAt, now);
  const act = (method: "POST" | "DELETE", path: string) =>
    void w.run(async (p) => {
      const { result } = await write(method, path, undefined, p);
      onDone();
      return result;
    });
  const open = op.state === "scheduled" || op.state === "ready";
  const call = `${op.targetContract ?? "?"}.${op.function ?? "?"}(${Object.values(op.args).join(", ")})`;
  return (
    <tr data-operation={op.id}>
      <td><code>{call}</code></td>
      <td data-testid={`op-state-${op.id}`}>{t(`gov.state.${op.state}`)}</td>
      <td>{date(op.readyAt)}{open && left > 0 && <> · <span>{t("gov.left", { seconds: left })}</span></>}</td>
      <td>
        {open && session.can("governance:write") && (
          <>
            <button type="button" disabled={w.busy || left > 0} onClick={() => act("POST", `/v1/governance/operations/${op.id}/execute`)} aria-label={t("gov.executeOp", { call })}>{t("gov.execute")}</button>{" "}
            <button type="button" disabled={w.busy} onClick={() => act("DELETE", `/v1/governance/operations/${op.id}`)} aria-label={t("gov.cancelOp", { call })}>{t("gov.cancel")}</button>
          </>
        )}
        <TxProgress progress={w.progress} />
        <ErrorMessage error={w.error} />
      </td>
    </tr>
  );
}

/** Pause or unpause, asked twice: the brake stops every participant's writes. */
function Brake({ paused, onDone }: { paused: boolean; onDone: () => void }) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const w = useWrite<unknown>();
  const action = paused ? "unpause" : "pause";
  const run = () =>
    void w.run(async (p) => {
      const { result } = await write("POST", `/v1/governance/${action}`, undefined, p);
      setConfirming(false);
      onDone();
      return result;
    });
  return (
    <div className="panel">
      {!confirming ? (
        <button type="button" onClick={() => setConfirming(true)}>{t(paused ? "gov.unpause" : "gov.pause")}</button>
      ) : (
        <div role="alertdialog" aria-labelledby="gov-confirm">
          <p id="gov-confirm">{t(paused ? "gov.confirmUnpause" : "gov.confirmPause")}</p>
          <button type="button" onClick={run} disabled={w.busy}>{t("gov.confirm")}</button>{" "}
          <button type="button" onClick={() => setConfirming(false)}>{t("gov.back")}</button>
        </div>
      )}
      <TxProgress progress={w.progress} />
      <ErrorMessage error={w.error} />
    </div>
  );
}

/** Seconds until `readyAt` on the chain's clock (`now` as the chain last said), counting down each second. */
function useCountdown(readyAt: string, now?: string): number {
  const [started] = useState(() => Date.now());
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 1_000);
    return () => clearInterval(timer);
  }, []);
  const chainNow = (now ? Date.parse(now) : started) + (Date.now() - started);
  void tick;
  return Math.max(0, Math.ceil((Date.parse(readyAt) - chainNow) / 1000));
}

import { useCallback, useEffect, useId, useState, type ReactNode } from "react";
import { ApiError, type Progress } from "../api";
import { useI18n } from "../i18n";
import { Link } from "../router";

/** Loads on mount and whenever `deps` change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { ...state, reload: useCallback(() => setTick((n) => n + 1), []) };
}

/** The API's error in the user's language: a translated text for known codes, the API's message otherwise. */
export function ErrorMessage({ error }: { error: unknown }) {
  const { t, errorText } = useI18n();
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError(0, "CLIENT", (error as Error)?.message ?? String(error));
  return (
    <div role="alert" className="alert error">
      <strong>{t("common.error")}</strong> {errorText(e.code, e.message)} <code className="code">{e.code}</code>
    </div>
  );
}

export function Loading({ when }: { when: boolean }) {
  const { t } = useI18n();
  return when ? <p aria-live="polite" className="muted">{t("common.loading")}</p> : null;
}

/** pending → mined, with the transaction's hash and block. */
export function TxProgress({ progress }: { progress?: Progress }) {
  const { t } = useI18n();
  if (!progress) return null;
  const tx = progress.phase === "sending" ? undefined : progress.transaction;
  const steps = ["sending", "pending", "mined"] as const;
  const at = steps.indexOf(progress.phase);
  return (
    <div className="tx" role="status" aria-live="polite">
      <ol className="steps">
        {steps.map((s, i) => (
          <li key={s} className={i < at ? "done" : i === at ? "current" : ""}>
            {t(`tx.${s}`)}
          </li>
        ))}
      </ol>
      {tx && (
        <p className="small">
          {t("tx.id")}: <code>{tx.id}</code>
          {tx.hash && (
            <>
              {" · "}
              {t("tx.hash")}: <code className="hash">{tx.hash}</code>
            </>
          )}
          {tx.blockNumber !== null && (
            <>
              {" · "}
              {t("tx.block")} {tx.blockNumber}
            </>
          )}
        </p>
      )}
    </div>
  );
}

/** A write's form state: busy, progress, error, result. */
export function useWrite<T>() {
  const [progress, setProgress] = useState<Progress>();
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<T>();
  const [busy, setBusy] = useState(false);
  const run = async (action: (onProgress: (p: Progress) => void) => Promise<T>) => {
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    setProgress(undefined);
    try {
      setResult(await action(setProgress));
    } catch (err) {
      setError(err);
      setProgress(undefined);
    } finally {
      setBusy(false);
    }
  };
  return { progress, error, result, busy, run };
}

/** A labelled input; every control in the portal has a visible label. */
export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: (props: { id: string; "aria-describedby"?: string }) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(hintId ? { "aria-describedby": hintId } : {}) })}
      {hint && (
        <small id={hintId} className="muted">
          {hint}
        </small>
      )}
    </div>
  );
}

/** Drop a file here (or choose it with the keyboard): the page reads it locally. */
export function DropZone({ label, onFile, accept }: { label: string; onFile: (file: File) => void; accept?: string }) {
  const { t } = useI18n();
  const id = useId();
  const [over, setOver] = useState(false);
  return (
    <div
      className={`drop${over ? " over" : ""}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const file = e.dataTransfer.files[0];
        if (file) onFile(file);
      }}
    >
      <label htmlFor={id}>{label}</label>
      <p className="muted small">{t("drop.hint")}</p>
      <input id={id} type="file" accept={accept} onChange={(e) => e.target.files?.[0] && onFile(e.target.files[0])} />
    </div>
  );
}

export function Pager({ hasMore, onNext, onFirst, page }: { hasMore: boolean; onNext: () => void; onFirst: () => void; page: number }) {
  const { t } = useI18n();
  return (
    <nav className="pager" aria-label={t("common.paging")}>
      <button type="button" onClick={onFirst} disabled={page === 1}>
        {t("common.first")}
      </button>
      <span>{t("common.page", { n: page })}</span>
      <button type="button" onClick={onNext} disabled={!hasMore}>
        {t("common.next")}
      </button>
    </nav>
  );
}

export function Org({ code }: { code: string | null | undefined }) {
  return code ? <Link to={`/audit?org=${encodeURIComponent(code)}`}>{code}</Link> : <span>—</span>;
}

export function Hash({ value }: { value: string | null | undefined }) {
  return value ? (
    <code className="hash" title={value}>
      {value}
    </code>
  ) : (
    <span>—</span>
  );
}

/** Field/value rows. */
export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

import { useState } from "react";
import { ApiError, query, write, type Progress } from "../api";
import { DropZone, ErrorMessage, Field, Hash, TxProgress } from "../components/common";
import { useI18n } from "../i18n";
import { Link } from "../router";

interface Preview {
  valid: boolean;
  count: number;
  items: { identifier: string; title: string; contentHash: string; classification: string; holder: string | null; problems: string[] }[];
}
interface Issue {
  path: string;
  message: string;
}

/** DCAT catalogue import: upload → validation report and preview → commit, with a progress bar over its transactions. */
export default function Import() {
  const { t, number } = useI18n();
  const [body, setBody] = useState<Record<string, unknown>>();
  const [holder, setHolder] = useState("");
  const [preview, setPreview] = useState<Preview>();
  const [issues, setIssues] = useState<Issue[]>();
  const [error, setError] = useState<unknown>();
  const [progress, setProgress] = useState<Progress>();
  const [done, setDone] = useState<{ registered: number }>();
  const [busy, setBusy] = useState(false);

  const requestBody = () => ({ ...body!, ...(holder.trim() ? { holder: holder.trim().toUpperCase() } : {}) });

  const onFile = async (file: File) => {
    setPreview(undefined);
    setIssues(undefined);
    setError(undefined);
    setDone(undefined);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(await file.text());
    } catch {
      setError(new ApiError(400, "NOT_JSON", t("import.notJson")));
      return;
    }
    setBody("catalogue" in json ? json : { catalogue: json });
  };

  const validate = async () => {
    setBusy(true);
    setError(undefined);
    setIssues(undefined);
    try {
      setPreview(await query<Preview>("/v1/datasets/batch/validate", requestBody()));
    } catch (err) {
      if (err instanceof ApiError && Array.isArray(err.details.issues)) setIssues(err.details.issues as Issue[]);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const commit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { result } = await write<{ registered: number }>("POST", "/v1/datasets/batch", requestBody(), setProgress);
      setDone(result);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const chainTxs = progress && progress.phase !== "sending" ? (progress.transaction as unknown as { chainTransactions: { status: string }[] }).chainTransactions : [];
  const mined = chainTxs.filter((c) => c.status === "mined").length;
  const fraction = done ? 1 : chainTxs.length ? mined / chainTxs.length : 0;

  return (
    <>
      <h1>{t("import.title")}</h1>
      <p>{t("import.lead")}</p>
      <ol className="steps big">
        <li className={body ? "done" : "current"}>{t("import.step1")}</li>
        <li className={preview ? "done" : body ? "current" : ""}>{t("import.step2")}</li>
        <li className={done ? "done" : preview ? "current" : ""}>{t("import.step3")}</li>
      </ol>
      <DropZone label={t("import.drop")} accept=".json,application/json" onFile={(f) => void onFile(f)} />
      {body && (
        <div className="panel">
          <Field label={t("import.holder")} hint={t("register.holderHint")}>
            {(p) => <input {...p} value={holder} onChange={(e) => setHolder(e.target.value)} />}
          </Field>
          <button type="button" onClick={() => void validate()} disabled={busy}>
            {t("import.validate")}
          </button>
        </div>
      )}
      <ErrorMessage error={error} />
      {issues && (
        <section aria-labelledby="report">
          <h2 id="report">{t("import.report")}</h2>
          <ul>
            {issues.slice(0, 100).map((i, n) => (
              <li key={n}>
                <code>{i.path}</code>: {i.message}
              </li>
            ))}
          </ul>
        </section>
      )}
      {preview && (
        <section aria-labelledby="preview">
          <h2 id="preview">{t("import.preview")}</h2>
          <p role="status" data-testid="import-summary">
            {preview.valid ? t("import.valid", { n: number(preview.count) }) : t("import.invalid", { n: number(preview.items.filter((i) => i.problems.length).length) })}
          </p>
          <div className="scroll" tabIndex={0} aria-label={t("import.preview")}>
            <table>
              <caption>{t("import.previewCaption", { n: number(preview.count) })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("import.identifier")}</th>
                  <th scope="col">{t("dataset.name")}</th>
                  <th scope="col">{t("dataset.classification")}</th>
                  <th scope="col">{t("dataset.holder")}</th>
                  <th scope="col">{t("dataset.contentHash")}</th>
                  <th scope="col">{t("import.problems")}</th>
                </tr>
              </thead>
              <tbody>
                {preview.items.slice(0, 200).map((i) => (
                  <tr key={i.identifier}>
                    <td>{i.identifier}</td>
                    <td>{i.title}</td>
                    <td>{t(`class.${i.classification as "Open"}`)}</td>
                    <td>{i.holder ?? t("import.caller")}</td>
                    <td><Hash value={i.contentHash} /></td>
                    <td>{i.problems.map((p) => t(p.startsWith("DUPLICATE") ? "import.duplicate" : "import.already")).join(", ") || "✓"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <button type="button" onClick={() => void commit()} disabled={busy || !preview.valid || Boolean(done)}>
            {t("import.commit", { n: number(preview.count) })}
          </button>
          {(progress || done) && (
            <div>
              <label htmlFor="import-progress">{t("import.progress")}</label>{" "}
              <progress id="import-progress" max={1} value={fraction}>
                {Math.round(fraction * 100)}%
              </progress>{" "}
              {Math.round(fraction * 100)}%
            </div>
          )}
          <TxProgress progress={progress} />
          {done && (
            <p role="status" className="alert ok" data-testid="import-done">
              {t("import.done", { n: number(done.registered) })} <Link to="/datasets">{t("nav.catalogue")}</Link>
            </p>
          )}
        </section>
      )}
    </>
  );
}

import { useState } from "react";
import { query } from "../api";
import { DropZone, ErrorMessage, Facts, Hash, Org } from "../components/common";
import { useI18n } from "../i18n";
import { sha256File } from "../lib-sha256";
import { Link } from "../router";
import type { AccountRef, Dataset } from "../types";

interface Verification {
  sha256: string;
  registered: boolean;
  registeredBy?: AccountRef;
  registeredAt?: string;
  version?: number;
  latestVersion?: boolean;
  dataset?: Dataset;
}

/** Anyone with a file: is it registered, by whom, when, which version? Only its hash is sent. */
export default function Verify() {
  const { t, date } = useI18n();
  const [answer, setAnswer] = useState<Verification>();
  const [error, setError] = useState<unknown>();
  const onFile = async (f: File) => {
    setError(undefined);
    setAnswer(undefined);
    try {
      setAnswer(await query<Verification>("/v1/datasets/verify", { sha256: await sha256File(f) }));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <h1>{t("nav.verify")}</h1>
      <p>{t("verify.lead")}</p>
      <DropZone label={t("verify.drop")} onFile={(f) => void onFile(f)} />
      <ErrorMessage error={error} />
      {answer && (
        <section aria-live="polite" className={`alert ${answer.registered ? "ok" : "warn"}`} data-testid="verify-result">
          <h2>{answer.registered ? t("verify.registered") : t("verify.notRegistered")}</h2>
          <Facts
            rows={[
              ["sha256", <Hash value={answer.sha256} />],
              ...(answer.registered && answer.dataset
                ? ([
                    [t("dataset.name"), <Link to={`/datasets/${answer.dataset.id}`}>{answer.dataset.title}</Link>],
                    [t("verify.by"), <Org code={answer.registeredBy?.organization} />],
                    [t("verify.when"), date(answer.registeredAt, true)],
                    [t("dataset.version"), `${answer.version}${answer.latestVersion ? ` (${t("verify.latest")})` : ` (${t("verify.superseded")})`}`],
                  ] as [string, React.ReactNode][])
                : []),
            ]}
          />
        </section>
      )}
    </>
  );
}

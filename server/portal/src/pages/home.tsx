import { useState, type FormEvent } from "react";
import { ApiError, get } from "../api";
import { ErrorMessage, Field } from "../components/common";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { session, type SessionInfo } from "../session";
import { keyFileSigner, walletSigner } from "../signer";

export default function Home() {
  const { t } = useI18n();
  const info = session.info();
  return (
    <>
      {/* elementtiming: the browser reports when this heading painted (the benchmark's first-load figure). */}
      <h1 {...{ elementtiming: "first-heading" }}>{t("home.title")}</h1>
      <p className="lead">{t("home.lead")}</p>
      {info ? <OwnKey /> : <SignIn />}
      <section aria-labelledby="tasks">
        <h2 id="tasks">{t("home.tasks")}</h2>
        <ul className="cards">
          <li><Link to="/datasets">{t("nav.catalogue")}</Link><p>{t("home.catalogue")}</p></li>
          <li><Link to="/verify">{t("nav.verify")}</Link><p>{t("home.verify")}</p></li>
          <li><Link to="/carbon">{t("nav.carbon")}</Link><p>{t("home.carbon")}</p></li>
          <li><Link to="/market">{t("nav.market")}</Link><p>{t("home.market")}</p></li>
          <li><Link to="/audit">{t("nav.audit")}</Link><p>{t("home.audit")}</p></li>
          <li><Link to="/admin">{t("nav.admin")}</Link><p>{t("home.admin")}</p></li>
        </ul>
      </section>
    </>
  );
}

function SignIn() {
  const { t } = useI18n();
  const [key, setKey] = useState("");
  const [error, setError] = useState<unknown>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    sessionStorage.setItem("cal.apiKey", key.trim());
    try {
      const me = await get<SessionInfo>("/v1/session");
      session.signIn(key.trim(), me);
    } catch (err) {
      sessionStorage.removeItem("cal.apiKey");
      setError(err instanceof ApiError ? err : new ApiError(0, "CLIENT", String(err)));
    }
  };
  return (
    <section aria-labelledby="signin" className="panel">
      <h2 id="signin">{t("session.signIn")}</h2>
      <form onSubmit={submit}>
        <Field label={t("session.apiKey")} hint={t("session.apiKeyHint")}>
          {(p) => <input {...p} type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} />}
        </Field>
        <button type="submit">{t("session.signIn")}</button>
      </form>
      <ErrorMessage error={error} />
    </section>
  );
}

/** Own-key organisations: sign in the browser with a key file or a wallet; the key never leaves this tab. */
function OwnKey() {
  const { t } = useI18n();
  const info = session.info()!;
  const [file, setFile] = useState<string>();
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const signer = session.signer();
  const use = async (make: () => Promise<Awaited<ReturnType<typeof walletSigner>>>) => {
    setBusy(true);
    setError(undefined);
    try {
      session.setSigner(await make());
    } catch (err) {
      setError(new ApiError(0, (err as Error).message === "NO_WALLET" ? "NO_WALLET" : "KEY_FILE", (err as Error).message));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="ownkey" className="panel">
      <h2 id="ownkey">{t("ownkey.title", { org: info.organization })}</h2>
      <p>{t("ownkey.lead")}</p>
      {signer ? (
        <p role="status">
          {t("ownkey.active", { address: signer.address })}{" "}
          <button type="button" onClick={() => session.setSigner(undefined)}>{t("ownkey.forget")}</button>
        </p>
      ) : (
        <>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (file) void use(() => keyFileSigner(file, password));
            }}
          >
            <Field label={t("ownkey.file")}>
              {(p) => <input {...p} type="file" accept=".json,application/json" onChange={(e) => e.target.files?.[0]?.text().then(setFile)} />}
            </Field>
            <Field label={t("ownkey.password")}>
              {(p) => <input {...p} type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} />}
            </Field>
            <button type="submit" disabled={!file || busy}>{t("ownkey.useFile")}</button>
          </form>
          <button type="button" disabled={busy} onClick={() => void use(walletSigner)}>{t("ownkey.useWallet")}</button>
        </>
      )}
      <ErrorMessage error={error} />
    </section>
  );
}

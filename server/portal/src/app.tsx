import { lazy, Suspense, useEffect, useRef, useSyncExternalStore, type ComponentType } from "react";
import { useI18n } from "./i18n";
import type { MessageKey } from "./i18n/vi";
import { Link, match, useLocation } from "./router";
import Home from "./pages/home";
import { session } from "./session";

// One chunk per page group: the first load carries only the shell and the home page (prerendered into the HTML, so it
// must render without waiting for a chunk); every other page is fetched when opened.
const Catalogue = lazy(() => import("./pages/catalogue"));
const Dataset = lazy(() => import("./pages/dataset"));
const Register = lazy(() => import("./pages/register"));
const Import = lazy(() => import("./pages/import"));
const Verify = lazy(() => import("./pages/verify"));
const Carbon = lazy(() => import("./pages/carbon"));
const Batch = lazy(() => import("./pages/batch"));
const Market = lazy(() => import("./pages/market"));
const Certificate = lazy(() => import("./pages/certificate"));
const Audit = lazy(() => import("./pages/audit"));
const Admin = lazy(() => import("./pages/admin"));
const Governance = lazy(() => import("./pages/governance"));
const Licences = lazy(() => import("./pages/licences"));
const Subscriptions = lazy(() => import("./pages/subscriptions"));

type Page = ComponentType<{ params: Record<string, string> }>;
const ROUTES: [string, Page, MessageKey][] = [
  ["/", Home, "nav.home"],
  ["/datasets", Catalogue, "nav.catalogue"],
  ["/datasets/register", Register, "register.title"],
  ["/datasets/import", Import, "import.title"],
  ["/datasets/:id", Dataset, "dataset.title"],
  ["/verify", Verify, "nav.verify"],
  ["/carbon", Carbon, "nav.carbon"],
  ["/carbon/batches/:id", Batch, "batch.title"],
  ["/market", Market, "nav.market"],
  ["/certificates/:id", Certificate, "certificate.title"],
  ["/audit", Audit, "nav.audit"],
  ["/admin", Admin, "nav.admin"],
  ["/governance", Governance, "nav.governance"],
  ["/licences", Licences, "licences.title"],
  ["/subscriptions", Subscriptions, "subs.title"],
];

const NAV: [string, MessageKey][] = [
  ["/datasets", "nav.catalogue"],
  ["/verify", "nav.verify"],
  ["/carbon", "nav.carbon"],
  ["/market", "nav.market"],
  ["/audit", "nav.audit"],
  ["/admin", "nav.admin"],
  ["/governance", "nav.governance"],
  ["/licences", "nav.licences"],
  ["/subscriptions", "nav.subscriptions"],
];

export function App() {
  const { t, lang, setLang } = useI18n();
  const { path } = useLocation();
  // The server snapshot (no session) is what the build prerendered; hydration compares against it.
  const info = useSyncExternalStore(session.subscribe, () => sessionStorage.getItem("cal.session"), () => null);
  const signedIn = info ? session.info() : null;
  const main = useRef<HTMLElement>(null);

  let found: { Page: Page; params: Record<string, string>; title: MessageKey } | undefined;
  for (const [pattern, Page, title] of ROUTES) {
    const params = match(pattern, path === "" ? "/" : path);
    if (params) {
      found = { Page, params, title };
      break;
    }
  }
  useEffect(() => {
    document.title = `${found ? t(found.title) : t("notFound.title")} · ${t("app.name")}`;
    // Move focus to the new page's content so keyboard and screen-reader users start there.
    main.current?.focus();
  }, [path, lang]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <>
      <a className="skip" href="#main">
        {t("app.skip")}
      </a>
      <header className="top">
        <Link to="/" className="brand">
          {t("app.name")}
        </Link>
        <nav aria-label={t("nav.label")}>
          <ul>
            {NAV.map(([to, key]) => (
              <li key={to}>
                <Link to={to}>{t(key)}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          {signedIn ? (
            <>
              <span data-testid="signed-in">{t("session.as", { org: signedIn.organization })}</span>
              <button type="button" onClick={() => session.signOut()}>
                {t("session.signOut")}
              </button>
            </>
          ) : (
            <Link to="/">{t("session.signIn")}</Link>
          )}
          <button type="button" lang={lang === "vi" ? "en" : "vi"} onClick={() => setLang(lang === "vi" ? "en" : "vi")}>
            {lang === "vi" ? "English" : "Tiếng Việt"}
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Suspense fallback={<p className="muted">{t("common.loading")}</p>}>
          {found ? (
            <found.Page params={found.params} />
          ) : (
            <>
              <h1>{t("notFound.title")}</h1>
              <p>
                <Link to="/">{t("nav.home")}</Link>
              </p>
            </>
          )}
          <Ready />
        </Suspense>
      </main>
      <footer className="foot">
        <p>
          {t("app.footer")} · <a href="/docs/">{t("app.apiDocs")}</a>
        </p>
      </footer>
    </>
  );
}

/**
 * Marks `cal:ready` (a performance mark, from navigation start) once the first page has committed with its handlers:
 * the portal is interactive. Inside the Suspense boundary, so it commits together with the page, not its fallback.
 */
function Ready() {
  useEffect(() => {
    if (performance.getEntriesByName("cal:ready").length === 0) performance.mark("cal:ready");
  }, []);
  return null;
}

import { StrictMode } from "react";
import { createRoot, hydrateRoot } from "react-dom/client";
import { App } from "./app";
import { I18nProvider, loadTable, storedLang } from "./i18n";
import "./styles.css";

const root = document.getElementById("root")!;
const app = (
  <StrictMode>
    <I18nProvider>
      <App />
    </I18nProvider>
  </StrictMode>
);
const lang = storedLang();
// The build prerenders the home page as a first visit sees it (Vietnamese, signed out: prerender.tsx), so its heading
// paints before this script runs. Hydrate it only when this tab would render exactly that; otherwise render afresh
// (React replaces the prerendered nodes in the same commit, so no blank frame).
if (root.dataset.prerendered === window.location.pathname && lang === "vi" && !sessionStorage.getItem("cal.session")) {
  hydrateRoot(root, app);
} else {
  void loadTable(lang).then(() => createRoot(root).render(app));
}

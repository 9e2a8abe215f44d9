import { StrictMode } from "react";
import { renderToString } from "react-dom/server";
import { App } from "./app";
import { I18nProvider } from "./i18n";
import { vi } from "./i18n/vi";

/**
 * The home page as a first visit sees it (path `/`, Vietnamese, signed out), rendered at build time (vite.config.ts)
 * into the HTML the gateway answers for `/`: its heading and navigation paint before the script has loaded, and
 * main.tsx hydrates the same tree. Runs in Node: the few browser globals the first render reads are given the values
 * of that first visit (no session, no language chosen).
 */
export function renderHome(): { html: string; title: string } {
  const g = globalThis as Record<string, unknown>;
  const empty = { getItem: () => null, setItem: () => {}, removeItem: () => {} };
  const stubs: Record<string, unknown> = {
    window: { location: { pathname: "/", search: "" }, addEventListener: () => {}, removeEventListener: () => {} },
    sessionStorage: empty,
  };
  const saved = Object.fromEntries(Object.keys(stubs).map((k) => [k, g[k]]));
  Object.assign(g, stubs);
  try {
    const html = renderToString(
      <StrictMode>
        <I18nProvider>
          <App />
        </I18nProvider>
      </StrictMode>,
    );
    return { html, title: `${vi["nav.home"]} · ${vi["app.name"]}` };
  } finally {
    Object.assign(g, saved);
  }
}

import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { vi, type MessageKey } from "./vi";

export type Lang = "vi" | "en";
// Vietnamese (the default) is in the first load; English is its own chunk, fetched when chosen (loadTable).
const TABLES: Partial<Record<Lang, Record<MessageKey, string>>> = { vi };
const LOCALE: Record<Lang, string> = { vi: "vi-VN", en: "en" };
const STORE = "cal.lang";

/** The language this tab chose (sessionStorage), Vietnamese by default. */
export const storedLang = (): Lang => (sessionStorage.getItem(STORE) === "en" ? "en" : "vi");

/** Fetches a language's table once; `translate` needs it before rendering in that language. */
export async function loadTable(lang: Lang): Promise<void> {
  if (!TABLES[lang]) TABLES[lang] = (await import("./en")).en;
}

export interface I18n {
  lang: Lang;
  locale: string;
  setLang(lang: Lang): void;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** A translated message for an API error code when the table has one (`error.<CODE>`), else the API's own message. */
  errorText(code: string, message: string): string;
  date(iso: string | null | undefined, withTime?: boolean): string;
  number(value: string | number | bigint | null | undefined): string;
  vnd(value: string | number | bigint | null | undefined): string;
}

export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  const text = (TABLES[lang] ?? vi)[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : text;
}

const big = (v: string | number | bigint) => (typeof v === "string" && /^\d+$/.test(v) ? BigInt(v) : v);

export function makeI18n(lang: Lang, setLang: (l: Lang) => void): I18n {
  const locale = LOCALE[lang];
  const numbers = new Intl.NumberFormat(locale);
  const money = new Intl.NumberFormat(locale, { style: "currency", currency: "VND", maximumFractionDigits: 0 });
  const day = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
  const dayTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
  return {
    lang,
    locale,
    setLang,
    t: (key, vars) => translate(lang, key, vars),
    errorText: (code, message) => {
      const key = `error.${code}` as MessageKey;
      return key in (TABLES[lang] ?? vi) ? translate(lang, key) : message;
    },
    date: (iso, withTime = false) => (iso ? (withTime ? dayTime : day).format(new Date(iso)) + (withTime ? " UTC" : "") : "—"),
    number: (v) => (v === null || v === undefined || v === "" ? "—" : numbers.format(big(v) as number)),
    vnd: (v) => (v === null || v === undefined || v === "" ? "—" : money.format(big(v) as number)),
  };
}

const Ctx = createContext<I18n>(makeI18n("vi", () => {}));

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(storedLang);
  const value = useMemo(
    () =>
      makeI18n(lang, (next) => {
        sessionStorage.setItem(STORE, next);
        void loadTable(next).then(() => setLangState(next));
      }),
    [lang],
  );
  // After the commit: <html lang> changes together with the text on the page (tests wait for it after a switch).
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export const useI18n = (): I18n => useContext(Ctx);

import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { en } from "../../../server/portal/src/i18n/en";
import { vi, type MessageKey } from "../../../server/portal/src/i18n/vi";

export const SCREENSHOTS = path.resolve(__dirname, "../../../test-output/portal");
export type Lang = "vi" | "en";
export const TABLES: Record<Lang, Record<MessageKey, string>> = { vi, en };

/** A message of the portal's table with its {placeholders} filled, as the page shows it. */
export function text(lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return TABLES[lang][key].replace(/\{(\w+)\}/g, (_m, name: string) => String(vars[name]));
}

/** The message as a RegExp with every {placeholder} matching anything (for texts with numbers we do not know). */
export function pattern(lang: Lang, key: MessageKey): RegExp {
  const escaped = TABLES[lang][key].replace(/[.*+?^$()|[\]\\]/g, "\\$&");
  return new RegExp(escaped.replace(/\\?\{(\w+)\\?\}/g, ".+?"));
}

export { CHROMIUM, launchChromium as launch } from "../../../scripts/lib/chromium";

const AXE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Every page the tests open: CSP violations and page errors are collected and must stay empty. */
export class PortalSession {
  readonly problems: string[] = [];
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly lang: Lang,
    readonly baseUrl: string,
  ) {}

  static async open(browser: Browser, baseUrl: string, lang: Lang): Promise<PortalSession> {
    const context = await browser.newContext({ locale: lang === "vi" ? "vi-VN" : "en-GB", viewport: { width: 1280, height: 900 } });
    // The portal starts in Vietnamese; an English user clicks the switch once, which the session remembers.
    const page = await context.newPage();
    const s = new PortalSession(context, page, lang, baseUrl);
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy|Refused to/.test(m.text())) s.problems.push(m.text());
    });
    page.on("pageerror", (err) => s.problems.push(`page error: ${err.message}`));
    return s;
  }

  t(key: MessageKey, vars?: Record<string, string | number>): string {
    return text(this.lang, key, vars);
  }

  /**
   * Opens a page and waits until the portal is interactive: `/` arrives with its heading prerendered, so a visible
   * heading alone does not mean the script has attached its handlers; the app marks `cal:ready` once it has.
   */
  async goto(pathname: string): Promise<void> {
    await this.page.goto(`${this.baseUrl}${pathname}`);
    // A function, not a string: the portal's CSP has no 'unsafe-eval', which a string predicate would need.
    await this.page.waitForFunction(() => performance.getEntriesByName("cal:ready").length > 0);
    await this.page.locator("main h1").first().waitFor();
  }

  /** The portal opens in Vietnamese; an English journey clicks the switch once (the tab remembers it). */
  async chooseLanguage(): Promise<void> {
    if (this.lang !== "en") return;
    await this.page.getByRole("button", { name: "English" }).click();
    // The English table is its own chunk: the page switches (and sets <html lang>) once it has arrived.
    await this.page.waitForFunction(() => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang === "en");
  }

  /** Signs in through the home page's form; switches to English first when the journey is in English. */
  async signIn(apiKey: string): Promise<void> {
    await this.goto("/");
    await this.chooseLanguage();
    await this.page.getByRole("heading", { level: 1, name: this.t("home.title") }).waitFor();
    await this.page.getByLabel(this.t("session.apiKey")).fill(apiKey);
    await this.page.getByRole("main").getByRole("button", { name: this.t("session.signIn") }).click();
    await this.page.getByTestId("signed-in").waitFor();
  }

  /** axe-core on the page as it is now: no serious or critical violation. Then a screenshot for people to look at. */
  async check(name: string): Promise<void> {
    await this.page.evaluate(AXE);
    // A string expression: the test runs in Node, the scan in the page.
    const violations = (await this.page.evaluate(`axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)`)) as { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
    const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(
      bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`),
      `axe on ${name}`,
    ).to.deep.equal([]);
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await this.page.screenshot({ path: path.join(SCREENSHOTS, `${this.lang}-${name}.png`), fullPage: true });
  }

  /** Drops a file on the page's drop zone as a user dragging it from the desktop would. */
  async drop(name: string, content: string | Buffer, mime = "application/octet-stream"): Promise<void> {
    const data = [...Buffer.from(content)];
    const transfer = await this.page.evaluateHandle(
      ({ data, name, mime }) => {
        // Runs in the page (DOM globals), typed loosely here because the tests compile without the DOM library.
        const g = globalThis as unknown as { DataTransfer: new () => { items: { add(f: unknown): void } }; File: new (parts: unknown[], name: string, o: object) => unknown };
        const dt = new g.DataTransfer();
        dt.items.add(new g.File([new Uint8Array(data)], name, { type: mime }));
        return dt;
      },
      { data, name, mime },
    );
    await this.page.dispatchEvent("[data-testid=dropzone]", "drop", { dataTransfer: transfer });
  }

  async close(): Promise<void> {
    expect(this.problems, "CSP violations or page errors").to.deep.equal([]);
    await this.context.close();
  }
}

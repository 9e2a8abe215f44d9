import type { Signer } from "./signer";

/** Who is signed in: kept in sessionStorage only (gone when the tab closes), never in localStorage or a cookie. */
export interface SessionInfo {
  organization: string;
  kind: string;
  scopes: string[];
}

const KEY = "cal.apiKey";
const INFO = "cal.session";
let signer: Signer | undefined;
const listeners = new Set<() => void>();

export const session = {
  apiKey: (): string | null => sessionStorage.getItem(KEY),
  info: (): SessionInfo | null => {
    const raw = sessionStorage.getItem(INFO);
    return raw ? (JSON.parse(raw) as SessionInfo) : null;
  },
  /** The own-key signer of this tab (kept in memory only: a reload asks for the key file again). */
  signer: (): Signer | undefined => signer,
  signIn(apiKey: string, info: SessionInfo): void {
    sessionStorage.setItem(KEY, apiKey);
    sessionStorage.setItem(INFO, JSON.stringify(info));
    listeners.forEach((l) => l());
  },
  setSigner(next: Signer | undefined): void {
    signer = next;
    listeners.forEach((l) => l());
  },
  signOut(): void {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(INFO);
    signer = undefined;
    listeners.forEach((l) => l());
  },
  can: (scope: string): boolean => session.info()?.scopes.includes(scope) ?? false,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

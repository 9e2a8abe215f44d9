import { decodeBytes32String, getAddress } from "ethers";

/** An organisation as people know it: its code when its id is a short text (as the city registers them), else the id. */
export function orgLabel(orgId: string): string {
  try {
    const code = decodeBytes32String(orgId);
    if (/^[\x21-\x7e][\x20-\x7e]*$/.test(code)) return code;
  } catch {
    // not a packed string
  }
  return orgId;
}

/** A unix time (seconds) as ISO 8601; zero means "none" (no expiry, no date). */
export function isoTime(seconds: bigint | number, none = "none"): string {
  const n = Number(seconds);
  return n === 0 ? none : new Date(n * 1000).toISOString();
}

/** An account as people know it: the organisation it acts for, then the address. */
export function accountLabel(account: string, orgIdOf: (account: string) => string | undefined): string {
  const orgId = orgIdOf(account);
  const address = /^0x[0-9a-fA-F]{40}$/.test(account) ? getAddress(account) : account;
  return orgId ? `${orgLabel(orgId)} (${address})` : address;
}

/** Unix seconds (as the chain keeps them) → ISO 8601 in UTC. */
export const isoOf = (seconds: bigint | number): string => new Date(Number(seconds) * 1000).toISOString();

/** ISO 8601 (a date-time with a zone, or a date meaning 00:00 UTC that day) → unix seconds. */
export const secondsOf = (iso: string): number => Math.floor(Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso) / 1000);

/**
 * A date that exists and is not before 1970: the calendar part of an ISO 8601 string is checked as written (Date.parse
 * would turn 2024-02-30 into 1 March), and the whole instant must be at or after the epoch (the chain keeps unsigned
 * seconds). Anything not shaped YYYY-MM-DD… is false.
 */
export function isRealDate(iso: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso);
  return !Number.isNaN(ms) && ms >= 0;
}

export const REAL_DATE_MESSAGE = "not a date that exists on or after 1970-01-01";

/** Unix seconds (as the chain keeps them) → ISO 8601 in UTC. */
export const isoOf = (seconds: bigint | number): string => new Date(Number(seconds) * 1000).toISOString();

/** ISO 8601 (a date-time with a zone, or a date meaning 00:00 UTC that day) → unix seconds. */
export const secondsOf = (iso: string): number => Math.floor(Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso) / 1000);

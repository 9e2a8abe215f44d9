/**
 * What the benchmarks started (gateway processes, chain nodes, temporary directories) and must stop even when the
 * run is interrupted: the gateway and its node run in their own process groups, so Ctrl-C alone would leave them.
 */
const cleanups = new Set<() => Promise<void>>();

/** Registers a stop function; call the returned function once it has run normally. */
export function onInterrupt(stop: () => Promise<void>): () => void {
  cleanups.add(stop);
  return () => cleanups.delete(stop);
}

/** Runs every registered stop function (each at most once). */
export async function stopEverything(): Promise<void> {
  const pending = [...cleanups];
  cleanups.clear();
  await Promise.allSettled(pending.map((stop) => stop()));
}

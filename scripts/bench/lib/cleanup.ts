/**
 * What the benchmarks started (gateway processes, chain nodes, temporary directories) and must stop even when the
 * run is interrupted: the gateway and its node run in their own process groups, so Ctrl-C alone would leave them.
 */
const cleanups = new Set<() => Promise<void>>();
/** Once the run is being stopped, what registers afterwards (a part still starting things) is stopped at once. */
let late: Promise<void>[] | undefined;

/** Registers a stop function; call the returned function once it has run normally. */
export function onInterrupt(stop: () => Promise<void>): () => void {
  if (late) {
    late.push(stop().catch(() => undefined));
    return () => undefined;
  }
  cleanups.add(stop);
  return () => cleanups.delete(stop);
}

/**
 * Runs every registered stop function (each at most once), and from then on stops whatever registers at once;
 * resolves when all of them, those registered late included, have run.
 */
export async function stopEverything(): Promise<void> {
  late ??= [];
  const pending = [...cleanups];
  cleanups.clear();
  await Promise.allSettled([...pending.map((stop) => stop()), ...late]);
}

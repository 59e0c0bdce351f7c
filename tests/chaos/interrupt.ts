/**
 * What must not outlive an interrupted chaos run (Ctrl-C, a timeout's SIGTERM): the harness's
 * PostgreSQL cluster and the sync-server processes. Each registers how to end it; the CLI runs
 * them all on SIGINT/SIGTERM.
 */
const cleanups = new Set<() => Promise<void> | void>();

export function onInterrupt(cleanup: () => Promise<void> | void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

export function exitOnSignals(): void {
  const handler = (signal: NodeJS.Signals) => {
    process.stderr.write(`chaos: ${signal}, cleaning up\n`);
    void Promise.allSettled([...cleanups].map((cleanup) => cleanup())).then(() =>
      process.exit(130),
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

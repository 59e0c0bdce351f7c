/**
 * Runs `task` while holding a lock named `name` across every tab of this origin (Web Locks), or
 * within this tab alone where the API is missing. A refresh token is spent by its first use, so two
 * tabs must never refresh with the same one.
 */
const localChains = new Map<string, Promise<unknown>>();

/** Web Locks, as far as used here: typed without the DOM library, since this runs in Node too. */
interface LockManager {
  request(name: string, task: () => Promise<unknown>): Promise<unknown>;
}

export function serialize<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (locks) return locks.request(name, task) as Promise<T>;
  const previous = localChains.get(name) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(task);
  localChains.set(name, next);
  return next;
}

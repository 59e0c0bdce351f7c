import type { CollectionName } from '@anochat/schemas/rxdb/sync';

/** Committed changes that concern some users: their devices should pull these collections. */
export interface ChangeNotice {
  userIds: readonly string[];
  collections: readonly CollectionName[];
}

/**
 * Tells this process's socket layer which users have something new. It stays in-process: the socket
 * layer emits the `stream` poke to `user:<id>` rooms, and with REDIS_URL the socket.io Redis adapter
 * carries that broadcast to the devices connected to every other instance (see fanout.ts).
 */
export interface SyncNotifier {
  publish(notice: ChangeNotice): void;
  subscribe(listener: (notice: ChangeNotice) => void): () => void;
}

export function createInProcessNotifier(): SyncNotifier {
  const listeners = new Set<(notice: ChangeNotice) => void>();
  return {
    publish(notice) {
      for (const listener of listeners) listener(notice);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

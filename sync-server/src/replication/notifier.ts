import type { CollectionName } from '@anochat/schemas/rxdb/sync';

/** Committed changes that concern some users: their devices should pull these collections. */
export interface ChangeNotice {
  userIds: readonly string[];
  collections: readonly CollectionName[];
}

/**
 * Tells the socket layer which users have something new. In-process for now; a Redis pub/sub (or
 * the socket.io Redis adapter) can implement the same interface so every instance hears every commit.
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

import type { CollectionName } from '@anochat/schemas/rxdb/sync';

/** Committed changes that concern some users: their devices' views of these collections changed. */
export interface ChangeNotice {
  userIds: readonly string[];
  collections: readonly CollectionName[];
  /**
   * The committed transaction (xid8, decimal), when known: the live stream knows it has served the
   * change once the pull horizon has passed it. Without it, the stream waits until every
   * transaction running when it next looks has finished.
   */
  xid?: string | undefined;
}

/**
 * Tells this process's socket layer which users have something new. The socket layer hands each
 * notice to its live stream and, with REDIS_URL, to every other instance's (socket.io
 * serverSideEmit through the Redis adapter), so each instance serves its own connected devices.
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

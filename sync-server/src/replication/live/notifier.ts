import { COLLECTIONS, type CollectionName } from '@anochat/schemas/rxdb/sync';
import type { Logger } from '../../logging/logger.ts';

/** Committed changes that concern some users: their devices' views of these collections changed. */
export interface ChangeNotice {
  userIds: readonly string[];
  collections: readonly CollectionName[];
  /**
   * The transaction (xid8, decimal), when known: the live stream knows it has served the change
   * once the pull horizon has passed it. Without it, the stream waits until every transaction
   * running when it next looks has finished.
   */
  xid?: string | undefined;
}

/** The other instances (through Redis): fanout.ts. */
export interface NoticePeers {
  /** Resolves once every other instance's subscription has been handed the notice. */
  send(notice: ChangeNotice): Promise<void>;
  /** Notices the other instances sent. */
  onNotice(listener: (notice: ChangeNotice) => void): void;
}

/**
 * Tells this process's live stream, and every other instance's, which users have something new.
 * A push announces its change before it commits (sync-service.ts) and waits until the other
 * instances have the notice: whatever happens to this process afterwards (a SIGKILL right after
 * the commit, a graceful stop), the commit is already announced everywhere. A notice may so come
 * before its commit is visible, or for a transaction that rolls back: the live stream keeps a
 * device pending until the pull horizon has passed the notice's transaction (live-stream.ts).
 */
export interface SyncNotifier {
  /** Never rejects: a notice that cannot reach the other instances in time is logged. */
  publish(notice: ChangeNotice): Promise<void>;
  /**
   * The published change is committed now: the live streams serve it at once rather than at their
   * next look. Sent without waiting; the first notice already made sure nobody misses the change.
   */
  committed(notice: ChangeNotice): void;
  subscribe(listener: (notice: ChangeNotice) => void): () => void;
}

/**
 * How long a push waits for Redis to take its notice. Longer means Redis is away: the push goes on
 * (the other instances lost their subscription too, and look again when it comes back).
 */
const CONFIRM_TIMEOUT_MS = 1_000;

export function createNotifier(options: {
  peers: NoticePeers | null;
  logger: Logger;
  confirmTimeoutMs?: number;
}): SyncNotifier {
  const { peers, logger } = options;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? CONFIRM_TIMEOUT_MS;
  const listeners = new Set<(notice: ChangeNotice) => void>();
  const deliver = (notice: ChangeNotice) => {
    for (const listener of listeners) listener(notice);
  };
  peers?.onNotice(deliver);
  return {
    async publish(notice) {
      deliver(notice);
      if (peers === null) return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), confirmTimeoutMs);
      });
      const sent = peers.send(notice).then(
        () => 'sent' as const,
        (error: unknown) => {
          logger.warn({ err: error }, 'change notice could not reach the other instances');
          return 'failed' as const;
        },
      );
      const outcome = await Promise.race([sent, late]).finally(() => clearTimeout(timer));
      if (outcome === 'late') logger.warn('change notice not confirmed by redis in time');
    },
    committed(notice) {
      deliver(notice);
      peers?.send(notice).catch((error: unknown) => {
        logger.debug({ err: error }, 'a commit notice could not reach the other instances');
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const DECIMAL = /^[0-9]{1,20}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A notice as another instance sent it (JSON), or null when it is not one. */
export function parseNotice(text: string): (ChangeNotice & { origin: string }) | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { origin, userIds, collections, xid } = value as Record<string, unknown>;
  if (typeof origin !== 'string') return null;
  if (!Array.isArray(userIds) || !userIds.every((id) => typeof id === 'string' && UUID.test(id))) {
    return null;
  }
  if (
    !Array.isArray(collections) ||
    !collections.every((name) => (COLLECTIONS as readonly unknown[]).includes(name))
  ) {
    return null;
  }
  if (xid !== undefined && (typeof xid !== 'string' || !DECIMAL.test(xid))) return null;
  return { origin, userIds, collections, xid };
}

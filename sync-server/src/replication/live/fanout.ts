import { randomUUID } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient, type RedisClientType } from 'redis';
import type { ServerOptions } from 'socket.io';
import type { Logger } from '../../logging/logger.ts';
import {
  createMemoryPresence,
  createRedisPresence,
  type PresenceStore,
} from '../../presence/presence.ts';
import { type ChangeNotice, type NoticePeers, parseNotice } from './notifier.ts';

/**
 * How events reach devices on other instances. With Redis, every room broadcast (`typing`,
 * `presence`, revocation disconnects) goes through the socket.io Redis adapter's pub/sub, change
 * notices through a channel of their own (a push waits until Redis has its notice, which socket.io's
 * serverSideEmit cannot tell), and presence is counted in Redis; without it, the in-memory adapter
 * and a map (a single instance, e.g. the embedded default).
 */
export interface Fanout {
  adapter: ServerOptions['adapter'] | undefined;
  /** The other instances, for change notices (null: there are none). */
  notices: NoticePeers | null;
  presence: PresenceStore;
  /**
   * Runs `listener` whenever the subscription to the other instances comes back after a drop:
   * what they published meanwhile never arrived. (Publishing loses nothing: the Redis client
   * queues commands while it reconnects.)
   */
  onResubscribed(listener: () => void): void;
  close(): Promise<void>;
}

export async function createFanout(
  redis: { url: string | null; keyPrefix: string },
  logger: Logger,
): Promise<Fanout> {
  if (redis.url === null) {
    return {
      adapter: undefined,
      notices: null,
      presence: createMemoryPresence(),
      onResubscribed: () => {},
      close: async () => {},
    };
  }
  const pub: RedisClientType = createClient({
    url: redis.url,
    name: `${redis.keyPrefix}:publisher`,
  });
  const sub = pub.duplicate({ name: `${redis.keyPrefix}:subscriber` });
  for (const [role, client] of [
    ['publisher', pub],
    ['subscriber', sub],
  ] as const) {
    // Without a listener an error would crash the process; the client reconnects by itself.
    client.on('error', (error: unknown) => logger.warn({ err: error, role }, 'redis error'));
  }
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (error) {
    pub.destroy();
    sub.destroy();
    throw error;
  }
  const channel = `${redis.keyPrefix}:change-notices`;
  // This process's own notices come back through the channel too: it has already delivered them.
  const origin = randomUUID();
  const noticeListeners = new Set<(notice: ChangeNotice) => void>();
  try {
    await sub.subscribe(channel, (message: string) => {
      const notice = parseNotice(message);
      if (notice === null) {
        logger.warn('a change notice from redis was not one; ignored');
        return;
      }
      if (notice.origin === origin) return;
      const { userIds, collections, xid } = notice;
      for (const listener of noticeListeners) listener({ userIds, collections, xid });
    });
  } catch (error) {
    pub.destroy();
    sub.destroy();
    throw error;
  }
  logger.info({ keyPrefix: redis.keyPrefix }, 'socket.io fan-out through redis');
  const resubscribed = new Set<() => void>();
  // 'ready' comes again after every reconnection; the adapter subscribes again by itself.
  sub.on('ready', () => {
    logger.warn('redis subscription restored; connected devices look for missed changes');
    for (const listener of resubscribed) listener();
  });
  return {
    adapter: createAdapter(pub, sub, { key: `${redis.keyPrefix}:socket.io` }),
    notices: {
      async send(notice) {
        await pub.publish(channel, JSON.stringify({ origin, ...notice }));
      },
      onNotice: (listener) => noticeListeners.add(listener),
    },
    // The publisher also runs the presence scripts (a subscriber connection cannot).
    presence: createRedisPresence(pub, redis.keyPrefix),
    onResubscribed: (listener) => resubscribed.add(listener),
    async close() {
      await Promise.allSettled([pub.close(), sub.close()]);
    },
  };
}

import { createAdapter } from '@socket.io/redis-adapter';
import { createClient, type RedisClientType } from 'redis';
import type { ServerOptions } from 'socket.io';
import type { Logger } from '../logging/logger.ts';
import { createMemoryPresence, createRedisPresence, type PresenceStore } from './presence.ts';

/**
 * How socket.io events reach devices on other instances. With Redis, every room broadcast
 * (`stream` pokes, `typing`, `presence`, revocation disconnects) goes through the socket.io Redis
 * adapter's pub/sub, and presence is counted in Redis; without it, the in-memory adapter and a map
 * (a single instance, e.g. the embedded default).
 */
export interface Fanout {
  adapter: ServerOptions['adapter'] | undefined;
  presence: PresenceStore;
  close(): Promise<void>;
}

export async function createFanout(
  redis: { url: string | null; keyPrefix: string },
  logger: Logger,
): Promise<Fanout> {
  if (redis.url === null) {
    return { adapter: undefined, presence: createMemoryPresence(), close: async () => {} };
  }
  const pub: RedisClientType = createClient({ url: redis.url });
  const sub = pub.duplicate();
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
  logger.info({ keyPrefix: redis.keyPrefix }, 'socket.io fan-out through redis');
  return {
    adapter: createAdapter(pub, sub, { key: `${redis.keyPrefix}:socket.io` }),
    // The publisher also runs the presence scripts (a subscriber connection cannot).
    presence: createRedisPresence(pub, redis.keyPrefix),
    async close() {
      await Promise.allSettled([pub.close(), sub.close()]);
    },
  };
}

import type { RedisClientType } from 'redis';

/**
 * Which users have at least one live socket, across every instance. Counted per connection (a device
 * may hold several); the socket layer turns "first" and "last" into `presence` events.
 */
export interface PresenceStore {
  /** Records a connection; true when it is the user's only one (they just came online). */
  add(userId: string, connectionId: string): Promise<boolean>;
  /** Forgets a connection; true when the user has none left (they just went offline). */
  remove(userId: string, connectionId: string): Promise<boolean>;
  /** Those of `userIds` with at least one live connection. */
  onlineAmong(userIds: readonly string[]): Promise<Set<string>>;
  /** Re-asserts this process's live connections (userId -> connection ids) before they expire. */
  refresh(connections: ReadonlyMap<string, ReadonlySet<string>>): Promise<void>;
  /** How often `refresh` should run, in ms (0: never needed). */
  readonly refreshIntervalMs: number;
}

/** One process: a map is the whole truth. */
export function createMemoryPresence(): PresenceStore {
  const online = new Map<string, Set<string>>();
  return {
    refreshIntervalMs: 0,
    async add(userId, connectionId) {
      const connections = online.get(userId) ?? new Set<string>();
      online.set(userId, connections);
      connections.add(connectionId);
      return connections.size === 1;
    },
    async remove(userId, connectionId) {
      const connections = online.get(userId);
      if (!connections) return true;
      connections.delete(connectionId);
      if (connections.size > 0) return false;
      online.delete(userId);
      return true;
    },
    async onlineAmong(userIds) {
      return new Set(userIds.filter((userId) => (online.get(userId)?.size ?? 0) > 0));
    },
    async refresh() {},
  };
}

// One sorted set per user: member = connection id, score = expiry in ms on Redis's own clock (TIME),
// so instances with skewed clocks agree. Each script prunes expired members first, so the
// connections of an instance that died without cleaning up stop counting after the TTL.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const ADD_SCRIPT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCARD', KEYS[1])`;

const REMOVE_SCRIPT = `${NOW}
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`;

const COUNT_SCRIPT = `${NOW}
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')`;

const REFRESH_SCRIPT = `${NOW}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0`;

/**
 * Shared through Redis. Every script runs atomically, so when two devices of a user connect at once
 * on two instances exactly one sees a count of 1, and exactly one disconnect sees 0.
 */
export function createRedisPresence(
  client: RedisClientType,
  keyPrefix: string,
  ttlMs = 60_000,
): PresenceStore {
  const key = (userId: string) => `${keyPrefix}:presence:${userId}`;
  const ttl = String(ttlMs);
  return {
    refreshIntervalMs: Math.floor(ttlMs / 3),
    async add(userId, connectionId) {
      const count = await client.eval(ADD_SCRIPT, {
        keys: [key(userId)],
        arguments: [connectionId, ttl],
      });
      return Number(count) === 1;
    },
    async remove(userId, connectionId) {
      const count = await client.eval(REMOVE_SCRIPT, {
        keys: [key(userId)],
        arguments: [connectionId],
      });
      return Number(count) === 0;
    },
    async onlineAmong(userIds) {
      const counts = await Promise.all(
        userIds.map((userId) => client.eval(COUNT_SCRIPT, { keys: [key(userId)] })),
      );
      return new Set(userIds.filter((_, index) => Number(counts[index]) > 0));
    },
    async refresh(connections) {
      await Promise.all(
        [...connections].map(([userId, ids]) =>
          client.eval(REFRESH_SCRIPT, { keys: [key(userId)], arguments: [ttl, ...ids] }),
        ),
      );
    },
  };
}

import type { RedisClientType } from 'redis';

/**
 * Which users have at least one live socket, across every instance, and which ones their contacts
 * were last told are online. Connections are counted per connection (a device may hold several).
 * The two differ for a while after a user's last connection drops: on a flaky link the device is
 * usually back within seconds, and telling every contact "offline" then "online" for each cut
 * would be noise to them and frames on the very links that cut (the socket layer waits a grace
 * period, then `settleOffline` decides).
 */
export interface PresenceStore {
  /**
   * Records a connection; true when the user's contacts must be told they came online: they had
   * no other connection and were not shown online any more.
   */
  add(userId: string, connectionId: string): Promise<boolean>;
  /** Forgets a connection; true when the user has none left (they may be going offline). */
  remove(userId: string, connectionId: string): Promise<boolean>;
  /**
   * After the grace period: true when the user still has no connection and was shown online, who
   * is now shown offline (the contacts must be told); false when they came back meanwhile.
   */
  settleOffline(userId: string): Promise<boolean>;
  /** Those of `userIds` shown online. */
  onlineAmong(userIds: readonly string[]): Promise<Set<string>>;
  /** Re-asserts this process's live connections (userId -> connection ids) before they expire. */
  refresh(connections: ReadonlyMap<string, ReadonlySet<string>>): Promise<void>;
  /** How often `refresh` should run, in ms (0: never needed). */
  readonly refreshIntervalMs: number;
}

/** One process: a map is the whole truth. */
export function createMemoryPresence(): PresenceStore {
  const online = new Map<string, Set<string>>();
  const shown = new Set<string>();
  return {
    refreshIntervalMs: 0,
    async add(userId, connectionId) {
      const connections = online.get(userId) ?? new Set<string>();
      online.set(userId, connections);
      connections.add(connectionId);
      if (shown.has(userId)) return false;
      shown.add(userId);
      return true;
    },
    async remove(userId, connectionId) {
      const connections = online.get(userId);
      if (!connections) return true;
      connections.delete(connectionId);
      if (connections.size > 0) return false;
      online.delete(userId);
      return true;
    },
    async settleOffline(userId) {
      if (online.has(userId)) return false;
      return shown.delete(userId);
    },
    async onlineAmong(userIds) {
      return new Set(userIds.filter((userId) => shown.has(userId)));
    },
    async refresh() {},
  };
}

// Per user, a sorted set of connections (member = connection id, score = expiry in ms on Redis's
// own clock, TIME, so instances with skewed clocks agree) and a key that exists while the user is
// shown online. Each script prunes expired members first, so the connections of an instance that
// died without cleaning up stop counting after the TTL, and so does its user's "shown online".
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const ADD_SCRIPT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local was_shown = redis.call('GETSET', KEYS[2], '1')
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if was_shown then return 0 end
return 1`;

const REMOVE_SCRIPT = `${NOW}
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`;

const SETTLE_SCRIPT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
return redis.call('DEL', KEYS[2])`;

const REFRESH_SCRIPT = `${NOW}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 0`;

/**
 * Shared through Redis. Every script runs atomically, so when two devices of a user connect at once
 * on two instances exactly one announces them, and of two instances settling the same user at
 * most one does.
 */
export function createRedisPresence(
  client: RedisClientType,
  keyPrefix: string,
  ttlMs = 60_000,
): PresenceStore {
  const key = (userId: string) => `${keyPrefix}:presence:${userId}`;
  const shownKey = (userId: string) => `${keyPrefix}:presence-shown:${userId}`;
  const ttl = String(ttlMs);
  return {
    refreshIntervalMs: Math.floor(ttlMs / 3),
    async add(userId, connectionId) {
      const news = await client.eval(ADD_SCRIPT, {
        keys: [key(userId), shownKey(userId)],
        arguments: [connectionId, ttl],
      });
      return Number(news) === 1;
    },
    async remove(userId, connectionId) {
      const count = await client.eval(REMOVE_SCRIPT, {
        keys: [key(userId)],
        arguments: [connectionId],
      });
      return Number(count) === 0;
    },
    async settleOffline(userId) {
      const deleted = await client.eval(SETTLE_SCRIPT, { keys: [key(userId), shownKey(userId)] });
      return Number(deleted) === 1;
    },
    async onlineAmong(userIds) {
      if (userIds.length === 0) return new Set();
      const shown = await client.mGet(userIds.map(shownKey));
      return new Set(userIds.filter((_, index) => shown[index] !== null));
    },
    async refresh(connections) {
      await Promise.all(
        [...connections].map(([userId, ids]) =>
          client.eval(REFRESH_SCRIPT, {
            keys: [key(userId), shownKey(userId)],
            arguments: [ttl, ...ids],
          }),
        ),
      );
    },
  };
}

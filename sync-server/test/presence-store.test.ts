import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, type RedisClientType } from 'redis';
import {
  createMemoryPresence,
  createRedisPresence,
  type PresenceStore,
} from '../src/presence/presence.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The same rules for both stores: what the socket layer announces depends on nothing else. */
function presenceContract(name: string, makeStore: () => PresenceStore) {
  describe(name, () => {
    it('announces a user once when their first connection comes up, not for their second', async () => {
      const store = makeStore();
      const user = randomUUID();
      assert.equal(await store.add(user, 'one'), true);
      assert.equal(await store.add(user, 'two'), false);
      assert.deepEqual(await store.onlineAmong([user, randomUUID()]), new Set([user]));
    });

    it('a user whose last connection dropped stays shown online until settled, and a return within that time is not news', async () => {
      const store = makeStore();
      const user = randomUUID();
      await store.add(user, 'one');
      assert.equal(await store.remove(user, 'one'), true);
      assert.deepEqual(await store.onlineAmong([user]), new Set([user]), 'shown during the grace');
      assert.equal(await store.add(user, 'two'), false, 'back within the grace: not announced');
      assert.equal(await store.settleOffline(user), false, 'connected: not offline');
      assert.deepEqual(await store.onlineAmong([user]), new Set([user]));
    });

    it('settling a user without connections shows them offline once, and their next connection is news again', async () => {
      const store = makeStore();
      const user = randomUUID();
      await store.add(user, 'one');
      await store.add(user, 'two');
      assert.equal(await store.remove(user, 'one'), false, 'one connection left');
      assert.equal(await store.remove(user, 'two'), true);
      assert.equal(await store.settleOffline(user), true);
      assert.equal(await store.settleOffline(user), false, 'told once');
      assert.deepEqual(await store.onlineAmong([user]), new Set());
      assert.equal(await store.add(user, 'three'), true);
    });
  });
}

presenceContract('presence in memory (one instance)', createMemoryPresence);

describe('presence in Redis (shared by instances)', () => {
  let client: RedisClientType;
  const keyPrefix = `anochat-test-${randomBytes(6).toString('hex')}`;
  before(async () => {
    client = createClient({ url: REDIS_URL });
    await client.connect();
  });
  after(async () => {
    const keys = await client.keys(`${keyPrefix}*`);
    if (keys.length > 0) await client.del(keys);
    await client.close();
  });
  presenceContract('the same rules', () => createRedisPresence(client, keyPrefix));

  it('a user whose instance died without cleaning up stops being shown online after the TTL', async () => {
    const store = createRedisPresence(client, keyPrefix, 300);
    const user = randomUUID();
    await store.add(user, 'on-a-dead-instance');
    await new Promise((resolve) => setTimeout(resolve, 450));
    assert.deepEqual(await store.onlineAmong([user]), new Set());
    assert.equal(await store.add(user, 'elsewhere'), true);
  });
});

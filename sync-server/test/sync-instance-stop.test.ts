import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type ChildSyncServer, spawnSyncServer } from '@anochat/test-support/child-sync-server';
import { startTestCryptoServer } from '@anochat/test-support/crypto-server';
import { createTestDatabase, type TestDatabase } from '@anochat/test-support/database';
import { StreamConsumer } from '@anochat/test-support/stream-consumer';
import {
  createGroup,
  emit,
  eventually,
  messageDoc,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import pg from 'pg';
import { createClient } from 'redis';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Two sync-server processes (src/main.ts) sharing PostgreSQL and Redis, like two containers behind
 * a balancer. A device live on one of them must hear of every change committed through the other,
 * even when that other one goes away right after it: its notice goes out before its commit.
 */
describe('a device live on one instance when the other stops', () => {
  const keyPrefix = `anochat-test-${randomBytes(6).toString('hex')}`;
  const redisEnv = { REDIS_URL, REDIS_KEY_PREFIX: keyPrefix };
  let database: TestDatabase;
  let crypto: Awaited<ReturnType<typeof startTestCryptoServer>>;
  let pool: pg.Pool;
  let survivor: ChildSyncServer;
  const sockets: SyncClient[] = [];

  before(async () => {
    database = await createTestDatabase();
    crypto = await startTestCryptoServer();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    survivor = await spawnSyncServer(database.url, crypto.address, redisEnv);
  });
  after(async () => {
    for (const client of sockets) client.socket.close();
    await survivor?.stop();
    await pool?.end();
    await crypto?.cleanup();
    await database?.drop();
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.close();
  });

  /** A push of the other instance is inside its transaction (the test delay's pg_sleep). */
  async function aPushIsInItsTransaction(): Promise<boolean> {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND query LIKE 'SELECT pg_sleep%'`,
    );
    return (rows[0]?.n ?? 0) > 0;
  }

  it('receives, by its live stream, a message whose push was still running when the other instance was stopped (SIGTERM)', async () => {
    // Every push transaction of the stopping instance sleeps up to 3 s before it commits, so the
    // stop can be made to come while one is open.
    const stopping = await spawnSyncServer(database.url, crypto.address, {
      ...redisEnv,
      SYNC_TEST_PUSH_DELAY_MAX_MS: '3000',
    });
    const reader = await syncUser(survivor.baseUrl);
    const writer = await syncUser(stopping.baseUrl);
    sockets.push(reader, writer);
    const group = await createGroup(writer, [reader]);
    const replica = new StreamConsumer(reader, 'messages', 50);
    await replica.start();
    await replica.idle();

    // Writes until one push is caught inside its transaction (a short random delay may let one
    // commit before it is seen), then stops that instance.
    let inFlight: string | null = null;
    while (inFlight === null) {
      const message = messageDoc(writer, group);
      let answered = false;
      void emit(writer.socket, 'push', {
        collection: 'messages',
        rows: [{ assumedMasterState: null, newDocumentState: message }],
      })
        .catch(() => undefined)
        .finally(() => {
          answered = true;
        });
      while (!answered && inFlight === null) {
        if (await aPushIsInItsTransaction()) inFlight = message.id;
      }
    }
    stopping.process.kill('SIGTERM');

    // The stopping instance finishes the push; the survivor streams it to the reader, which never
    // pulls again by itself (its collection is live: no RESYNC comes).
    const resyncsBefore = replica.resyncs;
    await eventually(() => replica.documents.has(inFlight as string), 15_000);
    await stopping.stop();
    await replica.idle();
    assert.equal(replica.resyncs, resyncsBefore, 'it arrived without a pull');
    assert.ok(
      replica.arrivals.some((arrival) => arrival.id === inFlight && arrival.via === 'stream'),
      'streamed',
    );
    const { rows } = await pool.query<{ id: string }>(
      'SELECT id FROM messages WHERE conversation_id = $1',
      [group],
    );
    assert.deepEqual(
      [...replica.documents.keys()].sort(),
      rows.map((row) => row.id).sort(),
      'and everything else the server has',
    );
  });

  it('closes the connections of a stopping instance without ending their sessions: its devices reconnect by themselves', async () => {
    const stopping = await spawnSyncServer(database.url, crypto.address, redisEnv);
    const device = await syncUser(stopping.baseUrl);
    sockets.push(device);
    const reason = new Promise<string>((resolve) => device.socket.once('disconnect', resolve));
    await stopping.stop();
    // 'io server disconnect' would tell the device that the server ended its session (revoked, or
    // its token expired): it would refresh its token first and socket.io would not reconnect.
    assert.equal(await reason, 'transport close');
  });
});

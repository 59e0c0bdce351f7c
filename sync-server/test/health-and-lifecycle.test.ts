import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertError,
  loginBody,
  registrationBody,
  request,
  uniqueUsername,
} from './support/api.ts';
import { startTestCryptoServer } from './support/crypto-server.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { startTestSyncServer } from './support/sync-server.ts';

describe('health, readiness and graceful shutdown', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(() => database.drop());

  it('is healthy and ready with PostgreSQL and crypto-native up; not ready once crypto-native stops', async () => {
    const crypto = await startTestCryptoServer();
    const server = await startTestSyncServer(database.url, crypto.address);
    try {
      const health = await request(server.baseUrl, 'GET', '/api/health');
      assert.deepEqual([health.status, health.body], [200, { status: 'ok' }]);
      const ready = await request(server.baseUrl, 'GET', '/api/ready');
      assert.deepEqual(
        [ready.status, ready.body],
        [200, { status: 'ready', checks: { database: 'ok', crypto: 'ok' } }],
      );

      await crypto.cleanup();
      const notReady = await request(server.baseUrl, 'GET', '/api/ready');
      assertError(notReady, 503, 'NOT_READY');
      assert.match(JSON.stringify(notReady.body), /crypto-native: unavailable/);
      // Health is the process only: still fine.
      assert.equal((await request(server.baseUrl, 'GET', '/api/health')).status, 200);
      // A login that needs Argon2id answers 503, not a crash.
      const login = await request(server.baseUrl, 'POST', '/api/auth/login', {
        body: loginBody(),
      });
      assertError(login, 503, 'NOT_READY');
    } finally {
      await server.stop();
      await crypto.cleanup().catch(() => undefined);
    }
  });

  it('on stop finishes the request in flight, refuses new connections and closes the pool', async () => {
    const crypto = await startTestCryptoServer();
    // Costly Argon2id, so the registration is still running when stop() begins.
    const server = await startTestSyncServer(database.url, crypto.address, {
      ARGON2_OPS_LIMIT: '4',
      ARGON2_MEM_LIMIT: String(64 * 1024 * 1024),
    });
    try {
      const started = Date.now();
      const inFlight = request(server.baseUrl, 'POST', '/api/auth/register', {
        body: registrationBody(uniqueUsername('inflight')),
      });
      await new Promise((resolve) => setTimeout(resolve, 40));
      const stopping = Date.now();
      const stopped = server.stop();
      const response = await inFlight;
      assert.equal(response.status, 201, `in flight for ${Date.now() - started} ms`);
      await stopped;
      // Well before SHUTDOWN_TIMEOUT_MS (5 s): the keep-alive connection was closed, not cut.
      assert.ok(Date.now() - stopping < 2_500, `stop took ${Date.now() - stopping} ms`);
      await assert.rejects(fetch(`${server.baseUrl}/api/health`));
      assert.equal(server.pool.totalCount, 0);
      await assert.rejects(server.pool.query('SELECT 1'));
    } finally {
      await crypto.cleanup();
    }
  });

  it('refuses to start against an unreachable database', async () => {
    const crypto = await startTestCryptoServer();
    try {
      await assert.rejects(
        startTestSyncServer('postgres://postgres@127.0.0.1:1/nothing', crypto.address),
        /ECONNREFUSED|connect/,
      );
    } finally {
      await crypto.cleanup();
    }
  });
});

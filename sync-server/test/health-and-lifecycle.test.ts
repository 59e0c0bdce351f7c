import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningCryptoServer, startCryptoServer } from '@anochat/crypto-native/node';
import {
  assertError,
  loginBody,
  registrationBody,
  request,
  uniqueUsername,
} from '@anochat/test-support/api';
import { startTestCryptoServer } from '@anochat/test-support/crypto-server';
import { createTestDatabase, type TestDatabase } from '@anochat/test-support/database';
import { startTestSyncServer, testEnvironment } from '@anochat/test-support/sync-server';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logging/logger.ts';
import { startSyncServer } from '../src/sync-server.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

  it('waits for an unreachable database at startup, up to STARTUP_TIMEOUT_MS, then gives up', async () => {
    const crypto = await startTestCryptoServer();
    try {
      const started = Date.now();
      await assert.rejects(
        startTestSyncServer('postgres://postgres@127.0.0.1:1/nothing', crypto.address, {
          STARTUP_TIMEOUT_MS: '1500',
        }),
        (error: Error) =>
          /the database still unavailable after/.test(error.message) &&
          /ECONNREFUSED|connect/.test(String((error.cause as Error)?.cause ?? error.cause)),
      );
      assert.ok(Date.now() - started >= 1_500, 'it waited');
    } finally {
      await crypto.cleanup();
    }
  });

  it('a stop during the wait for the database ends the start at once', async () => {
    const crypto = await startTestCryptoServer();
    try {
      const aborted = new AbortController();
      const config = loadConfig(
        testEnvironment('postgres://postgres@127.0.0.1:1/nothing', crypto.address),
      );
      const starting = startSyncServer(config, createLogger('silent'), aborted.signal);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const stopped = Date.now();
      aborted.abort();
      await assert.rejects(starting, { name: 'AbortError' });
      assert.ok(Date.now() - stopped < 1_000, `took ${Date.now() - stopped} ms`);
    } finally {
      await crypto.cleanup();
    }
  });

  it('waits at startup for a crypto-native that is not listening yet, and serves once it is', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'anochat-late-crypto-'));
    const address = `unix:${join(folder, 'crypto.sock')}`;
    let crypto: RunningCryptoServer | undefined;
    try {
      const starting = startTestSyncServer(database.url, address);
      const early = await Promise.race([starting.then(() => 'started'), sleep(1_500)]);
      assert.notEqual(early, 'started');
      crypto = await startCryptoServer(address);
      const server = await starting;
      try {
        const ready = await request(server.baseUrl, 'GET', '/api/ready');
        assert.equal(ready.status, 200, JSON.stringify(ready.body));
        assert.match(server.logs(), /waiting for crypto-native \(unavailable at startup\)/);
      } finally {
        await server.stop();
      }
    } finally {
      await crypto?.stop();
      await rm(folder, { recursive: true, force: true });
    }
  });
});

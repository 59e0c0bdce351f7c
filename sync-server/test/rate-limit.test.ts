import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRateLimiter } from '../src/rate-limit/rate-limiter.ts';
import {
  assertError,
  loginBody,
  register,
  registrationBody,
  request,
  uniqueUsername,
} from './support/api.ts';
import { useSyncServer } from './support/suite.ts';
import { startTestSyncServer, type TestSyncServer } from './support/sync-server.ts';

const LIMITS = {
  RATE_LIMIT_PER_USERNAME: '3',
  RATE_LIMIT_PER_IP: '8',
  RATE_LIMIT_WINDOW_SECONDS: '600',
};
const suite = useSyncServer(LIMITS);

describe('login and register rate limits', () => {
  // A second instance on the same database: the counters must be shared, not per process.
  let second: TestSyncServer;
  before(async () => {
    second = await startTestSyncServer(suite.database.url, suite.crypto.address, LIMITS);
  });
  after(() => second.stop());

  const attempt = (baseUrl: string, username: string) =>
    request(baseUrl, 'POST', '/api/auth/login', { body: loginBody(username) });

  it('answers 429 with Retry-After once a username is over its budget, across instances', async () => {
    const username = uniqueUsername('target');
    assertError(await attempt(suite.server.baseUrl, username), 401, 'INVALID_CREDENTIALS');
    assertError(await attempt(second.baseUrl, username), 401, 'INVALID_CREDENTIALS');
    assertError(
      await attempt(suite.server.baseUrl, username.toUpperCase()),
      401,
      'INVALID_CREDENTIALS',
    );
    const limited = await attempt(second.baseUrl, username);
    assertError(limited, 429, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 600,
      String(retryAfter),
    );
  });

  it('limits one address across usernames, register included, and writes nothing when limited', async () => {
    await suite.server.pool.query('DELETE FROM rate_limits');
    for (let i = 0; i < 8; i += 1) {
      assertError(
        await attempt(suite.server.baseUrl, uniqueUsername('spray')),
        401,
        'INVALID_CREDENTIALS',
      );
    }
    const users = await suite.server.pool.query('SELECT count(*)::int AS n FROM users');
    const username = uniqueUsername('late');
    const limited = await request(second.baseUrl, 'POST', '/api/auth/register', {
      body: registrationBody(username),
    });
    assertError(limited, 429, 'RATE_LIMITED');
    assert.ok(limited.headers.get('retry-after'));
    assert.deepEqual(
      (await suite.server.pool.query('SELECT count(*)::int AS n FROM users')).rows,
      users.rows,
    );
  });

  it('does not count requests refused as malformed, and leaves refresh unlimited', async () => {
    await suite.server.pool.query('DELETE FROM rate_limits');
    for (let i = 0; i < 20; i += 1) {
      assertError(
        await request(suite.server.baseUrl, 'POST', '/api/auth/login', { body: { username: 'x' } }),
        400,
        'VALIDATION_FAILED',
      );
    }
    const { rows } = await suite.server.pool.query('SELECT count(*)::int AS n FROM rate_limits');
    assert.equal(rows[0]?.n, 0);
    const account = await register(suite.server.baseUrl);
    let refreshToken = account.session.refreshToken;
    for (let i = 0; i < 10; i += 1) {
      const response = await request(suite.server.baseUrl, 'POST', '/api/auth/refresh', {
        body: { refreshToken },
      });
      assert.equal(response.status, 200);
      refreshToken = (response.body as { refreshToken: string }).refreshToken;
    }
  });

  it('prunes counters of ended windows', async () => {
    await suite.server.pool.query(
      `INSERT INTO rate_limits (key, window_start, hits) VALUES ('old', now() - interval '1 day', 5)`,
    );
    assert.ok((await createRateLimiter(suite.server.pool, 600).prune()) >= 1);
    const { rowCount } = await suite.server.pool.query(
      "SELECT 1 FROM rate_limits WHERE key = 'old'",
    );
    assert.equal(rowCount, 0);
  });
});

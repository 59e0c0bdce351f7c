import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  type Account,
  assertError,
  loginBody,
  newDevice,
  randomSecret,
  register,
  registrationBody,
  request,
  uniqueUsername,
} from '@anochat/test-support/api';
import { useSyncServer } from '@anochat/test-support/suite';
import { startTestSyncServer, type TestSyncServer } from '@anochat/test-support/sync-server';
import { createLogger } from '../src/logging/logger.ts';
import { createRateLimiter } from '../src/rate-limit/rate-limiter.ts';
import { createSignInThrottle } from '../src/rate-limit/sign-in-throttle.ts';

const LIMITS = {
  // One proxy in front: X-Forwarded-For names the client, so a test can speak from many addresses.
  TRUST_PROXY_HOPS: '1',
  LOGIN_FREE_FAILURES: '3',
  LOGIN_FAILURES_PER_ACCOUNT_HOUR: '8',
  LOGIN_FAILURES_PER_ADDRESS_HOUR: '12',
  LOGIN_BACKOFF_MAX_SECONDS: '900',
  RATE_LIMIT_PER_IP: '4',
  RATE_LIMIT_PER_USERNAME: '4',
  RATE_LIMIT_WINDOW_SECONDS: '600',
};
const suite = useSyncServer(LIMITS);
const url = () => suite.server.baseUrl;

let nextAddress = 0;
/** A client address nobody has used yet in this run. */
const freshAddress = () => {
  nextAddress += 1;
  return `198.51.${Math.floor(nextAddress / 250)}.${(nextAddress % 250) + 1}`;
};

const from = (address: string) => ({ 'x-forwarded-for': address });

function login(
  account: Pick<Account, 'username' | 'identity'>,
  authSecret: string,
  address: string,
  baseUrl = url(),
) {
  return request(baseUrl, 'POST', '/api/auth/login', {
    body: { username: account.username, authSecret, device: newDevice(account.identity) },
    headers: from(address),
  });
}

function keyBackup(account: Pick<Account, 'username'>, authSecret: string, address: string) {
  return request(url(), 'POST', '/api/auth/key-backup', {
    body: { username: account.username, authSecret },
    headers: from(address),
  });
}

async function failuresTable(): Promise<{ key: string; failures: string }[]> {
  const { rows } = await suite.server.pool.query<{ key: string; failures: string }>(
    'SELECT key, failures::text FROM sign_in_failures ORDER BY key',
  );
  return rows;
}

/** Moves every recorded failure `seconds` into the past, as if that much time went by. */
async function timePasses(seconds: number): Promise<void> {
  await suite.server.pool.query(
    `UPDATE sign_in_failures
        SET failures = array(SELECT t - make_interval(secs => $1) FROM unnest(failures) t ORDER BY t),
            last_failure_at = last_failure_at - make_interval(secs => $1)`,
    [seconds],
  );
}

function retryAfter(response: { headers: Headers }): number {
  const value = Number(response.headers.get('retry-after'));
  assert.ok(Number.isInteger(value) && value >= 1, `Retry-After ${value}`);
  return value;
}

describe('sign-in throttle: failures only, per address and per account, with backoff', () => {
  let alice: Account;
  beforeEach(async () => {
    await suite.server.pool.query('DELETE FROM sign_in_failures');
    await suite.server.pool.query('DELETE FROM rate_limits');
    alice = await register(url(), uniqueUsername('alice'));
  });

  it("a stranger's wrong logins do not lock the owner out: a right secret from a fresh address gets through", async () => {
    const stranger = freshAddress();
    // Ten well-formed wrong logins, as in the review: after the free failures they back off.
    const answers = [];
    for (let i = 0; i < 10; i += 1)
      answers.push((await login(alice, randomSecret(), stranger)).status);
    // Three free failures, then each attempt waits 1 s, 2 s ... after the last one: back to back,
    // they are refused (one more may slip in if the machine is slower than the 1 s step).
    assert.deepEqual(answers.slice(0, 3), [401, 401, 401]);
    assert.ok(answers.filter((status) => status === 401).length <= 4, String(answers));
    assert.equal(answers.at(-1), 429);
    const owner = freshAddress();
    assert.equal((await keyBackup(alice, alice.authSecret, owner)).status, 200);
    assert.equal((await login(alice, alice.authSecret, owner)).status, 200);
    // Registration is never counted by name: failures against a free name keep nobody from it.
    const wanted = uniqueUsername('wanted');
    for (let i = 0; i < 5; i += 1) {
      await request(url(), 'POST', '/api/auth/login', {
        body: loginBody(wanted),
        headers: from(stranger),
      });
    }
    const created = await request(url(), 'POST', '/api/auth/register', {
      body: registrationBody(wanted),
      headers: from(owner),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });

  it('backs off per address and account: 1 s, then 2 s, then 4 s after the free failures; a refused attempt writes nothing', async () => {
    const address = freshAddress();
    for (let i = 0; i < 3; i += 1) {
      assertError(await login(alice, randomSecret(), address), 401, 'INVALID_CREDENTIALS');
    }
    for (const backoff of [1, 2, 4]) {
      const table = await failuresTable();
      const refused = await login(alice, randomSecret(), address);
      assertError(refused, 429, 'RATE_LIMITED');
      assert.ok(retryAfter(refused) <= backoff);
      // Even the right secret waits: the address is backing off on this account.
      assertError(await keyBackup(alice, alice.authSecret, address), 429, 'RATE_LIMITED');
      assert.deepEqual(await failuresTable(), table, 'nothing recorded for refused attempts');
      await timePasses(backoff);
      assertError(await login(alice, randomSecret(), address), 401, 'INVALID_CREDENTIALS');
    }
    // The right secret, once the wait is over, ends this address's backoff on the account.
    await timePasses(8);
    assert.equal((await login(alice, alice.authSecret, address)).status, 200);
    assertError(await login(alice, randomSecret(), address), 401, 'INVALID_CREDENTIALS');
  });

  it('no more than the account budget of failures in any hour, from however many addresses', async () => {
    const statuses: number[] = [];
    // Concurrent, from 20 addresses: the budget (8) holds even when the attempts race.
    const attempts = await Promise.all(
      Array.from({ length: 20 }, () => login(alice, randomSecret(), freshAddress())),
    );
    for (const answer of attempts) statuses.push(answer.status);
    assert.equal(statuses.filter((status) => status === 401).length, 8);
    assert.equal(statuses.filter((status) => status === 429).length, 12);
    // With the budget spent, nobody is let guess, not even a fresh address with the right secret
    // (that would be a 9th guess answered within the hour): the price of the ASVS 2.2.1 bound.
    const refused = await login(alice, alice.authSecret, freshAddress());
    assertError(refused, 429, 'RATE_LIMITED');
    assert.ok(retryAfter(refused) <= 3600);
    const [account] = (await failuresTable()).filter((row) => row.key.startsWith('account:'));
    assert.equal(account?.failures.split(',').length, 8);
    await timePasses(3601);
    assert.equal((await login(alice, alice.authSecret, freshAddress())).status, 200);
  });

  it('a right secret never counts: more sign-ins than any budget, from one address, all succeed', async () => {
    const address = freshAddress();
    for (let i = 0; i < 15; i += 1) {
      const answer =
        i % 2 === 0
          ? await login(alice, alice.authSecret, address)
          : await keyBackup(alice, alice.authSecret, address);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    }
    assert.ok((await failuresTable()).every((row) => row.failures === '{}'));
  });

  it('limits one address over every account (spraying), and a sprayed name leaves no row once refused', async () => {
    const address = freshAddress();
    for (let i = 0; i < 12; i += 1) {
      assertError(
        await request(url(), 'POST', '/api/auth/login', {
          body: loginBody(uniqueUsername('spray')),
          headers: from(address),
        }),
        401,
        'INVALID_CREDENTIALS',
      );
    }
    const rows = (await failuresTable()).length;
    for (let i = 0; i < 20; i += 1) {
      assertError(
        await request(url(), 'POST', '/api/auth/login', {
          body: loginBody(uniqueUsername('spray')),
          headers: from(address),
        }),
        429,
        'RATE_LIMITED',
      );
    }
    assertError(await login(alice, alice.authSecret, address), 429, 'RATE_LIMITED');
    assert.equal((await failuresTable()).length, rows, 'the table did not grow');
    // Another address is not concerned.
    assert.equal((await login(alice, alice.authSecret, freshAddress())).status, 200);
  });

  it('counts a wrong current secret at password change per user, not per name', async () => {
    const address = freshAddress();
    const change = (authSecret: string) =>
      request(url(), 'POST', '/api/auth/password', {
        token: alice.session.accessToken,
        body: { authSecret, newAuthSecret: randomSecret(), keyBackup: alice.identity.keyBackup },
        headers: from(address),
      });
    for (let i = 0; i < 3; i += 1)
      assertError(await change(randomSecret()), 401, 'INVALID_CREDENTIALS');
    assertError(await change(randomSecret()), 429, 'RATE_LIMITED');
    // Logins of the account are a different budget.
    assert.equal((await login(alice, alice.authSecret, address)).status, 200);
  });
});

describe('sign-in throttle across instances', () => {
  let second: TestSyncServer;
  before(async () => {
    second = await startTestSyncServer(suite.database.url, suite.crypto.address, LIMITS);
  });
  after(() => second.stop());

  it('two instances on one database count the same failures', async () => {
    const alice = await register(url(), uniqueUsername('shared'));
    const address = freshAddress();
    assertError(await login(alice, randomSecret(), address), 401, 'INVALID_CREDENTIALS');
    assertError(
      await login(alice, randomSecret(), address, second.baseUrl),
      401,
      'INVALID_CREDENTIALS',
    );
    assertError(await login(alice, randomSecret(), address), 401, 'INVALID_CREDENTIALS');
    assertError(await login(alice, randomSecret(), address, second.baseUrl), 429, 'RATE_LIMITED');
  });
});

describe('fixed-window limits (registration per address, user lookups)', () => {
  it('limits registrations per address and writes no row for a refused one', async () => {
    await suite.server.pool.query('DELETE FROM rate_limits');
    const address = freshAddress();
    for (let i = 0; i < 4; i += 1) {
      const created = await request(url(), 'POST', '/api/auth/register', {
        body: registrationBody(),
        headers: from(address),
      });
      assert.equal(created.status, 201);
    }
    const users = await suite.server.pool.query('SELECT count(*)::int AS n FROM users');
    const counters = await suite.server.pool.query('SELECT * FROM rate_limits ORDER BY key');
    const limited = await request(url(), 'POST', '/api/auth/register', {
      body: registrationBody(),
      headers: from(address),
    });
    assertError(limited, 429, 'RATE_LIMITED');
    assert.ok(retryAfter(limited) <= 600);
    assert.deepEqual(
      (await suite.server.pool.query('SELECT count(*)::int AS n FROM users')).rows,
      users.rows,
    );
    assert.deepEqual(
      (await suite.server.pool.query('SELECT * FROM rate_limits ORDER BY key')).rows,
      counters.rows,
    );
  });

  it('user lookups sprayed over many addresses and names leave no row once the user is over budget', async () => {
    await suite.server.pool.query('DELETE FROM rate_limits');
    const account = await register(url(), uniqueUsername('looker'));
    const lookup = (address: string) =>
      request(url(), 'POST', '/api/users/lookup', {
        token: account.session.accessToken,
        body: { username: uniqueUsername('someone') },
        headers: from(address),
      });
    for (let i = 0; i < 4; i += 1) assertError(await lookup(freshAddress()), 404, 'NOT_FOUND');
    const rows = await suite.server.pool.query('SELECT count(*)::int AS n FROM rate_limits');
    for (let i = 0; i < 10; i += 1) assertError(await lookup(freshAddress()), 429, 'RATE_LIMITED');
    assert.deepEqual(
      (await suite.server.pool.query('SELECT count(*)::int AS n FROM rate_limits')).rows,
      rows.rows,
    );
  });

  it('does not count requests refused as malformed, and leaves refresh unlimited', async () => {
    await suite.server.pool.query('DELETE FROM rate_limits');
    await suite.server.pool.query('DELETE FROM sign_in_failures');
    for (let i = 0; i < 20; i += 1) {
      assertError(
        await request(url(), 'POST', '/api/auth/login', { body: { username: 'x' } }),
        400,
        'VALIDATION_FAILED',
      );
    }
    assert.equal((await failuresTable()).length, 0);
    const { rows } = await suite.server.pool.query('SELECT count(*)::int AS n FROM rate_limits');
    assert.equal(rows[0]?.n, 0);
    const account = await register(url());
    let refreshToken = account.session.refreshToken;
    for (let i = 0; i < 10; i += 1) {
      const response = await request(url(), 'POST', '/api/auth/refresh', {
        body: { refreshToken },
      });
      assert.equal(response.status, 200);
      refreshToken = (response.body as { refreshToken: string }).refreshToken;
    }
  });

  it('prunes counters of ended windows and failures older than an hour', async () => {
    await suite.server.pool.query(
      `INSERT INTO rate_limits (key, window_start, hits) VALUES ('old', now() - interval '1 day', 5)`,
    );
    assert.ok((await createRateLimiter(suite.server.pool, 600).prune()) >= 1);
    const { rowCount } = await suite.server.pool.query(
      "SELECT 1 FROM rate_limits WHERE key = 'old'",
    );
    assert.equal(rowCount, 0);
    await suite.server.pool.query(
      `INSERT INTO sign_in_failures (key, failures, last_failure_at)
       VALUES ('account:old', ARRAY[now() - interval '2 hours'], now() - interval '2 hours'),
              ('account:recent', ARRAY[now()], now())`,
    );
    const throttle = createSignInThrottle(
      suite.server.pool,
      {
        failuresPerAccountHour: 1,
        failuresPerAddressHour: 1,
        freeFailures: 1,
        maxBackoffSeconds: 1,
      },
      createLogger('silent'),
    );
    assert.ok((await throttle.prune()) >= 1);
    const keys = (await failuresTable()).map((row) => row.key);
    assert.ok(keys.includes('account:recent') && !keys.includes('account:old'));
  });
});

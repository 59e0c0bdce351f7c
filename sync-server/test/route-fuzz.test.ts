import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  type Account,
  assertError,
  newDevice,
  randomSecret,
  register,
  registrationBody,
  request,
  revocationOf,
  uniqueUsername,
} from '@anochat/test-support/api';
import { countRows, useSyncServer } from '@anochat/test-support/suite';
import fc from 'fast-check';

/** How long the fuzz runs (ms): bounded so the test command stays quick; raise it to dig deeper. */
const FUZZ_MS = Number(process.env.ROUTE_FUZZ_MS ?? 15_000);

const suite = useSyncServer({
  RATE_LIMIT_PER_IP: '1000000',
  RATE_LIMIT_PER_USERNAME: '1000000',
  LOGIN_FAILURES_PER_ADDRESS_HOUR: '1000000',
  LOGIN_FREE_FAILURES: '1000000',
});
const url = () => suite.server.baseUrl;

const bytes = (length: number) => randomBytes(length).toString('base64');

describe('inputs that reached the database and answered 500 now answer 400, writing nothing', () => {
  const cases: [string, () => Promise<Record<string, unknown>>, string, string][] = [
    [
      'a NUL byte in the display name',
      async () => ({ ...registrationBody(), displayName: 'Al\u0000ice' }),
      'POST',
      '/api/auth/register',
    ],
    [
      'a NUL byte in the device name at registration',
      async () => {
        const body = registrationBody();
        return { ...body, device: { ...body.device, name: 'lap\u0000top' } };
      },
      'POST',
      '/api/auth/register',
    ],
    [
      'a NUL byte in the device name at login',
      async () => {
        const account = await register(url());
        return {
          username: account.username,
          authSecret: account.authSecret,
          device: { ...newDevice(account.identity), name: '\u0000' },
        };
      },
      'POST',
      '/api/auth/login',
    ],
    [
      'a key backup of 0 bytes at registration',
      async () => ({ ...registrationBody(), keyBackup: '' }),
      'POST',
      '/api/auth/register',
    ],
    [
      'a key backup of 257 bytes at registration',
      async () => ({ ...registrationBody(), keyBackup: bytes(257) }),
      'POST',
      '/api/auth/register',
    ],
    [
      'a key backup of 258 bytes at registration',
      async () => ({ ...registrationBody(), keyBackup: bytes(258) }),
      'POST',
      '/api/auth/register',
    ],
  ];
  for (const [name, makeBody, method, path] of cases) {
    it(`${name}: 400 VALIDATION_FAILED`, async () => {
      const body = await makeBody();
      const before = await countRows(suite.server, ['users', 'devices', 'refresh_tokens']);
      assertError(await request(url(), method, path, { body }), 400, 'VALIDATION_FAILED');
      assert.deepEqual(
        await countRows(suite.server, ['users', 'devices', 'refresh_tokens']),
        before,
      );
    });
  }

  it('an empty key backup at password change: 400 VALIDATION_FAILED, the password unchanged', async () => {
    const account = await register(url());
    assertError(
      await request(url(), 'POST', '/api/auth/password', {
        token: account.session.accessToken,
        body: { authSecret: account.authSecret, newAuthSecret: randomSecret(), keyBackup: '' },
      }),
      400,
      'VALIDATION_FAILED',
    );
    const backup = await request(url(), 'POST', '/api/auth/key-backup', {
      body: { username: account.username, authSecret: account.authSecret },
    });
    assert.equal(backup.status, 200);
  });

  it('a path parameter that is not percent-encoded UTF-8: 400, not a router fault', async () => {
    const account = await register(url());
    for (const id of ['%zz', '%C3%28', '%FF']) {
      assertError(
        await request(url(), 'DELETE', `/api/devices/${id}`, {
          token: account.session.accessToken,
          body: { revocation: revocationOf(account.identity, account.session.device) },
        }),
        400,
        'VALIDATION_FAILED',
      );
    }
  });

  it('control characters in a name are refused; other scripts and emoji are kept', async () => {
    for (const name of ['tab\there', 'line\nbreak', 'esc\u001b', 'c1\u0085', 'lone\ud800']) {
      assertError(
        await request(url(), 'POST', '/api/auth/register', {
          body: { ...registrationBody(), displayName: name },
        }),
        400,
        'VALIDATION_FAILED',
      );
    }
    const body = { ...registrationBody(), displayName: `Zoë 李 ${'😀'.repeat(50)}` };
    const created = await request(url(), 'POST', '/api/auth/register', { body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
});

/** Text that has broken servers before: NUL and control characters, lone surrogates, escapes. */
const junkText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({
    unit: fc.constantFrom('\u0000', '\u0001', '\n', 'a', 'é', '\ud800', '😀', '%', '"'),
  }),
);

/** Values that have broken servers before: odd text, huge and odd numbers, deep objects. */
const junk = fc.oneof(
  junkText,
  fc.integer({ min: 0, max: 400 }).map((length) => bytes(length)),
  fc.integer({ min: 0, max: 400 }).map((length) => randomBytes(length).toString('base64url')),
  fc.constantFrom('', ' ', '\u0000', 'null', '0', '-1', '1e400', 'A'.repeat(5000), '__proto__'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);

interface Route {
  method: string;
  path: (account: Account) => string;
  body: (account: Account) => Record<string, unknown> | undefined;
  authenticated: boolean;
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    path: () => '/api/auth/register',
    body: () => registrationBody(),
    authenticated: false,
  },
  {
    method: 'POST',
    path: () => '/api/auth/login',
    body: (account) => ({
      username: account.username,
      authSecret: account.authSecret,
      device: newDevice(account.identity),
    }),
    authenticated: false,
  },
  {
    method: 'POST',
    path: () => '/api/auth/key-backup',
    body: (account) => ({ username: account.username, authSecret: account.authSecret }),
    authenticated: false,
  },
  {
    method: 'POST',
    path: () => '/api/auth/password',
    body: (account) => ({
      authSecret: account.authSecret,
      newAuthSecret: randomSecret(),
      keyBackup: account.identity.keyBackup,
    }),
    authenticated: true,
  },
  {
    method: 'POST',
    path: () => '/api/auth/refresh',
    body: (account) => ({ refreshToken: account.session.refreshToken }),
    authenticated: false,
  },
  {
    method: 'POST',
    path: () => '/api/auth/logout',
    body: (account) => ({ revocation: revocationOf(account.identity, account.session.device) }),
    authenticated: true,
  },
  { method: 'GET', path: () => '/api/devices', body: () => undefined, authenticated: true },
  {
    method: 'DELETE',
    path: (account) => `/api/devices/${account.session.device.id}`,
    body: (account) => ({ revocation: revocationOf(account.identity, account.session.device) }),
    authenticated: true,
  },
  {
    method: 'PATCH',
    path: (account) => `/api/devices/${account.session.device.id}`,
    body: () => ({ name: 'renamed' }),
    authenticated: true,
  },
  {
    method: 'POST',
    path: () => '/api/users/lookup',
    body: (account) => ({ username: account.username }),
    authenticated: true,
  },
  {
    method: 'POST',
    path: () => '/api/users/search',
    body: (account) => ({ query: account.username.slice(0, 4) }),
    authenticated: true,
  },
  {
    method: 'POST',
    path: () => '/api/invites',
    body: () => ({ expiresInHours: 24 }),
    authenticated: true,
  },
  { method: 'GET', path: () => '/api/invites', body: () => undefined, authenticated: true },
  {
    method: 'DELETE',
    path: () => `/api/invites/${randomUUID()}`,
    body: () => undefined,
    authenticated: true,
  },
  {
    method: 'POST',
    path: () => '/api/invites/open',
    body: () => ({ token: randomBytes(32).toString('base64url') }),
    authenticated: true,
  },
  {
    method: 'POST',
    path: () => '/api/invites/redeem',
    body: () => ({ token: randomBytes(32).toString('base64url') }),
    authenticated: true,
  },
  { method: 'GET', path: () => '/api/health', body: () => undefined, authenticated: false },
  { method: 'GET', path: () => '/api/ready', body: () => undefined, authenticated: false },
];

/** A path into a JSON value and a replacement there (or a deletion, or an added field). */
const mutation = fc.record({
  depth: fc.nat({ max: 2 }),
  pick: fc.nat(),
  kind: fc.constantFrom('replace', 'delete', 'add'),
  value: junk,
});

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(body: unknown, change: Mutation | null): unknown {
  if (change === null || typeof body !== 'object' || body === null) return body;
  const copy = structuredClone(body) as Record<string, unknown>;
  let target = copy;
  for (let level = 0; level < change.depth; level += 1) {
    const nested = Object.values(target).filter(
      (value): value is Record<string, unknown> => typeof value === 'object' && value !== null,
    );
    if (nested.length === 0) break;
    target = nested[change.pick % nested.length] as Record<string, unknown>;
  }
  const keys = Object.keys(target);
  const key = keys[change.pick % Math.max(1, keys.length)] ?? 'extra';
  if (change.kind === 'delete') delete target[key];
  else if (change.kind === 'add') target[`x${change.pick % 7}`] = change.value;
  else target[key] = change.value;
  return copy;
}

describe('fuzz: every route, bounded in time, never a 5xx', () => {
  it(`well-formed, mutated and junk requests to every route for ${FUZZ_MS} ms get 2xx or 4xx`, async () => {
    let account = await register(url(), uniqueUsername('fuzz'));
    let runs = 0;
    const seen = new Set<string>();
    const request_ = fc.record({
      route: fc.constantFrom(...ROUTES),
      change: fc.option(mutation, { freq: 4 }),
      raw: fc.option(
        fc.oneof(fc.string({ maxLength: 200 }), fc.json(), fc.constantFrom('{', '[]', '""')),
        { freq: 6 },
      ),
      contentType: fc.constantFrom(
        'application/json',
        'application/json',
        'application/json',
        'application/json; charset=utf-16',
        'text/plain',
        'application/json; charset=latin1',
      ),
      withToken: fc.boolean(),
      wrongPath: fc.option(
        fc.oneof(
          junkText.map((value) => encodeURIComponent(value.toWellFormed())),
          fc.constantFrom('%00', '%C3%28', '..%2F..%2Fetc%2Fpasswd', '%', '%zz', '%FF'),
        ),
        { freq: 10 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(request_, async (input) => {
        runs += 1;
        const { route } = input;
        const path =
          input.wrongPath === null
            ? route.path(account)
            : `${route.path(account)}/${input.wrongPath}`;
        const body = input.raw ?? mutate(route.body(account), input.change);
        const useToken = route.authenticated ? true : input.withToken;
        const answer = await fetch(`${url()}${path}`, {
          method: route.method,
          headers: {
            ...(body === undefined ? {} : { 'content-type': input.contentType }),
            ...(useToken ? { authorization: `Bearer ${account.session.accessToken}` } : {}),
          },
          ...(body === undefined || route.method === 'GET'
            ? {}
            : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        });
        const text = await answer.text();
        seen.add(`${route.method} ${route.path(account)} ${answer.status}`);
        assert.ok(
          answer.status < 500,
          `${route.method} ${path} -> ${answer.status} ${text} for ${JSON.stringify(body)?.slice(0, 500)}`,
        );
        // A request that signed the fuzz account out (logout, revoking its own device, a spent
        // refresh token): carry on with a fresh account.
        if (answer.status === 401 || (answer.status === 204 && route.method !== 'GET')) {
          account = await register(url(), uniqueUsername('fuzz'));
        }
      }),
      { numRuns: 1_000_000, interruptAfterTimeLimit: FUZZ_MS },
    );
    assert.ok(runs >= 50, `only ${runs} requests in ${FUZZ_MS} ms`);
    // Well-formed requests got through too: the fuzz was not refused wholesale.
    assert.ok([...seen].some((entry) => entry.endsWith(' 200') || entry.endsWith(' 201')));
    assert.equal((await request(url(), 'GET', '/api/health')).status, 200);
  });
});

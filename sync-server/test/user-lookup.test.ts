import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { userLookupResponse } from '@anochat/schemas/api/users';
import { assertError, register, request, uniqueUsername } from '@anochat/test-support/api';
import { countRows, useSyncServer } from '@anochat/test-support/suite';

const PER_USER = 6;
const suite = useSyncServer({
  RATE_LIMIT_PER_USERNAME: String(PER_USER),
  RATE_LIMIT_PER_IP: '100',
  RATE_LIMIT_WINDOW_SECONDS: '600',
});
const url = () => suite.server.baseUrl;

const lookup = (token: string | undefined, body: unknown) =>
  request(url(), 'POST', '/api/users/lookup', { body, ...(token === undefined ? {} : { token }) });

describe('POST /api/users/lookup', () => {
  it('finds one user by the exact name in any case, with the public profile only', async () => {
    const alice = await register(url(), uniqueUsername('alice'));
    const bob = await register(url(), uniqueUsername('Bob'));
    const answer = await lookup(alice.session.accessToken, {
      username: bob.username.toUpperCase(),
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, {
      user: {
        id: bob.session.user.id,
        username: bob.username,
        displayName: bob.session.user.displayName,
        identityPublicKey: bob.session.user.identityPublicKey,
      },
    });
    assert.deepEqual(userLookupResponse.parse(answer.body), answer.body);
  });

  it('answers 404 NOT_FOUND for an unknown name, a prefix, a longer name and a deleted user', async () => {
    const alice = await register(url(), uniqueUsername('alice'));
    const carol = await register(url(), uniqueUsername('carol'));
    const token = alice.session.accessToken;
    assertError(await lookup(token, { username: uniqueUsername('nobody') }), 404, 'NOT_FOUND');
    assertError(await lookup(token, { username: carol.username.slice(0, -1) }), 404, 'NOT_FOUND');
    assertError(await lookup(token, { username: `${carol.username}x` }), 404, 'NOT_FOUND');
    await suite.server.pool.query('UPDATE users SET deleted = true WHERE id = $1', [
      carol.session.user.id,
    ]);
    assertError(await lookup(token, { username: carol.username }), 404, 'NOT_FOUND');
  });

  it('refuses bad input with 400 before counting or reading anything, and strangers with 401', async () => {
    const alice = await register(url(), uniqueUsername('alice'));
    const token = alice.session.accessToken;
    const before = await countRows(suite.server, ['rate_limits']);
    const { rows } = await suite.server.pool.query<{ hits: number }>(
      'SELECT coalesce(sum(hits), 0)::int AS hits FROM rate_limits',
    );
    const cases: [string, unknown][] = [
      ['no username', {}],
      ['a number', { username: 42 }],
      ['a pattern', { username: 'ali%' }],
      ['a wildcard', { username: 'a*' }],
      ['too short', { username: 'ab' }],
      ['too long', { username: 'a'.repeat(33) }],
      ['an unknown field', { username: alice.username, prefix: true }],
      ['an array', [alice.username]],
    ];
    for (const [name, body] of cases) {
      const answer = await lookup(token, body);
      assert.equal(answer.status, 400, name);
      assertError(answer, 400, 'VALIDATION_FAILED');
    }
    assertError(await lookup(token, 'not json'), 400, 'MALFORMED_JSON');
    assertError(await lookup(undefined, { username: alice.username }), 401, 'UNAUTHENTICATED');
    assertError(await lookup('not.a.token', { username: alice.username }), 401, 'UNAUTHENTICATED');
    assert.deepEqual(await countRows(suite.server, ['rate_limits']), before);
    const after = await suite.server.pool.query<{ hits: number }>(
      'SELECT coalesce(sum(hits), 0)::int AS hits FROM rate_limits',
    );
    assert.equal(after.rows[0]?.hits, rows[0]?.hits);
  });

  it('rate-limits each user, found or not, without spending their login budget', async () => {
    const dave = await register(url(), uniqueUsername('dave'));
    const erin = await register(url(), uniqueUsername('erin'));
    for (let i = 0; i < PER_USER; i += 1) {
      const name = i % 2 === 0 ? erin.username : uniqueUsername('guess');
      const answer = await lookup(dave.session.accessToken, { username: name });
      assert.ok([200, 404].includes(answer.status), JSON.stringify(answer.body));
    }
    const limited = await lookup(dave.session.accessToken, { username: erin.username });
    assertError(limited, 429, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    // Another user still looks people up.
    const answer = await lookup(erin.session.accessToken, { username: dave.username });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    // Lookups have their own counters: nothing of Dave's sign-in budget was touched.
    const { rows } = await suite.server.pool.query('SELECT key FROM sign_in_failures');
    assert.deepEqual(rows, []);
  });
});

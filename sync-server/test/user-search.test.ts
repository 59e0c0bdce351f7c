import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { SessionResponse } from '@anochat/schemas/api/auth';
import {
  USER_SEARCH_MAX_RESULTS,
  type UserSearchResponse,
  userSearchResponse,
} from '@anochat/schemas/api/users';
import type { PushResponse } from '@anochat/schemas/rxdb/sync';
import { assertError, registrationBody, request } from '@anochat/test-support/api';
import { countRows, useSyncServer } from '@anochat/test-support/suite';
import { connectSocket, emit } from '@anochat/test-support/sync-client';
import type { Socket } from 'socket.io-client';
import { SEARCH_USERS_SQL } from '../src/users/user-repository.ts';

const PER_USER = 8;
const suite = useSyncServer({
  RATE_LIMIT_PER_USERNAME: String(PER_USER),
  RATE_LIMIT_PER_IP: '1000',
  RATE_LIMIT_WINDOW_SECONDS: '600',
});
const url = () => suite.server.baseUrl;

interface Person {
  id: string;
  username: string;
  displayName: string;
  token: string;
}

const sockets: Socket[] = [];
after(() => {
  for (const socket of sockets) socket.close();
});

/** A fresh word that begins the names of one test's people, so tests do not see each other's. */
const stem = () => `q${randomBytes(3).toString('hex')}`;

async function person(username: string, displayName = username): Promise<Person> {
  const body = { ...registrationBody(username), displayName };
  const answer = await request(url(), 'POST', '/api/auth/register', { body });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  const { user, accessToken } = answer.body as SessionResponse;
  return { id: user.id, username, displayName, token: accessToken };
}

/** `owner` blocks (or unblocks) `blocked` through the sync socket, as the app does. */
async function setBlock(owner: Person, blocked: Person, block: boolean): Promise<void> {
  const socket = await connectSocket(url(), { token: owner.token });
  sockets.push(socket);
  const row = {
    id: `${owner.id}|${blocked.id}`,
    userId: owner.id,
    blockedUserId: blocked.id,
    _deleted: !block,
  };
  const probe = await emit<PushResponse>(socket, 'push', {
    collection: 'blocks',
    rows: [{ assumedMasterState: null, newDocumentState: row }],
  });
  const master = probe.conflicts[0];
  if (master !== undefined) {
    await emit<PushResponse>(socket, 'push', {
      collection: 'blocks',
      rows: [{ assumedMasterState: master, newDocumentState: row }],
    });
  }
}

const search = (token: string | undefined, body: unknown) =>
  request(url(), 'POST', '/api/users/search', { body, ...(token === undefined ? {} : { token }) });

async function found(searcher: Person, query: string): Promise<string[]> {
  const answer = await search(searcher.token, { query });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const parsed: UserSearchResponse = userSearchResponse.parse(answer.body);
  return parsed.users.map((user) => user.username);
}

describe('POST /api/users/search', () => {
  it('finds people by the beginning of their username in any case, exact name first, with the public profile only', async () => {
    const word = stem();
    const searcher = await person(`${word}_me`);
    const longer = await person(`${word}_anna`, 'Anna Long');
    const exact = await person(`${word}_ann`, 'Ann');
    await person(`x${word}_ann`);
    const answer = await search(searcher.token, { query: `${word}_ANN` });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const { users } = answer.body as UserSearchResponse;
    assert.deepEqual(
      users.map((user) => user.username),
      [exact.username, longer.username],
    );
    // Exactly what a lookup of the name would tell: the `users` document's public fields.
    const lookup = await request(url(), 'POST', '/api/users/lookup', {
      token: searcher.token,
      body: { username: exact.username },
    });
    assert.deepEqual(users[0], (lookup.body as { user: unknown }).user);
    assert.deepEqual(Object.keys(users[0] ?? {}).sort(), [
      'displayName',
      'id',
      'identityPublicKey',
      'username',
    ]);
  });

  it('finds people by the beginning of their display name in any case, never the searcher', async () => {
    const word = stem();
    const searcher = await person(`${word}_self`, `${word} Searcher`);
    const zoe = await person(`zq${word}`, `${word} Zoe Quill`);
    await person(`other_${word}`, `Not ${word}`);
    assert.deepEqual(await found(searcher, `${word.toUpperCase()} z`), [zoe.username]);
    assert.deepEqual(await found(searcher, `${word} `), [zoe.username]);
  });

  it('takes % and _ literally', async () => {
    const word = stem();
    const searcher = await person(`${word}_me`);
    const underscored = await person(`${word}_x1`);
    await person(`${word}ax1`);
    const percent = await person(`p${word}`, `${word}% sure`);
    await person(`d${word}`, `${word}00 sure`);
    const backslash = await person(`b${word}`, `${word}\\ slash`);
    assert.deepEqual(await found(searcher, `${word}_x`), [underscored.username]);
    assert.deepEqual(await found(searcher, `${word}%`), [percent.username]);
    assert.deepEqual(await found(searcher, `${word}\\`), [backslash.username]);
    assert.deepEqual(await found(searcher, `${word}%%%`), []);
  });

  it(`answers at most ${USER_SEARCH_MAX_RESULTS} people`, async () => {
    const word = stem();
    const searcher = await person(`s${word}`);
    for (let i = 0; i <= USER_SEARCH_MAX_RESULTS; i += 1) {
      await person(`${word}_${String(i).padStart(2, '0')}`);
    }
    const names = await found(searcher, word);
    assert.equal(names.length, USER_SEARCH_MAX_RESULTS);
    assert.deepEqual(names, [...names].sort());
  });

  it('leaves out whoever blocks the searcher, whomever the searcher blocks, and deleted accounts', async () => {
    const word = stem();
    const alice = await person(`${word}_alice`);
    const blocksAlice = await person(`${word}_bob`);
    const blockedByAlice = await person(`${word}_carol`);
    const deleted = await person(`${word}_dave`);
    const stranger = await person(`${word}_erin`);
    await setBlock(blocksAlice, alice, true);
    await setBlock(alice, blockedByAlice, true);
    await suite.server.pool.query('UPDATE users SET deleted = true WHERE id = $1', [deleted.id]);
    assert.deepEqual(await found(alice, word), [stranger.username]);
    // Neither side of a block finds the other.
    assert.deepEqual(await found(blocksAlice, `${word}_a`), []);
    assert.deepEqual(await found(blockedByAlice, `${word}_a`), []);
    // An unblock makes them findable again.
    await setBlock(blocksAlice, alice, false);
    assert.deepEqual(await found(alice, `${word}_b`), [blocksAlice.username]);
  });

  it('refuses bad input with 400 before counting or reading anything, and strangers with 401', async () => {
    const searcher = await person(stem());
    const before = await suite.server.pool.query<{ hits: number }>(
      'SELECT coalesce(sum(hits), 0)::int AS hits FROM rate_limits',
    );
    const rows = await countRows(suite.server, ['rate_limits']);
    const cases: [string, unknown][] = [
      ['no query', {}],
      ['a number', { query: 420 }],
      ['null', { query: null }],
      ['too short', { query: 'ab' }],
      ['too short once trimmed', { query: '  ab  ' }],
      ['too long', { query: 'a'.repeat(65) }],
      ['a control character', { query: 'abc\u0000' }],
      ['a line break', { query: 'ab\ncd' }],
      ['an unknown field', { query: 'abcd', limit: 1000 }],
      ['an array', ['abcd']],
    ];
    for (const [name, body] of cases) {
      const answer = await search(searcher.token, body);
      assert.equal(answer.status, 400, name);
      assertError(answer, 400, 'VALIDATION_FAILED');
    }
    assertError(await search(searcher.token, 'not json'), 400, 'MALFORMED_JSON');
    assertError(await search(undefined, { query: 'abcd' }), 401, 'UNAUTHENTICATED');
    assertError(await search('not.a.token', { query: 'abcd' }), 401, 'UNAUTHENTICATED');
    assert.deepEqual(await countRows(suite.server, ['rate_limits']), rows);
    const after = await suite.server.pool.query<{ hits: number }>(
      'SELECT coalesce(sum(hits), 0)::int AS hits FROM rate_limits',
    );
    assert.equal(after.rows[0]?.hits, before.rows[0]?.hits);
  });

  it('rate-limits each user apart from lookups, found or not', async () => {
    const word = stem();
    const searcher = await person(`${word}_me`);
    const other = await person(`${word}_you`);
    for (let i = 0; i < PER_USER; i += 1) {
      const answer = await search(searcher.token, { query: i % 2 === 0 ? word : stem() });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    }
    const limited = await search(searcher.token, { query: word });
    assertError(limited, 429, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    // The exact lookup keeps its own budget, and other users theirs.
    const lookup = await request(url(), 'POST', '/api/users/lookup', {
      token: searcher.token,
      body: { username: other.username },
    });
    assert.equal(lookup.status, 200, JSON.stringify(lookup.body));
    assert.deepEqual(await found(other, `${word}_m`), [searcher.username]);
  });

  it('reads only matching rows through the prefix indexes', async () => {
    const client = await suite.server.pool.connect();
    try {
      await client.query('BEGIN');
      // A server with many accounts (rolled back after): on a nearly empty table any plan is cheap.
      await client.query(
        `INSERT INTO users (username, display_name, auth_hash)
         SELECT 'bulk' || i, 'Bulk ' || md5(i::text), '$argon2id$bulk' FROM generate_series(1, 20000) i`,
      );
      await client.query('ANALYZE users');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${SEARCH_USERS_SQL}`, [
        '00000000-0000-4000-8000-000000000000',
        'abc',
        'abc',
        USER_SEARCH_MAX_RESULTS,
      ]);
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      // Both beginnings are ranges of their index (Index Cond), not filters over every row.
      assert.match(
        plan,
        /Index Scan using users_username_prefix_idx on users[^\n]*\n\s+Index Cond: \(\(lower\(username\) ~>=~ 'abc'/,
      );
      assert.match(
        plan,
        /Index Scan using users_display_name_prefix_idx on users[^\n]*\n\s+Index Cond: \(\(lower\(display_name\) ~>=~ 'abc'/,
      );
      assert.doesNotMatch(plan, /Seq Scan on users/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refreshResponse, sessionResponse } from '@anochat/schemas/api/auth';
import { deviceListResponse } from '@anochat/schemas/api/devices';
import {
  assertError,
  login,
  newDevice,
  newIdentity,
  randomSecret,
  register,
  registrationBody,
  request,
  revocationOf,
  uniqueUsername,
} from '@anochat/test-support/api';
import { useSyncServer } from '@anochat/test-support/suite';

const suite = useSyncServer();
const url = () => suite.server.baseUrl;

describe('register and login', () => {
  it('registers a user with a first device and answers the documented shape', async () => {
    const username = uniqueUsername('Alice');
    const body = registrationBody(username);
    const { device } = body;
    const response = await request(url(), 'POST', '/api/auth/register', {
      body: { ...body, displayName: 'Alice A.' },
    });
    assert.equal(response.status, 201);
    const session = sessionResponse.parse(response.body);
    assert.equal(session.user.username, username);
    assert.equal(session.user.displayName, 'Alice A.');
    assert.equal(session.device.boxPublicKey, device.boxPublicKey);
    assert.equal(session.device.signPublicKey, device.signPublicKey);
    assert.equal(session.device.revokedAt, null);
    assert.equal(session.device.certificate, device.certificate);
    assert.equal(session.user.identityPublicKey, body.identityPublicKey);
    const { rows } = await suite.server.pool.query<{ auth_hash: string }>(
      'SELECT auth_hash FROM users WHERE id = $1',
      [session.user.id],
    );
    assert.match(rows[0]?.auth_hash ?? '', /^\$argon2id\$v=19\$m=8,t=1,/);
  });

  it('refuses a username taken in any letter case, writing nothing', async () => {
    const { username } = await register(url(), uniqueUsername('Bob'));
    const before = await suite.server.pool.query('SELECT count(*)::int AS n FROM devices');
    const response = await request(url(), 'POST', '/api/auth/register', {
      body: registrationBody(username.toUpperCase()),
    });
    assertError(response, 409, 'USERNAME_TAKEN');
    const after = await suite.server.pool.query('SELECT count(*)::int AS n FROM devices');
    assert.deepEqual(after.rows, before.rows);
  });

  it('logs in with any letter case of the username, creating a new device each time', async () => {
    const account = await register(url());
    const session = await login(url(), { ...account, username: account.username.toUpperCase() });
    assert.equal(session.user.id, account.session.user.id);
    assert.notEqual(session.device.id, account.session.device.id);
  });

  it('answers wrong secret and unknown user with the same error', async () => {
    const account = await register(url());
    const wrong = await request(url(), 'POST', '/api/auth/login', {
      body: {
        username: account.username,
        authSecret: randomSecret(),
        device: newDevice(account.identity),
      },
    });
    const ghost = uniqueUsername('ghost');
    const unknown = await request(url(), 'POST', '/api/auth/login', {
      body: { username: ghost, authSecret: randomSecret(), device: newDevice(newIdentity(ghost)) },
    });
    assertError(wrong, 401, 'INVALID_CREDENTIALS');
    assertError(unknown, 401, 'INVALID_CREDENTIALS');
    assert.deepEqual(wrong.body, unknown.body);
  });

  it('rolls the whole registration back when a later insert fails', async () => {
    // A trigger makes the device insert fail after the user row was written in the same transaction.
    await suite.server.pool.query(`
      CREATE FUNCTION test_refuse_device() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by test'; END; $$;
      CREATE TRIGGER test_refuse_device BEFORE INSERT ON devices
        FOR EACH ROW WHEN (NEW.name = 'explode') EXECUTE FUNCTION test_refuse_device();`);
    try {
      const username = uniqueUsername('partial');
      const identity = newIdentity(username);
      const response = await request(url(), 'POST', '/api/auth/register', {
        body: {
          ...registrationBody(username, identity),
          device: { ...newDevice(identity), name: 'explode' },
        },
      });
      assertError(response, 500, 'INTERNAL');
      const { rowCount } = await suite.server.pool.query(
        'SELECT 1 FROM users WHERE lower(username) = lower($1)',
        [username],
      );
      assert.equal(rowCount, 0);
    } finally {
      await suite.server.pool.query(
        'DROP TRIGGER test_refuse_device ON devices; DROP FUNCTION test_refuse_device();',
      );
    }
  });
});

describe('refresh tokens', () => {
  const refresh = (refreshToken: string) =>
    request(url(), 'POST', '/api/auth/refresh', { body: { refreshToken } });

  it('rotates: a refresh answers a new pair and the new access token works', async () => {
    const { session } = await register(url());
    const response = await refresh(session.refreshToken);
    assert.equal(response.status, 200);
    const pair = refreshResponse.parse(response.body);
    assert.notEqual(pair.refreshToken, session.refreshToken);
    const devices = await request(url(), 'GET', '/api/devices', { token: pair.accessToken });
    assert.equal(devices.status, 200);
  });

  it('reusing a spent token revokes the whole family and answers REFRESH_TOKEN_REUSED', async () => {
    const account = await register(url());
    const other = await login(url(), account); // another device: another family
    const first = refreshResponse.parse((await refresh(account.session.refreshToken)).body);
    const second = refreshResponse.parse((await refresh(first.refreshToken)).body);

    assertError(await refresh(account.session.refreshToken), 401, 'REFRESH_TOKEN_REUSED');
    // The newest token of the family is dead too, so a thief holding it is locked out.
    assertError(await refresh(second.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    const { rows } = await suite.server.pool.query<{ live: number }>(
      `SELECT count(*) FILTER (WHERE revoked_at IS NULL)::int AS live FROM refresh_tokens
        WHERE device_id = $1`,
      [account.session.device.id],
    );
    assert.equal(rows[0]?.live, 0);
    // The other device's family is untouched.
    assert.equal((await refresh(other.refreshToken)).status, 200);
  });

  it('lets only one of two simultaneous refreshes with one token win', async () => {
    const { session } = await register(url());
    const answers = await Promise.all([
      refresh(session.refreshToken),
      refresh(session.refreshToken),
    ]);
    const statuses = answers.map((answer) => answer.status).sort();
    assert.deepEqual(statuses, [200, 401]);
    const loser = answers.find((answer) => answer.status === 401);
    assertError(loser as NonNullable<typeof loser>, 401, 'REFRESH_TOKEN_REUSED');
  });

  it('refuses an unknown token and an expired one', async () => {
    assertError(await refresh('A'.repeat(43)), 401, 'REFRESH_TOKEN_INVALID');
    const { session } = await register(url());
    await suite.server.pool.query(
      "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE device_id = $1",
      [session.device.id],
    );
    assertError(await refresh(session.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
  });
});

describe('logout and devices', () => {
  /** Both of the device's tokens are dead: its access token and its refresh token. */
  async function assertSignedOut(device: { accessToken: string; refreshToken: string }) {
    assertError(
      await request(url(), 'GET', '/api/devices', { token: device.accessToken }),
      401,
      'UNAUTHENTICATED',
    );
    assertError(
      await request(url(), 'POST', '/api/auth/refresh', {
        body: { refreshToken: device.refreshToken },
      }),
      401,
      'REFRESH_TOKEN_INVALID',
    );
  }

  it('logout revokes the device: its access and refresh tokens stop working', async () => {
    const account = await register(url());
    const phone = await login(url(), account);
    const response = await request(url(), 'POST', '/api/auth/logout', { token: phone.accessToken });
    assert.equal(response.status, 204);
    await assertSignedOut(phone);
    const list = deviceListResponse.parse(
      (await request(url(), 'GET', '/api/devices', { token: account.session.accessToken })).body,
    );
    const revoked = list.devices.find((device) => device.id === phone.device.id);
    assert.ok(revoked?.revokedAt);
  });

  it('lists my devices, marking the current one, and none of anyone else', async () => {
    const account = await register(url());
    const phone = await login(url(), account);
    await register(url()); // someone else
    const response = await request(url(), 'GET', '/api/devices', { token: phone.accessToken });
    const { devices } = deviceListResponse.parse(response.body);
    assert.deepEqual(
      devices.map((device) => [device.id, device.current]),
      [
        [account.session.device.id, false],
        [phone.device.id, true],
      ],
    );
  });

  it('revokes one of my devices, killing its tokens', async () => {
    const account = await register(url());
    const phone = await login(url(), account);
    const response = await request(url(), 'DELETE', `/api/devices/${phone.device.id}`, {
      token: account.session.accessToken,
      body: { revocation: revocationOf(account.identity, phone.device) },
    });
    assert.equal(response.status, 204);
    await assertSignedOut(phone);
  });

  it("answers 404 for someone else's device, an unknown id and a malformed id, changing nothing", async () => {
    const me = await register(url());
    const them = await register(url());
    const body = { revocation: revocationOf(me.identity, them.session.device) };
    for (const id of [them.session.device.id, '00000000-0000-4000-8000-000000000000', 'nope']) {
      assertError(
        await request(url(), 'DELETE', `/api/devices/${id}`, {
          token: me.session.accessToken,
          body,
        }),
        404,
        'NOT_FOUND',
      );
    }
    const theirs = await request(url(), 'GET', '/api/devices', { token: them.session.accessToken });
    assert.equal(theirs.status, 200);
    const { devices } = deviceListResponse.parse(theirs.body);
    assert.equal(devices[0]?.revokedAt, null);
  });

  it('requires an access token', async () => {
    assertError(await request(url(), 'GET', '/api/devices'), 401, 'UNAUTHENTICATED');
    assertError(await request(url(), 'POST', '/api/auth/logout'), 401, 'UNAUTHENTICATED');
  });
});

describe('logs', () => {
  it('never contain secrets, tokens or keys', async () => {
    const account = await register(url());
    const pair = refreshResponse.parse(
      (
        await request(url(), 'POST', '/api/auth/refresh', {
          body: { refreshToken: account.session.refreshToken },
        })
      ).body,
    );
    const logs = suite.server.logs();
    assert.match(logs, /"path":"\/api\/auth\/refresh"/);
    for (const secret of [
      account.authSecret,
      account.session.accessToken,
      account.session.refreshToken,
      pair.accessToken,
      pair.refreshToken,
    ]) {
      assert.equal(logs.includes(secret), false);
    }
  });
});

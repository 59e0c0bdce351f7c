import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changePasswordResponse, refreshResponse } from '@anochat/schemas/api/auth';
import {
  type Account,
  assertError,
  login,
  randomSecret,
  register,
  request,
  revocationOf,
} from '@anochat/test-support/api';
import { useSyncServer } from '@anochat/test-support/suite';
import { connectSocket } from '@anochat/test-support/sync-client';
import type { Socket } from 'socket.io-client';

const suite = useSyncServer();
const url = () => suite.server.baseUrl;

const refresh = (refreshToken: string) =>
  request(url(), 'POST', '/api/auth/refresh', { body: { refreshToken } });

/** Resolves with the disconnect reason, or rejects if the socket is still up after 5 s. */
function disconnected(socket: Socket): Promise<string> {
  if (!socket.connected) return Promise.resolve('already disconnected');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the socket is still connected')), 5_000);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

describe('a detected refresh-token reuse', () => {
  it('ends the access token and the sockets of that device at once, not at their expiry', async () => {
    const account = await register(url());
    const other = await login(url(), account);
    const socket = await connectSocket(url(), { token: account.session.accessToken });
    const otherSocket = await connectSocket(url(), { token: other.accessToken });
    try {
      const rotated = refreshResponse.parse((await refresh(account.session.refreshToken)).body);
      const closed = disconnected(socket);
      assertError(await refresh(account.session.refreshToken), 401, 'REFRESH_TOKEN_REUSED');
      assert.equal(await closed, 'io server disconnect');
      // Neither the first access token nor the one the rotation handed out work any more.
      for (const token of [account.session.accessToken, rotated.accessToken]) {
        assertError(await request(url(), 'GET', '/api/devices', { token }), 401, 'UNAUTHENTICATED');
      }
      await assert.rejects(connectSocket(url(), { token: rotated.accessToken }), /UNAUTHORIZED/);
      // The device is revoked, as by a logout without a signed statement, so peers learn it.
      const { rows } = await suite.server.pool.query<{ revoked: boolean }>(
        'SELECT revoked_at IS NOT NULL AS revoked FROM devices WHERE id = $1',
        [account.session.device.id],
      );
      assert.deepEqual(rows, [{ revoked: true }]);
      // The account's other device is untouched.
      assert.ok(otherSocket.connected);
      assert.equal(
        (await request(url(), 'GET', '/api/devices', { token: other.accessToken })).status,
        200,
      );
    } finally {
      socket.close();
      otherSocket.close();
    }
  });
});

function changePassword(account: Account, token: string, extra: Record<string, unknown> = {}) {
  return request(url(), 'POST', '/api/auth/password', {
    token,
    body: {
      authSecret: account.authSecret,
      newAuthSecret: randomSecret(),
      keyBackup: account.identity.keyBackup,
      ...extra,
    },
  });
}

const devices = (token: string) => request(url(), 'GET', '/api/devices', { token });

describe('changing the password', () => {
  it('revokes every refresh token issued before it; this device gets new ones, other devices keep only their access token', async () => {
    const account = await register(url());
    const laptop = await login(url(), account, 'laptop');
    const answer = await changePassword(account, account.session.accessToken);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const changed = changePasswordResponse.parse(answer.body);
    assert.deepEqual(changed.signedOutDevices, []);
    for (const old of [account.session.refreshToken, laptop.refreshToken]) {
      assertError(await refresh(old), 401, 'REFRESH_TOKEN_INVALID');
    }
    assert.equal((await refresh(changed.refreshToken)).status, 200);
    assert.equal((await devices(changed.accessToken)).status, 200);
    // The laptop's access token lives out its minutes; then it must sign in with the new password.
    assert.equal((await devices(laptop.accessToken)).status, 200);
  });

  it('with signOutOtherDevices, ends every other device at once: access tokens, sockets, and keeps the signed revocations', async () => {
    const account = await register(url());
    const laptop = await login(url(), account, 'laptop');
    const tablet = await login(url(), account, 'tablet');
    const laptopSocket = await connectSocket(url(), { token: laptop.accessToken });
    try {
      const closed = disconnected(laptopSocket);
      const answer = await changePassword(account, account.session.accessToken, {
        signOutOtherDevices: true,
        revocations: [
          { deviceId: laptop.device.id, revocation: revocationOf(account.identity, laptop.device) },
        ],
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const changed = changePasswordResponse.parse(answer.body);
      assert.deepEqual(
        [...changed.signedOutDevices].sort(),
        [laptop.device.id, tablet.device.id].sort(),
      );
      assert.equal(await closed, 'io server disconnect');
      for (const token of [laptop.accessToken, tablet.accessToken]) {
        assertError(await devices(token), 401, 'UNAUTHENTICATED');
      }
      const listed = (await devices(changed.accessToken)).body as {
        devices: { id: string; revokedAt: string | null; revocation: string | null }[];
      };
      const byId = new Map(listed.devices.map((device) => [device.id, device]));
      assert.ok(byId.get(laptop.device.id)?.revokedAt && byId.get(laptop.device.id)?.revocation);
      assert.ok(byId.get(tablet.device.id)?.revokedAt);
      assert.equal(byId.get(tablet.device.id)?.revocation, null);
      assert.equal(byId.get(account.session.device.id)?.revokedAt, null);
    } finally {
      laptopSocket.close();
    }
  });

  it("refuses a revocation that names this device or someone else's, or comes without signOutOtherDevices, changing nothing", async () => {
    const account = await register(url());
    const stranger = await register(url());
    const laptop = await login(url(), account, 'laptop');
    const own = {
      deviceId: account.session.device.id,
      revocation: revocationOf(account.identity, account.session.device),
    };
    const foreign = {
      deviceId: stranger.session.device.id,
      revocation: revocationOf(stranger.identity, stranger.session.device),
    };
    const token = account.session.accessToken;
    for (const revocation of [own, foreign]) {
      assertError(
        await changePassword(account, token, {
          signOutOtherDevices: true,
          revocations: [revocation],
        }),
        400,
        'INVALID_CERTIFICATE',
      );
    }
    const laptopRevocation = {
      deviceId: laptop.device.id,
      revocation: revocationOf(account.identity, laptop.device),
    };
    assertError(
      await changePassword(account, token, { revocations: [laptopRevocation] }),
      400,
      'VALIDATION_FAILED',
    );
    // Nothing changed: the old secret still opens the backup, every token still refreshes.
    const backup = await request(url(), 'POST', '/api/auth/key-backup', {
      body: { username: account.username, authSecret: account.authSecret },
    });
    assert.equal(backup.status, 200);
    assert.equal((await refresh(laptop.refreshToken)).status, 200);
  });
});

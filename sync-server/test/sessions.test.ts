import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refreshResponse } from '@anochat/schemas/api/auth';
import type { Socket } from 'socket.io-client';
import { assertError, login, register, request } from './support/api.ts';
import { useSyncServer } from './support/suite.ts';
import { connectSocket } from './support/sync-client.ts';

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

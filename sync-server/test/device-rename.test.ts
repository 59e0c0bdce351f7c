import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refreshResponse } from '@anochat/schemas/api/auth';
import { deviceListResponse } from '@anochat/schemas/api/devices';
import { assertError, login, register, request, revocationOf } from '@anochat/test-support/api';
import { useSyncServer } from '@anochat/test-support/suite';

const suite = useSyncServer();
const url = () => suite.server.baseUrl;

const listDevices = async (token: string) => {
  const response = await request(url(), 'GET', '/api/devices', { token });
  assert.equal(response.status, 200);
  return deviceListResponse.parse(response.body).devices;
};
const rename = (token: string, id: string, body: unknown) =>
  request(url(), 'PATCH', `/api/devices/${id}`, { token, body });

describe('PATCH /api/devices/:id', () => {
  it('renames one of my working devices, trimmed, and the list shows it', async () => {
    const account = await register(url());
    const phone = await login(url(), account, 'phone');
    const token = account.session.accessToken;
    const response = await rename(token, phone.device.id, { name: '  Work phone  ' });
    assert.equal(response.status, 204);
    const devices = await listDevices(token);
    assert.equal(devices.find((device) => device.id === phone.device.id)?.name, 'Work phone');
    // The device making the request is untouched.
    assert.equal(
      devices.find((device) => device.id === account.session.device.id)?.name,
      account.session.device.name,
    );
    // A device may rename itself too.
    assert.equal((await rename(phone.accessToken, phone.device.id, { name: 'Mine' })).status, 204);
    const after = await listDevices(phone.accessToken);
    assert.equal(after.find((device) => device.id === phone.device.id)?.name, 'Mine');
  });

  it('refuses an empty, a blank, a too long name and unknown fields', async () => {
    const account = await register(url());
    const { accessToken: token, device } = account.session;
    for (const body of [
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(65) },
      { name: 42 },
      {},
      { name: 'fine', extra: true },
    ]) {
      assertError(await rename(token, device.id, body), 400, 'VALIDATION_FAILED');
    }
    assert.equal((await rename(token, device.id, { name: 'x'.repeat(64) })).status, 204);
  });

  it('answers 404 for someone else’s device, a revoked one, an unknown and a malformed id', async () => {
    const alice = await register(url());
    const bob = await register(url());
    const token = alice.session.accessToken;
    assertError(await rename(token, bob.session.device.id, { name: 'mine now' }), 404, 'NOT_FOUND');
    assertError(
      await rename(token, '00000000-0000-4000-8000-000000000000', { name: 'n' }),
      404,
      'NOT_FOUND',
    );
    assertError(await rename(token, 'not-a-uuid', { name: 'n' }), 404, 'NOT_FOUND');
    const old = await login(url(), alice, 'old laptop');
    const revoked = await request(url(), 'DELETE', `/api/devices/${old.device.id}`, {
      token,
      body: { revocation: revocationOf(alice.identity, old.device) },
    });
    assert.equal(revoked.status, 204);
    assertError(await rename(token, old.device.id, { name: 'renamed' }), 404, 'NOT_FOUND');
    const devices = await listDevices(token);
    assert.equal(devices.find((device) => device.id === old.device.id)?.name, 'old laptop');
    // Bob's device kept its name.
    const bobs = await listDevices(bob.session.accessToken);
    assert.equal(bobs[0]?.name, bob.session.device.name);
  });

  it('needs a signed-in device', async () => {
    const account = await register(url());
    const response = await request(url(), 'PATCH', `/api/devices/${account.session.device.id}`, {
      body: { name: 'anonymous' },
    });
    assertError(response, 401, 'UNAUTHENTICATED');
  });
});

describe('GET /api/devices: last activity', () => {
  it('is when the device last signed in or renewed its session', async () => {
    const account = await register(url());
    const phone = await login(url(), account, 'phone');
    const before = await listDevices(account.session.accessToken);
    const phoneBefore = before.find((device) => device.id === phone.device.id)?.lastActiveAt;
    assert.ok(phoneBefore !== null && phoneBefore !== undefined);
    assert.ok(Date.parse(phoneBefore) >= Date.parse(phone.device.createdAt));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const renewed = await request(url(), 'POST', '/api/auth/refresh', {
      body: { refreshToken: phone.refreshToken },
    });
    assert.equal(renewed.status, 200);
    refreshResponse.parse(renewed.body);
    const after = await listDevices(account.session.accessToken);
    const phoneAfter = after.find((device) => device.id === phone.device.id)?.lastActiveAt;
    assert.ok(phoneAfter !== null && phoneAfter !== undefined);
    assert.ok(Date.parse(phoneAfter) > Date.parse(phoneBefore), `${phoneAfter} > ${phoneBefore}`);
    // The first device did nothing since: its last activity did not move.
    assert.equal(
      after.find((device) => device.id === account.session.device.id)?.lastActiveAt,
      before.find((device) => device.id === account.session.device.id)?.lastActiveAt,
    );
  });
});

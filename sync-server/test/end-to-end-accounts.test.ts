import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTweetnaclNacl } from '@anochat/crypto-native';
import {
  deriveAccountSecrets,
  encodeBase64,
  identityKeyPair,
  newAccountKeys,
  openKeyBackup,
  sealKeyBackup,
} from '@anochat/protocol';
import { keyBackupResponse } from '@anochat/schemas/api/auth';
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
import { countRows, useSyncServer } from '@anochat/test-support/suite';

const suite = useSyncServer();
const url = () => suite.server.baseUrl;
const nacl = createTweetnaclNacl();

/** Flips the lowest bit of the last byte (inside the signature) of a base64 value. */
function flipLastBit(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  const last = bytes.length - 1;
  bytes[last] = (bytes[last] as number) ^ 0x01;
  return bytes.toString('base64');
}

describe('device certificates at registration and login', () => {
  const badCertificates: [
    name: string,
    tamper: (body: ReturnType<typeof registrationBody>) => void,
  ][] = [
    [
      'signed by another identity',
      (body) => {
        body.device = newDevice(newIdentity(body.username));
      },
    ],
    [
      'for other keys than the device sends',
      (body) => {
        body.device = { ...body.device, boxPublicKey: newDevice(body.identity).boxPublicKey };
      },
    ],
    [
      'for another username',
      (body) => {
        body.device = newDevice(newIdentity(uniqueUsername('mallory')));
        body.identityPublicKey = encodeBase64(newIdentity('x_unused').keys.publicKey);
      },
    ],
    [
      'with a flipped signature bit',
      (body) => {
        body.device = { ...body.device, certificate: flipLastBit(body.device.certificate) };
      },
    ],
    [
      'truncated',
      (body) => {
        body.device = { ...body.device, certificate: Buffer.from('short').toString('base64') };
      },
    ],
  ];

  for (const [name, tamper] of badCertificates) {
    it(`refuses a registration whose device certificate is ${name}, writing nothing`, async () => {
      const body = registrationBody();
      tamper(body);
      const before = await countRows(suite.server, ['users', 'devices', 'refresh_tokens']);
      const response = await request(url(), 'POST', '/api/auth/register', { body });
      assertError(response, 400, 'INVALID_CERTIFICATE');
      assert.deepEqual(
        await countRows(suite.server, ['users', 'devices', 'refresh_tokens']),
        before,
      );
    });
  }

  it('stores the identity key and the certificate, and lists them', async () => {
    const account = await register(url());
    const phone = await login(url(), account);
    const { devices } = deviceListResponse.parse(
      (await request(url(), 'GET', '/api/devices', { token: phone.accessToken })).body,
    );
    assert.deepEqual(
      devices.map((device) => device.certificate),
      [account.session.device.certificate, phone.device.certificate],
    );
    assert.equal(phone.user.identityPublicKey, encodeBase64(account.identity.keys.publicKey));
  });

  it('refuses a login whose device is certified by another identity, adding no device', async () => {
    const account = await register(url());
    const impostor = newIdentity(account.username);
    const before = await countRows(suite.server, ['devices', 'refresh_tokens']);
    const response = await request(url(), 'POST', '/api/auth/login', {
      body: {
        username: account.username,
        authSecret: account.authSecret,
        device: newDevice(impostor),
      },
    });
    assertError(response, 400, 'INVALID_CERTIFICATE');
    assert.deepEqual(await countRows(suite.server, ['devices', 'refresh_tokens']), before);
  });
});

describe('key backup and password change', () => {
  it('gives a new device, knowing only the password, the backup it restores and certifies with', async () => {
    // The real derivation at a low cost: the password is all the new device knows.
    const cost = { opsLimit: 1, memLimitBytes: 8 * 1024 };
    const username = uniqueUsername('restore');
    const password = 'correct horse battery staple';
    const secrets = await deriveAccountSecrets(nacl, username, password, cost);
    const contents = newAccountKeys(nacl);
    const identity = {
      username,
      keys: identityKeyPair(nacl, contents.identitySeed),
      keyBackup: encodeBase64(sealKeyBackup(nacl, secrets.backupKey, contents)),
    };
    const registered = await request(url(), 'POST', '/api/auth/register', {
      body: {
        ...registrationBody(username, identity),
        authSecret: encodeBase64(secrets.authSecret),
      },
    });
    assert.equal(registered.status, 201);

    const later = await deriveAccountSecrets(nacl, username, password, cost);
    const fetched = keyBackupResponse.parse(
      (
        await request(url(), 'POST', '/api/auth/key-backup', {
          body: { username, authSecret: encodeBase64(later.authSecret) },
        })
      ).body,
    );
    const restored = openKeyBackup(nacl, later.backupKey, Buffer.from(fetched.keyBackup, 'base64'));
    assert.ok(restored.ok);
    const restoredIdentity = {
      ...identity,
      keys: identityKeyPair(nacl, restored.value.identitySeed),
    };
    assert.equal(fetched.identityPublicKey, encodeBase64(restoredIdentity.keys.publicKey));
    const session = await login(
      url(),
      { username, authSecret: encodeBase64(later.authSecret), identity: restoredIdentity },
      'new phone',
    );
    assert.equal(session.device.name, 'new phone');
  });

  it('answers a wrong secret for the backup like a wrong login, and rate-limits the same way', async () => {
    const account = await register(url());
    const response = await request(url(), 'POST', '/api/auth/key-backup', {
      body: { username: account.username, authSecret: randomSecret() },
    });
    assertError(response, 401, 'INVALID_CREDENTIALS');
    assert.equal(JSON.stringify(response.body).includes(account.identity.keyBackup), false);
  });

  it('changes the password: the old secret stops working, the new backup is served', async () => {
    const account = await register(url());
    const newAuthSecret = randomSecret();
    const newBackup = newIdentity(account.username).keyBackup;
    const changed = await request(url(), 'POST', '/api/auth/password', {
      token: account.session.accessToken,
      body: { authSecret: account.authSecret, newAuthSecret, keyBackup: newBackup },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));

    assertError(
      await request(url(), 'POST', '/api/auth/key-backup', {
        body: { username: account.username, authSecret: account.authSecret },
      }),
      401,
      'INVALID_CREDENTIALS',
    );
    const fetched = keyBackupResponse.parse(
      (
        await request(url(), 'POST', '/api/auth/key-backup', {
          body: { username: account.username, authSecret: newAuthSecret },
        })
      ).body,
    );
    assert.equal(fetched.keyBackup, newBackup);
    await login(url(), { ...account, authSecret: newAuthSecret });
  });

  it('refuses a password change with the wrong current secret, changing nothing', async () => {
    const account = await register(url());
    const response = await request(url(), 'POST', '/api/auth/password', {
      token: account.session.accessToken,
      body: {
        authSecret: randomSecret(),
        newAuthSecret: randomSecret(),
        keyBackup: newIdentity(account.username).keyBackup,
      },
    });
    assertError(response, 401, 'INVALID_CREDENTIALS');
    const fetched = keyBackupResponse.parse(
      (
        await request(url(), 'POST', '/api/auth/key-backup', {
          body: { username: account.username, authSecret: account.authSecret },
        })
      ).body,
    );
    assert.equal(fetched.keyBackup, account.identity.keyBackup);
  });
});

describe('signed device revocations', () => {
  it('refuses a revocation not signed by the identity key, leaving the device active', async () => {
    const account = await register(url());
    const phone = await login(url(), account);
    const forged = revocationOf(newIdentity(account.username), phone.device);
    for (const revocation of [forged, revocationOf(account.identity, account.session.device)]) {
      const response = await request(url(), 'DELETE', `/api/devices/${phone.device.id}`, {
        token: account.session.accessToken,
        body: { revocation },
      });
      assertError(response, 400, 'INVALID_CERTIFICATE');
    }
    assert.equal(
      (await request(url(), 'GET', '/api/devices', { token: phone.accessToken })).status,
      200,
    );
  });

  it('keeps a valid revocation for the peers, from revoke and from logout', async () => {
    const account = await register(url());
    const phone = await login(url(), account);
    const tablet = await login(url(), account, 'tablet');
    const phoneRevocation = revocationOf(account.identity, phone.device);
    const revoked = await request(url(), 'DELETE', `/api/devices/${phone.device.id}`, {
      token: account.session.accessToken,
      body: { revocation: phoneRevocation },
    });
    assert.equal(revoked.status, 204);
    const tabletRevocation = revocationOf(account.identity, tablet.device);
    const loggedOut = await request(url(), 'POST', '/api/auth/logout', {
      token: tablet.accessToken,
      body: { revocation: tabletRevocation },
    });
    assert.equal(loggedOut.status, 204);

    const { devices } = deviceListResponse.parse(
      (await request(url(), 'GET', '/api/devices', { token: account.session.accessToken })).body,
    );
    assert.deepEqual(
      devices.map((device) => device.revocation),
      [null, phoneRevocation, tabletRevocation],
    );
  });

  it('refuses a logout with a forged revocation, keeping the device signed in', async () => {
    const account = await register(url());
    const response = await request(url(), 'POST', '/api/auth/logout', {
      token: account.session.accessToken,
      body: { revocation: revocationOf(newIdentity(account.username), account.session.device) },
    });
    assertError(response, 400, 'INVALID_CERTIFICATE');
    assert.equal(
      (await request(url(), 'GET', '/api/devices', { token: account.session.accessToken })).status,
      200,
    );
  });
});

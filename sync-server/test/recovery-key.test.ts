import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTweetnaclNacl } from '@anochat/crypto-native';
import { encodeBase64, identityKeyPair, newAccountKeys, sealKeyBackup } from '@anochat/protocol';
import { recoverAccount, recoverySecrets, recoverySetup } from '@anochat/protocol/client';
import {
  keyBackupResponse,
  type RegisterRequest,
  recoveryStatus,
  type SessionResponse,
  sessionResponse,
} from '@anochat/schemas/api/auth';
import {
  assertError,
  newDevice,
  randomSecret,
  request,
  type TestIdentity,
  uniqueUsername,
} from '@anochat/test-support/api';
import { useSyncServer } from '@anochat/test-support/suite';

// Three failures free, then a backoff: enough to see the throttle without many requests.
const suite = useSyncServer({
  RATE_LIMIT_PER_IP: '1000',
  LOGIN_FREE_FAILURES: '3',
  LOGIN_FAILURES_PER_ACCOUNT_HOUR: '50',
  LOGIN_FAILURES_PER_ADDRESS_HOUR: '1000',
});
const url = () => suite.server.baseUrl;
const nacl = createTweetnaclNacl();
/** Cheap Argon2id for the new password (the server never sees it, only its secret). */
const TEST_COST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };

interface Person {
  username: string;
  authSecret: string;
  identity: TestIdentity;
  account: ReturnType<typeof newAccountKeys>;
  session: SessionResponse;
  /** The printed recovery key, when one was made at registration. */
  recoveryKey: string | null;
}

async function registerPerson(withRecovery: boolean): Promise<Person> {
  const username = uniqueUsername('rec');
  const account = newAccountKeys(nacl);
  const keys = identityKeyPair(nacl, account.identitySeed);
  const identity: TestIdentity = {
    username,
    keys,
    keyBackup: encodeBase64(sealKeyBackup(nacl, nacl.randomBytes(32), account)),
  };
  const setup = withRecovery ? recoverySetup(nacl, account) : null;
  const body: RegisterRequest = {
    username,
    authSecret: randomSecret(),
    identityPublicKey: encodeBase64(keys.publicKey),
    keyBackup: identity.keyBackup,
    ...(setup === null ? {} : { recovery: setup.recovery }),
    device: newDevice(identity),
  };
  const response = await request(url(), 'POST', '/api/auth/register', { body });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return {
    username,
    authSecret: body.authSecret,
    identity,
    account,
    session: sessionResponse.parse(response.body),
    recoveryKey: setup?.recoveryKey ?? null,
  };
}

function secretsOf(recoveryKey: string) {
  const secrets = recoverySecrets(nacl, recoveryKey);
  assert.ok(secrets.ok);
  return secrets.value;
}

const fetchCopy = (username: string, recoveryAuthSecret: string) =>
  request(url(), 'POST', '/api/auth/recovery/key-backup', {
    body: { username, recoveryAuthSecret },
  });

const loginWith = (person: Person, authSecret: string) =>
  request(url(), 'POST', '/api/auth/login', {
    body: { username: person.username, authSecret, device: newDevice(person.identity) },
  });

describe('recovery key', () => {
  it('restores an account whose password is forgotten: a new password, a new device, and the old sessions end', async () => {
    const alice = await registerPerson(true);
    const status = await request(url(), 'GET', '/api/auth/recovery', {
      token: alice.session.accessToken,
    });
    assert.deepEqual(recoveryStatus.parse(status.body), { enabled: true });

    // With the recovery key alone: the recovery copy, which opens to the account's secrets.
    const secrets = secretsOf(alice.recoveryKey as string);
    const fetched = await fetchCopy(alice.username.toUpperCase(), secrets.authSecret);
    assert.equal(fetched.status, 200, JSON.stringify(fetched.body));
    const copy = keyBackupResponse.parse(fetched.body);
    const recovered = await recoverAccount(
      nacl,
      alice.username,
      secrets.backupKey,
      copy,
      'a new password',
      TEST_COST,
    );
    assert.ok(recovered.ok);
    assert.deepEqual(recovered.value.device.identitySeed, alice.account.identitySeed);

    const answer = await request(url(), 'POST', '/api/auth/recover', {
      body: {
        username: alice.username,
        recoveryAuthSecret: secrets.authSecret,
        newAuthSecret: recovered.value.newAuthSecret,
        keyBackup: recovered.value.keyBackup,
        device: { name: 'new phone', ...recovered.value.device.publicKeys },
      },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const session = sessionResponse.parse(answer.body);
    assert.equal(session.user.id, alice.session.user.id);
    assert.notEqual(session.device.id, alice.session.device.id);

    // The old password no longer works, the new one does, and the key backup is the new one.
    assertError(await loginWith(alice, alice.authSecret), 401, 'INVALID_CREDENTIALS');
    assert.equal((await loginWith(alice, recovered.value.newAuthSecret)).status, 200);
    const backup = await request(url(), 'POST', '/api/auth/key-backup', {
      body: { username: alice.username, authSecret: recovered.value.newAuthSecret },
    });
    assert.equal(keyBackupResponse.parse(backup.body).keyBackup, recovered.value.keyBackup);
    // Whoever held the old session (the person who forgot, or a thief) must log in again.
    assertError(
      await request(url(), 'POST', '/api/auth/refresh', {
        body: { refreshToken: alice.session.refreshToken },
      }),
      401,
      'REFRESH_TOKEN_INVALID',
    );
    // The recovery key keeps working: it seals the same secrets, which did not change.
    assert.equal((await fetchCopy(alice.username, secrets.authSecret)).status, 200);
  });

  it('can be made later with the current password, and a new one replaces the old', async () => {
    const bob = await registerPerson(false);
    const token = bob.session.accessToken;
    const status = await request(url(), 'GET', '/api/auth/recovery', { token });
    assert.deepEqual(recoveryStatus.parse(status.body), { enabled: false });
    const first = recoverySetup(nacl, bob.account);
    assertError(
      await fetchCopy(bob.username, secretsOf(first.recoveryKey).authSecret),
      401,
      'INVALID_CREDENTIALS',
    );

    // A stolen access token alone cannot plant a recovery key: the password is asked.
    assertError(
      await request(url(), 'PUT', '/api/auth/recovery', {
        token,
        body: { authSecret: randomSecret(), recovery: first.recovery },
      }),
      401,
      'INVALID_CREDENTIALS',
    );
    const set = await request(url(), 'PUT', '/api/auth/recovery', {
      token,
      body: { authSecret: bob.authSecret, recovery: first.recovery },
    });
    assert.equal(set.status, 204, JSON.stringify(set.body));
    assert.equal(
      (await fetchCopy(bob.username, secretsOf(first.recoveryKey).authSecret)).status,
      200,
    );

    const second = recoverySetup(nacl, bob.account);
    const replaced = await request(url(), 'PUT', '/api/auth/recovery', {
      token,
      body: { authSecret: bob.authSecret, recovery: second.recovery },
    });
    assert.equal(replaced.status, 204);
    assertError(
      await fetchCopy(bob.username, secretsOf(first.recoveryKey).authSecret),
      401,
      'INVALID_CREDENTIALS',
    );
    assert.equal(
      (await fetchCopy(bob.username, secretsOf(second.recoveryKey).authSecret)).status,
      200,
    );
  });

  it('answers a wrong key, an unknown name and an account without a key alike, and changes nothing on a bad device', async () => {
    const carol = await registerPerson(true);
    const wrong = recoverySetup(nacl, carol.account).recovery.authSecret;
    assertError(await fetchCopy(carol.username, wrong), 401, 'INVALID_CREDENTIALS');
    assertError(await fetchCopy(uniqueUsername('nobody'), wrong), 401, 'INVALID_CREDENTIALS');

    const secrets = secretsOf(carol.recoveryKey as string);
    const stranger = await registerPerson(false);
    const recover = (device: unknown, recoveryAuthSecret = secrets.authSecret) =>
      request(url(), 'POST', '/api/auth/recover', {
        body: {
          username: carol.username,
          recoveryAuthSecret,
          newAuthSecret: randomSecret(),
          keyBackup: carol.identity.keyBackup,
          device,
        },
      });
    // A device certified by another identity key: refused, and the password is unchanged.
    assertError(await recover(newDevice(stranger.identity)), 400, 'INVALID_CERTIFICATE');
    assertError(await recover(newDevice(carol.identity), wrong), 401, 'INVALID_CREDENTIALS');
    assert.equal((await loginWith(carol, carol.authSecret)).status, 200);
  });

  it('refuses malformed requests with VALIDATION_FAILED and unauthenticated ones with 401', async () => {
    const dave = await registerPerson(true);
    const setup = recoverySetup(nacl, dave.account);
    const valid = {
      username: dave.username,
      recoveryAuthSecret: randomSecret(),
      newAuthSecret: randomSecret(),
      keyBackup: dave.identity.keyBackup,
      device: newDevice(dave.identity),
    };
    const cases: [string, string, string, unknown][] = [
      ['POST', '/api/auth/recovery/key-backup', 'no secret', { username: dave.username }],
      [
        'POST',
        '/api/auth/recovery/key-backup',
        'a short secret',
        { username: dave.username, recoveryAuthSecret: 'AAAA' },
      ],
      [
        'POST',
        '/api/auth/recovery/key-backup',
        'a bad name',
        { username: 'no spaces allowed', recoveryAuthSecret: randomSecret() },
      ],
      ['POST', '/api/auth/recover', 'an unknown field', { ...valid, password: 'plain' }],
      ['POST', '/api/auth/recover', 'no device', { ...valid, device: undefined }],
      ['POST', '/api/auth/recover', 'an empty backup', { ...valid, keyBackup: '' }],
      [
        'POST',
        '/api/auth/recover',
        'a backup over 256 bytes',
        { ...valid, keyBackup: Buffer.alloc(257, 1).toString('base64') },
      ],
      [
        'POST',
        '/api/auth/register',
        'a recovery without its backup',
        { ...valid, recovery: { authSecret: randomSecret() } },
      ],
    ];
    for (const [method, path, name, body] of cases) {
      assertError(await request(url(), method, path, { body }), 400, 'VALIDATION_FAILED');
      assert.ok(name);
    }
    const token = dave.session.accessToken;
    assertError(
      await request(url(), 'PUT', '/api/auth/recovery', {
        token,
        body: { authSecret: dave.authSecret, recovery: { ...setup.recovery, extra: 1 } },
      }),
      400,
      'VALIDATION_FAILED',
    );
    assertError(
      await request(url(), 'PUT', '/api/auth/recovery', {
        token,
        body: { authSecret: dave.authSecret },
      }),
      400,
      'VALIDATION_FAILED',
    );
    assertError(await request(url(), 'GET', '/api/auth/recovery'), 401, 'UNAUTHENTICATED');
    assertError(
      await request(url(), 'PUT', '/api/auth/recovery', {
        body: { authSecret: dave.authSecret, recovery: setup.recovery },
      }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('counts wrong recovery keys against the same sign-in budget as wrong passwords', async () => {
    const erin = await registerPerson(true);
    const guess = () => fetchCopy(erin.username, randomSecret());
    for (let failure = 0; failure < 3; failure++) {
      assertError(await guess(), 401, 'INVALID_CREDENTIALS');
    }
    // The fourth try from this address must wait: also with the right key, also at login.
    const refused = await guess();
    assertError(refused, 429, 'RATE_LIMITED');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const right = await fetchCopy(erin.username, secretsOf(erin.recoveryKey as string).authSecret);
    assertError(right, 429, 'RATE_LIMITED');
    assertError(await loginWith(erin, randomSecret()), 429, 'RATE_LIMITED');
  });
});

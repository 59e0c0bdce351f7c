import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  type AccountSecrets,
  createDeviceCertificate,
  deriveAccountSecrets,
  type E2eResult,
  identityKeyPair,
  newDeviceKeys,
  openArchiveEntry,
  openKeyBackup,
  openMessage,
  passwordSalt,
  sealArchiveEntry,
  sealKeyBackup,
  sealMessage,
  trustedDevices,
} from '@anochat/protocol';
import { PASSWORD_ARGON2ID } from '@anochat/schemas/e2e/limits';
import {
  bitFlips,
  createUser,
  loadSyncProviders,
  membershipView,
  newConversation,
  onlyDevice,
} from '@anochat/test-support/e2e-world';
import type { SyncNacl } from '../js/nacl.ts';

let providers: { wasm: SyncNacl; tweetnacl: SyncNacl };
before(async () => {
  providers = await loadSyncProviders();
});

function codeOf<T>(result: E2eResult<T>): string {
  return result.ok ? 'ok' : result.error.code;
}

/** Cheap Argon2id for tests that are about the backup, not about the cost. */
const TEST_COST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };

describe('password derivation', () => {
  it('the tweetnacl fallback (@noble/hashes Argon2id) equals libsodium in WebAssembly, at the production cost', async () => {
    const fromWasm = await deriveAccountSecrets(providers.wasm, 'Alice', 'correct horse battery');
    const fromFallback = await deriveAccountSecrets(
      providers.tweetnacl,
      'Alice',
      'correct horse battery',
    );
    assert.deepEqual(fromFallback, fromWasm);
    assert.deepEqual(PASSWORD_ARGON2ID, { opsLimit: 3, memLimitBytes: 64 * 1024 * 1024 });
  });

  it('the fallback equals libsodium for other passwords, names and costs', async () => {
    const cases = [
      { username: 'bob', password: 'x', cost: TEST_COST },
      {
        username: 'carol.b-c_d',
        password: 'pässwörd with ünïcode 🔑',
        cost: { opsLimit: 2, memLimitBytes: 16 * 1024 * 1024 },
      },
    ];
    for (const { username, password, cost } of cases) {
      const fromWasm = await deriveAccountSecrets(providers.wasm, username, password, cost);
      const fromFallback = await deriveAccountSecrets(
        providers.tweetnacl,
        username,
        password,
        cost,
      );
      assert.deepEqual(fromFallback, fromWasm, username);
    }
  });

  it('two distinct 32-byte secrets; the salt ignores the case of the username; the password does not', async () => {
    const nacl = providers.wasm;
    const secrets = await deriveAccountSecrets(nacl, 'Alice', 'hunter2', TEST_COST);
    assert.equal(secrets.authSecret.length, 32);
    assert.equal(secrets.backupKey.length, 32);
    assert.notDeepEqual(secrets.authSecret, secrets.backupKey);
    assert.deepEqual(passwordSalt(nacl, 'ALICE'), passwordSalt(nacl, 'alice'));
    assert.notDeepEqual(passwordSalt(nacl, 'alice'), passwordSalt(nacl, 'alicia'));
    assert.deepEqual(await deriveAccountSecrets(nacl, 'alice', 'hunter2', TEST_COST), secrets);
    const otherPassword = await deriveAccountSecrets(nacl, 'alice', 'Hunter2', TEST_COST);
    assert.notDeepEqual(otherPassword.authSecret, secrets.authSecret);
    assert.notDeepEqual(otherPassword.backupKey, secrets.backupKey);
    const otherUser = await deriveAccountSecrets(nacl, 'bob', 'hunter2', TEST_COST);
    assert.notDeepEqual(otherUser.authSecret, secrets.authSecret);
  });

  it('refuses an empty password and an invalid username with INVALID_INPUT', async () => {
    for (const [username, password] of [
      ['alice', ''],
      ['a', 'secret'],
      ['alice smith', 'secret'],
    ] as const) {
      await assert.rejects(deriveAccountSecrets(providers.wasm, username, password, TEST_COST), {
        name: 'E2eError',
        code: 'INVALID_INPUT',
      });
    }
  });
});

for (const name of ['wasm', 'tweetnacl'] as const) {
  describe(`key backup and archive (${name})`, () => {
    it('a new device restores from the backup with the password only and reads the whole history', async () => {
      const nacl = providers[name];
      // Alice's first device: account keys, backup on the server, a conversation with Bob.
      const alice = createUser(nacl, 'alice');
      const bob = createUser(nacl, 'bob');
      const secrets = await deriveAccountSecrets(nacl, 'alice', 'a long passphrase', TEST_COST);
      const serverBackup = sealKeyBackup(nacl, secrets.backupKey, {
        identitySeed: alice.identitySeed,
        archiveKey: alice.archiveKey,
      });
      const conversation = newConversation(nacl);
      const serverArchive = [
        {
          conversationId: conversation.conversationId,
          epoch: 0,
          sealedKey: sealArchiveEntry(nacl, alice.archiveKey, conversation),
        },
      ];
      const history = ['first', 'second', 'third'].map((text) => {
        const id = randomUUID();
        const bytes = sealMessage(
          nacl,
          { id, conversationKey: conversation, payload: { type: 'text', text } },
          onlyDevice(bob),
        );
        return { id, bytes, senderDeviceId: onlyDevice(bob).deviceId };
      });

      // A new phone knows only the username and the password; every other device is offline.
      const derived: AccountSecrets = await deriveAccountSecrets(
        nacl,
        'Alice',
        'a long passphrase',
        TEST_COST,
      );
      const restored = openKeyBackup(nacl, derived.backupKey, serverBackup);
      assert.ok(restored.ok, codeOf(restored));
      const identity = identityKeyPair(nacl, restored.value.identitySeed);
      assert.deepEqual(identity.publicKey, alice.identity.identityPublicKey);

      // It certifies itself, and Bob's client trusts it.
      const phoneKeys = newDeviceKeys(nacl);
      const phoneId = randomUUID();
      const certificate = createDeviceCertificate(nacl, identity.secretKey, {
        username: 'alice',
        boxPublicKey: phoneKeys.box.publicKey,
        signPublicKey: phoneKeys.sign.publicKey,
        createdAt: Date.now(),
      });
      const phone = {
        id: phoneId,
        userId: alice.identity.userId,
        boxPublicKey: phoneKeys.box.publicKey,
        signPublicKey: phoneKeys.sign.publicKey,
        certificate,
        revocation: null,
      };
      const trusted = trustedDevices(nacl, alice.identity, [...alice.published, phone]);
      assert.ok(trusted.some((device) => device.id === phoneId));

      // It opens the archive, then every message of the history.
      const keys = new Map<number, Uint8Array>();
      for (const entry of serverArchive) {
        const opened = openArchiveEntry(nacl, restored.value.archiveKey, entry.sealedKey, entry);
        assert.ok(opened.ok, codeOf(opened));
        keys.set(opened.value.epoch, opened.value.key);
      }
      const view = membershipView(nacl, [alice, bob], [alice, bob]);
      const read = history.map(({ id, bytes, senderDeviceId }) => {
        const row = { id, conversationId: conversation.conversationId, senderDeviceId };
        const opened = openMessage(nacl, bytes, row, keys, view);
        assert.ok(opened.ok, codeOf(opened));
        return opened.value.payload.type === 'text' ? opened.value.payload.text : '';
      });
      assert.deepEqual(read, ['first', 'second', 'third']);
    });

    it('a wrong password gets WRONG_PASSWORD; a tampered backup is refused too', async () => {
      const nacl = providers[name];
      const right = await deriveAccountSecrets(nacl, 'alice', 'right password', TEST_COST);
      const wrong = await deriveAccountSecrets(nacl, 'alice', 'wrong password', TEST_COST);
      const contents = { identitySeed: nacl.randomBytes(32), archiveKey: nacl.randomBytes(32) };
      const backup = sealKeyBackup(nacl, right.backupKey, contents);
      assert.equal(backup.length, 105);
      const refused = openKeyBackup(nacl, wrong.backupKey, backup);
      assert.equal(codeOf(refused), 'WRONG_PASSWORD');
      assert.equal(
        refused.ok ? '' : refused.error.message,
        'the password does not open this key backup',
      );
      // The auth secret (what the server knows) does not open it either.
      assert.equal(codeOf(openKeyBackup(nacl, right.authSecret, backup)), 'WRONG_PASSWORD');
      for (const flipped of bitFlips(backup, 1)) {
        assert.equal(codeOf(openKeyBackup(nacl, right.backupKey, flipped)), 'WRONG_PASSWORD');
      }
      assert.equal(
        codeOf(openKeyBackup(nacl, right.backupKey, backup.subarray(0, 104))),
        'MALFORMED',
      );
      const future = backup.slice();
      future[0] = 2;
      assert.equal(codeOf(openKeyBackup(nacl, right.backupKey, future)), 'UNSUPPORTED_VERSION');
      assert.deepEqual(openKeyBackup(nacl, right.backupKey, backup), { ok: true, value: contents });
    });

    it('a password change re-encrypts only the backup: the archive opens as before, the old password no longer does', async () => {
      const nacl = providers[name];
      const before = await deriveAccountSecrets(nacl, 'alice', 'old password', TEST_COST);
      const after = await deriveAccountSecrets(nacl, 'alice', 'new password', TEST_COST);
      const contents = { identitySeed: nacl.randomBytes(32), archiveKey: nacl.randomBytes(32) };
      const conversation = newConversation(nacl, 5);
      const entry = sealArchiveEntry(nacl, contents.archiveKey, conversation);
      const oldBackup = sealKeyBackup(nacl, before.backupKey, contents);
      const opened = openKeyBackup(nacl, before.backupKey, oldBackup);
      assert.ok(opened.ok);
      const newBackup = sealKeyBackup(nacl, after.backupKey, opened.value);
      assert.notDeepEqual(after.authSecret, before.authSecret);
      assert.equal(codeOf(openKeyBackup(nacl, before.backupKey, newBackup)), 'WRONG_PASSWORD');
      const restored = openKeyBackup(nacl, after.backupKey, newBackup);
      assert.ok(restored.ok);
      const key = openArchiveEntry(nacl, restored.value.archiveKey, entry, conversation);
      assert.ok(key.ok);
      assert.deepEqual(key.value.key, conversation.key);
    });

    it('an archive entry relabelled by the server (other conversation or epoch) is refused', () => {
      const nacl = providers[name];
      const archiveKey = nacl.randomBytes(32);
      const conversation = newConversation(nacl, 2);
      const entry = sealArchiveEntry(nacl, archiveKey, conversation);
      assert.equal(entry.length, 93);
      const elsewhere = { conversationId: randomUUID(), epoch: 2 };
      assert.equal(
        codeOf(openArchiveEntry(nacl, archiveKey, entry, elsewhere)),
        'WRONG_CONVERSATION',
      );
      const otherEpoch = { conversationId: conversation.conversationId, epoch: 1 };
      assert.equal(codeOf(openArchiveEntry(nacl, archiveKey, entry, otherEpoch)), 'WRONG_EPOCH');
      assert.equal(
        codeOf(openArchiveEntry(nacl, nacl.randomBytes(32), entry, conversation)),
        'DECRYPT_FAILED',
      );
    });
  });
}

describe('key backup: WebAssembly and tweetnacl interoperate', () => {
  it('a backup and an archive entry sealed by one provider open with the other', () => {
    for (const [from, to] of [
      ['wasm', 'tweetnacl'],
      ['tweetnacl', 'wasm'],
    ] as const) {
      const backupKey = providers[from].randomBytes(32);
      const contents = {
        identitySeed: providers[from].randomBytes(32),
        archiveKey: providers[from].randomBytes(32),
      };
      const backup = sealKeyBackup(providers[from], backupKey, contents);
      assert.deepEqual(openKeyBackup(providers[to], backupKey, backup), {
        ok: true,
        value: contents,
      });
      const conversation = newConversation(providers[from]);
      const entry = sealArchiveEntry(providers[from], contents.archiveKey, conversation);
      assert.deepEqual(openArchiveEntry(providers[to], contents.archiveKey, entry, conversation), {
        ok: true,
        value: conversation,
      });
    }
  });
});

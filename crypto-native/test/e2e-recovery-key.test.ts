import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  decodeBase64,
  deriveAccountSecrets,
  deriveRecoverySecrets,
  type E2eResult,
  encodeBase64,
  formatRecoveryKey,
  identityKeyPair,
  newAccountKeys,
  newRecoveryKey,
  openKeyBackup,
  parseRecoveryKey,
} from '@anochat/protocol';
import { recoverAccount, recoverySecrets, recoverySetup } from '@anochat/protocol/client';
import { bitFlips, loadSyncProviders } from '@anochat/test-support/e2e-world';
import type { SyncNacl } from '../js/nacl.ts';

let providers: { wasm: SyncNacl; tweetnacl: SyncNacl };
before(async () => {
  providers = await loadSyncProviders();
});

function codeOf<T>(result: E2eResult<T>): string {
  return result.ok ? 'ok' : result.error.code;
}

/** Cheap Argon2id for the new password: these tests are about the recovery key. */
const TEST_COST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };

for (const name of ['wasm', 'tweetnacl'] as const) {
  describe(`recovery key (${name})`, () => {
    it('is 128 random bits printed as eight groups of four readable characters', () => {
      const nacl = providers[name];
      const { key, text } = newRecoveryKey(nacl);
      assert.equal(key.length, 16);
      assert.match(text, /^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
      assert.notEqual(newRecoveryKey(nacl).text, text);
      const parsed = parseRecoveryKey(nacl, text);
      assert.ok(parsed.ok);
      assert.deepEqual(parsed.value, key);
    });

    it('reads it as people type it: any case, spaces or no dashes, O for 0 and I or L for 1', () => {
      const nacl = providers[name];
      const key = new Uint8Array(16).fill(0);
      key[15] = 1;
      const text = formatRecoveryKey(nacl, key);
      assert.ok(text.startsWith('0000-0000'));
      const typed = ` ${text.toLowerCase().replaceAll('-', ' ').replaceAll('0', 'o')} `;
      assert.deepEqual(parseRecoveryKey(nacl, typed), { ok: true, value: key });
      const withOne = formatRecoveryKey(nacl, new Uint8Array(16).fill(0x08));
      assert.ok(withOne.includes('1'), withOne);
      assert.equal(codeOf(parseRecoveryKey(nacl, withOne.replaceAll('1', 'l'))), 'ok');
      assert.equal(codeOf(parseRecoveryKey(nacl, withOne.replaceAll('1', 'I'))), 'ok');
    });

    it('tells a typo, a missing character or a foreign one before anything is derived or sent', () => {
      const nacl = providers[name];
      const { text } = newRecoveryKey(nacl);
      const characters = [...text.replaceAll('-', '')];
      // Every single-character change at every position fails the checksum.
      for (let at = 0; at < characters.length; at++) {
        const changed = [...characters];
        changed[at] = changed[at] === 'Z' ? 'Y' : 'Z';
        assert.equal(codeOf(parseRecoveryKey(nacl, changed.join(''))), 'INVALID_RECOVERY_KEY');
      }
      assert.equal(codeOf(parseRecoveryKey(nacl, text.slice(0, -1))), 'INVALID_RECOVERY_KEY');
      assert.equal(codeOf(parseRecoveryKey(nacl, `${text}7`)), 'INVALID_RECOVERY_KEY');
      assert.equal(codeOf(parseRecoveryKey(nacl, `U${text.slice(1)}`)), 'INVALID_RECOVERY_KEY');
      assert.equal(
        codeOf(
          recoverySecrets(
            nacl,
            text.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
          ),
        ),
        'INVALID_RECOVERY_KEY',
      );
    });

    it('derives an auth secret and a backup key that differ from each other and from any password’s', async () => {
      const nacl = providers[name];
      const { key } = newRecoveryKey(nacl);
      const secrets = deriveRecoverySecrets(nacl, key);
      assert.equal(secrets.authSecret.length, 32);
      assert.notDeepEqual(secrets.authSecret, secrets.backupKey);
      assert.deepEqual(deriveRecoverySecrets(nacl, key), secrets);
      const fromPassword = await deriveAccountSecrets(nacl, 'alice', 'a password', TEST_COST);
      assert.notDeepEqual(fromPassword.backupKey, secrets.backupKey);
    });

    it('restores the account from its recovery copy and seals it again under a new password', async () => {
      const nacl = providers[name];
      const account = newAccountKeys(nacl);
      const identityPublicKey = encodeBase64(identityKeyPair(nacl, account.identitySeed).publicKey);
      const { recoveryKey, recovery } = recoverySetup(nacl, account);
      const stored = { identityPublicKey, keyBackup: recovery.keyBackup };

      const typed = recoverySecrets(nacl, recoveryKey);
      assert.ok(typed.ok);
      assert.equal(typed.value.authSecret, recovery.authSecret);
      const recovered = await recoverAccount(
        nacl,
        'alice',
        typed.value.backupKey,
        stored,
        'a new password',
        TEST_COST,
      );
      assert.ok(recovered.ok, codeOf(recovered));
      assert.deepEqual(recovered.value.device.identitySeed, account.identitySeed);
      assert.deepEqual(recovered.value.device.archiveKey, account.archiveKey);
      // The new password opens the new backup; the server gets only its auth secret.
      const next = await deriveAccountSecrets(nacl, 'alice', 'a new password', TEST_COST);
      assert.equal(recovered.value.newAuthSecret, encodeBase64(next.authSecret));
      const reopened = openKeyBackup(
        nacl,
        next.backupKey,
        decodeBase64(recovered.value.keyBackup) as Uint8Array,
      );
      assert.ok(reopened.ok);
      assert.deepEqual(reopened.value.identitySeed, account.identitySeed);
    });

    it('refuses another recovery key, a tampered copy and a copy of another account', async () => {
      const nacl = providers[name];
      const account = newAccountKeys(nacl);
      const identityPublicKey = encodeBase64(identityKeyPair(nacl, account.identitySeed).publicKey);
      const { recovery } = recoverySetup(nacl, account);
      const stored = { identityPublicKey, keyBackup: recovery.keyBackup };
      const recover = (backupKey: Uint8Array, copy = stored) =>
        recoverAccount(nacl, 'alice', backupKey, copy, 'new password', TEST_COST);

      const other = recoverySecrets(nacl, newRecoveryKey(nacl).text);
      assert.ok(other.ok);
      assert.equal(codeOf(await recover(other.value.backupKey)), 'WRONG_RECOVERY_KEY');

      const right = recoverySetup(nacl, account);
      const rightKey = recoverySecrets(nacl, right.recoveryKey);
      assert.ok(rightKey.ok);
      const sealed = decodeBase64(right.recovery.keyBackup) as Uint8Array;
      for (const flipped of bitFlips(sealed, 1)) {
        const copy = { identityPublicKey, keyBackup: encodeBase64(flipped) };
        assert.equal(codeOf(await recover(rightKey.value.backupKey, copy)), 'WRONG_RECOVERY_KEY');
      }
      const truncated = { identityPublicKey, keyBackup: encodeBase64(sealed.slice(0, -1)) };
      assert.equal(codeOf(await recover(rightKey.value.backupKey, truncated)), 'MALFORMED');
      // The server hands the copy out with another account's identity key: refused.
      const stranger = newAccountKeys(nacl);
      const swapped = {
        identityPublicKey: encodeBase64(identityKeyPair(nacl, stranger.identitySeed).publicKey),
        keyBackup: right.recovery.keyBackup,
      };
      assert.equal(codeOf(await recover(rightKey.value.backupKey, swapped)), 'MALFORMED');
    });
  });
}

import type { SyncNacl } from '@anochat/crypto-native';
import { type KeyBackupContents, openKeyBackup } from './backup.ts';
import { bytesEqual, concatBytes, requireLength, utf8 } from './bytes.ts';
import { CONTEXT } from './canonical.ts';
import { type E2eResult, fail, ok } from './result.ts';

/**
 * The recovery key: 128 random bits a person keeps on paper, which open a second copy of the key
 * backup when the password is forgotten (docs/crypto.md, "Recovery key"). It is shown as 32
 * characters of Crockford's base32 (no I, L, O or U) in eight groups of four: the 16 key bytes and
 * a 4-byte checksum, so a mistyped key is told apart before anything is sent. Nothing is stretched:
 * the key has full entropy, so the server learns nothing it could guess from.
 */

export const RECOVERY_KEY_BYTES = 16;
const CHECK_BYTES = 4;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** (16 + 4) bytes = 160 bits = 32 characters of 5 bits. */
const CHARACTERS = ((RECOVERY_KEY_BYTES + CHECK_BYTES) * 8) / 5;

/** The secrets a recovery key derives: as the password's, one for the server and one that stays. */
export interface RecoverySecrets {
  /** The server stores Argon2id of it, and checks it before it hands out the recovery copy. */
  authSecret: Uint8Array;
  /** Seals the recovery copy of the key backup; never leaves the device. */
  backupKey: Uint8Array;
}

function checksum(nacl: SyncNacl, key: Uint8Array): Uint8Array {
  return nacl.generichash(32, concatBytes(utf8(CONTEXT.recoveryCheck), key)).slice(0, CHECK_BYTES);
}

/** The printed form: `XXXX-XXXX-...` (eight groups of four). */
export function formatRecoveryKey(nacl: SyncNacl, key: Uint8Array): string {
  requireLength(key, RECOVERY_KEY_BYTES, 'recovery key');
  const bytes = concatBytes(key, checksum(nacl, key));
  let text = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return (text.match(/.{4}/g) ?? []).join('-');
}

/** A fresh recovery key: its bytes and its printed form. */
export function newRecoveryKey(nacl: SyncNacl): { key: Uint8Array; text: string } {
  const key = nacl.randomBytes(RECOVERY_KEY_BYTES).slice();
  return { key, text: formatRecoveryKey(nacl, key) };
}

/**
 * The key a person typed, or INVALID_RECOVERY_KEY: any case, spaces and dashes anywhere, and the
 * letters people confuse with digits (O for 0, I and L for 1) read as Crockford's base32 reads them.
 */
export function parseRecoveryKey(nacl: SyncNacl, typed: string): E2eResult<Uint8Array> {
  if (typeof typed !== 'string') return fail('INVALID_RECOVERY_KEY', 'not text');
  const text = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (text.length !== CHARACTERS) {
    return fail('INVALID_RECOVERY_KEY', `a recovery key has ${CHARACTERS} characters`);
  }
  const bytes = new Uint8Array(RECOVERY_KEY_BYTES + CHECK_BYTES);
  let buffer = 0;
  let bits = 0;
  let at = 0;
  for (const character of text) {
    const value = ALPHABET.indexOf(character);
    if (value < 0) return fail('INVALID_RECOVERY_KEY', `"${character}" is not in a recovery key`);
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (buffer >> bits) & 255;
    }
    buffer &= (1 << bits) - 1;
  }
  const key = bytes.slice(0, RECOVERY_KEY_BYTES);
  if (!bytesEqual(bytes.subarray(RECOVERY_KEY_BYTES), checksum(nacl, key))) {
    return fail('INVALID_RECOVERY_KEY', 'a character is wrong: the checksum does not match');
  }
  return ok(key);
}

/** Keyed BLAKE2b of the key, one context per secret: knowing the server's reveals nothing else. */
export function deriveRecoverySecrets(nacl: SyncNacl, key: Uint8Array): RecoverySecrets {
  requireLength(key, RECOVERY_KEY_BYTES, 'recovery key');
  return {
    authSecret: nacl.generichash(32, utf8(CONTEXT.recoveryAuthSecret), key).slice(),
    backupKey: nacl.generichash(32, utf8(CONTEXT.recoveryBackupKey), key).slice(),
  };
}

/** As `openKeyBackup`, for the recovery copy: WRONG_RECOVERY_KEY when this key did not seal it. */
export function openRecoveryBackup(
  nacl: SyncNacl,
  backupKey: Uint8Array,
  backup: Uint8Array,
): E2eResult<KeyBackupContents> {
  const opened = openKeyBackup(nacl, backupKey, backup);
  if (!opened.ok && opened.error.code === 'WRONG_PASSWORD') {
    return fail('WRONG_RECOVERY_KEY', 'the recovery key does not open this backup');
  }
  return opened;
}

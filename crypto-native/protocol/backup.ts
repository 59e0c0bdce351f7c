import type { SyncNacl } from '@anochat/crypto-native';
import { E2E_FORMAT_VERSION, MAX_EPOCH } from '@anochat/schemas/e2e/limits';
import {
  bytesEqual,
  bytesToUuid,
  concatBytes,
  readU32,
  requireLength,
  u32,
  uuidToBytes,
} from './bytes.ts';
import type { ConversationKeyRef } from './conversation-keys.ts';
import { E2eError, type E2eResult, fail, ok } from './result.ts';

/**
 * The key backup and the key archive. The backup is small and fixed: the identity seed and the
 * archive key under the password's backup key, so a password change re-encrypts 105 bytes. The
 * archive holds every conversation key of the user, each under the archive key, so a new device
 * reads all history from the server without any other device being online.
 */

export interface KeyBackupContents {
  identitySeed: Uint8Array;
  archiveKey: Uint8Array;
}

const NONCE = 24;
const MAC = 16;
const KEY = 32;
const HEADER = 1 + NONCE;
/** Inside an archive entry: conversation id (16) | epoch (4) | key (32). */
const ARCHIVED_KEY_BYTES = 16 + 4 + KEY;

/** Random secrets of a new account: the identity seed and the archive key. */
export function newAccountKeys(nacl: SyncNacl): KeyBackupContents {
  return { identitySeed: nacl.randomBytes(32), archiveKey: nacl.randomBytes(KEY) };
}

function sealVersioned(nacl: SyncNacl, key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const nonce = nacl.randomBytes(NONCE);
  return concatBytes(
    new Uint8Array([E2E_FORMAT_VERSION]),
    nonce,
    nacl.secretbox(plaintext, nonce, key),
  );
}

/** The plaintext of a versioned secretbox, null when it does not authenticate, or a format failure. */
function openVersioned(
  nacl: SyncNacl,
  key: Uint8Array,
  sealed: Uint8Array,
  plaintextBytes: number,
): E2eResult<Uint8Array | null> {
  if (!(sealed instanceof Uint8Array) || sealed.length < 1) return fail('MALFORMED', 'empty');
  if (sealed[0] !== E2E_FORMAT_VERSION) return fail('UNSUPPORTED_VERSION', `version ${sealed[0]}`);
  if (sealed.length !== HEADER + MAC + plaintextBytes) return fail('MALFORMED', 'wrong length');
  return ok(nacl.secretboxOpen(sealed.subarray(HEADER), sealed.subarray(1, HEADER), key));
}

/** v (1) | nonce (24) | secretbox(backupKey, identity seed (32) | archive key (32)): 105 bytes. */
export function sealKeyBackup(
  nacl: SyncNacl,
  backupKey: Uint8Array,
  contents: KeyBackupContents,
): Uint8Array {
  requireLength(backupKey, KEY, 'backupKey');
  requireLength(contents.identitySeed, 32, 'identitySeed');
  requireLength(contents.archiveKey, KEY, 'archiveKey');
  return sealVersioned(nacl, backupKey, concatBytes(contents.identitySeed, contents.archiveKey));
}

/** WRONG_PASSWORD when the backup key (hence the password) is not the one that sealed it. */
export function openKeyBackup(
  nacl: SyncNacl,
  backupKey: Uint8Array,
  backup: Uint8Array,
): E2eResult<KeyBackupContents> {
  requireLength(backupKey, KEY, 'backupKey');
  const opened = openVersioned(nacl, backupKey, backup, 64);
  if (!opened.ok) return opened;
  if (opened.value === null) {
    return fail('WRONG_PASSWORD', 'the password does not open this key backup');
  }
  return ok({ identitySeed: opened.value.slice(0, 32), archiveKey: opened.value.slice(32, 64) });
}

/**
 * v (1) | nonce (24) | secretbox(archiveKey, conversation id | epoch | key): 93 bytes. The ids are
 * inside, so the server cannot relabel one conversation's key as another's.
 */
export function sealArchiveEntry(
  nacl: SyncNacl,
  archiveKey: Uint8Array,
  entry: ConversationKeyRef,
): Uint8Array {
  requireLength(archiveKey, KEY, 'archiveKey');
  requireLength(entry.key, KEY, 'key');
  if (!Number.isInteger(entry.epoch) || entry.epoch < 0 || entry.epoch > MAX_EPOCH) {
    throw new E2eError('INVALID_INPUT', 'epoch: must be an integer in 0..2^31-1');
  }
  const plaintext = concatBytes(
    uuidToBytes(entry.conversationId, 'conversationId'),
    u32(entry.epoch),
    entry.key,
  );
  return sealVersioned(nacl, archiveKey, plaintext);
}

export function openArchiveEntry(
  nacl: SyncNacl,
  archiveKey: Uint8Array,
  sealed: Uint8Array,
  expected: { conversationId: string; epoch: number },
): E2eResult<ConversationKeyRef> {
  requireLength(archiveKey, KEY, 'archiveKey');
  const opened = openVersioned(nacl, archiveKey, sealed, ARCHIVED_KEY_BYTES);
  if (!opened.ok) return opened;
  const plaintext = opened.value;
  if (plaintext === null)
    return fail('DECRYPT_FAILED', 'the archive entry does not open with this archive key');
  if (
    !bytesEqual(plaintext.subarray(0, 16), uuidToBytes(expected.conversationId, 'conversationId'))
  ) {
    return fail('WRONG_CONVERSATION', 'the archive entry holds the key of another conversation');
  }
  const epoch = readU32(plaintext, 16);
  if (epoch !== expected.epoch)
    return fail('WRONG_EPOCH', `the archive entry holds epoch ${epoch}`);
  return ok({ conversationId: bytesToUuid(plaintext), epoch, key: plaintext.slice(20) });
}

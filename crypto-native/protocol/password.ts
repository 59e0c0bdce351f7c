import { NaclError, requirePwhashLimits, type SyncNacl } from '@anochat/crypto-native';
import { PASSWORD_ARGON2ID } from '@anochat/schemas/e2e/limits';
import { concatBytes, utf8 } from './bytes.ts';
import { CONTEXT } from './canonical.ts';
import { canonicalUsername } from './identity.ts';
import { E2eError } from './result.ts';

/**
 * From the password, two independent secrets: `authSecret`, the only thing the server receives (it
 * stores Argon2id of it again), and `backupKey`, which never leaves the device and opens the key
 * backup. One Argon2id run, then keyed BLAKE2b with a distinct context per secret: knowing one
 * secret reveals nothing about the other, so the server cannot open the backup it stores.
 */

export interface AccountSecrets {
  authSecret: Uint8Array;
  backupKey: Uint8Array;
}

export interface Argon2idCost {
  opsLimit: number;
  memLimitBytes: number;
}

const MASTER_BYTES = 32;
const SALT_BYTES = 16;

/** First 16 bytes of BLAKE2b-256("anochat/v1/salt" || lower-case username): per user, no lookup. */
export function passwordSalt(nacl: SyncNacl, username: string): Uint8Array {
  const input = concatBytes(utf8(CONTEXT.passwordSalt), utf8(canonicalUsername(username)));
  return nacl.generichash(32, input).slice(0, SALT_BYTES);
}

/**
 * The cost must pass the Nacl interface's pwhash checks (crypto-limits.json, and a memory limit in
 * whole KiB) before either Argon2id runs: libsodium would round a remainder down and @noble/hashes
 * would refuse it, so without this the WebAssembly and tweetnacl clients would disagree.
 */
function requireCost(cost: Argon2idCost): void {
  try {
    requirePwhashLimits(cost?.opsLimit, cost?.memLimitBytes);
  } catch (error) {
    if (error instanceof NaclError) throw new E2eError('INVALID_INPUT', `cost: ${error.message}`);
    throw error;
  }
}

/**
 * Argon2id (version 0x13, one lane) with libsodium's crypto_pwhash parameters. Where the provider
 * has no Argon2id (tweetnacl), @noble/hashes computes the same function: the tests compare it with
 * the WebAssembly libsodium byte for byte. A provider with neither fails loudly rather than derive
 * a different key.
 */
async function argon2id(
  nacl: SyncNacl,
  password: Uint8Array,
  salt: Uint8Array,
  cost: Argon2idCost,
): Promise<Uint8Array> {
  if (nacl.supports.has('pwhashDerive')) {
    return nacl.pwhashDerive(MASTER_BYTES, password, salt, cost.opsLimit, cost.memLimitBytes);
  }
  try {
    // Loaded only here: the WebAssembly and native providers never need it.
    const { argon2idAsync } = await import('@noble/hashes/argon2.js');
    return await argon2idAsync(password, salt, {
      t: cost.opsLimit,
      m: cost.memLimitBytes / 1024,
      p: 1,
      dkLen: MASTER_BYTES,
      version: 0x13,
    });
  } catch (error) {
    throw new E2eError('ARGON2_UNAVAILABLE', `Argon2id fallback failed: ${String(error)}`);
  }
}

/** Derives both secrets; `cost` defaults to PASSWORD_ARGON2ID (ops 3, 64 MiB), lower only in tests. */
export async function deriveAccountSecrets(
  nacl: SyncNacl,
  username: string,
  password: string,
  cost: Argon2idCost = PASSWORD_ARGON2ID,
): Promise<AccountSecrets> {
  if (typeof password !== 'string' || password.length === 0) {
    throw new E2eError('INVALID_INPUT', 'password: must not be empty');
  }
  requireCost(cost);
  const master = await argon2id(
    nacl,
    utf8(password.normalize('NFC')),
    passwordSalt(nacl, username),
    cost,
  );
  try {
    return {
      authSecret: nacl.generichash(32, utf8(CONTEXT.authSecret), master),
      backupKey: nacl.generichash(32, utf8(CONTEXT.backupKey), master),
    };
  } finally {
    master.fill(0);
  }
}

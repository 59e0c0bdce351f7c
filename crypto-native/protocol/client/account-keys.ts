import type { SyncNacl } from '@anochat/crypto-native';
import { newAccountKeys, openKeyBackup, sealKeyBackup } from '../backup.ts';
import { decodeBase64, encodeBase64 } from '../base64.ts';
import {
  createDeviceRevocation,
  type DeviceKeys,
  identityKeyPair,
  type LocalDevice,
  newCertifiedDevice,
} from '../identity.ts';
import { type Argon2idCost, deriveAccountSecrets } from '../password.ts';
import {
  deriveRecoverySecrets,
  newRecoveryKey,
  openRecoveryBackup,
  parseRecoveryKey,
} from '../recovery-key.ts';
import { type E2eResult, fail } from '../result.ts';

/** What a signed-in device keeps: its key pairs and the account's secrets. */
export interface AccountKeys {
  device: LocalDevice;
  username: string;
  identitySeed: Uint8Array;
  archiveKey: Uint8Array;
}

/**
 * A device about to register or log in: its key pairs, the certificate by which the account's
 * identity key vouches for them, and the account secrets it will keep.
 */
export interface PendingDevice {
  keys: DeviceKeys;
  username: string;
  identitySeed: Uint8Array;
  archiveKey: Uint8Array;
  publicKeys: { boxPublicKey: string; signPublicKey: string; certificate: string };
}

/** WASM results may be views into a reused pool: keep copies of anything kept. */
const copy = (bytes: Uint8Array) => bytes.slice();

/** Fresh device keys certified by the identity key of this seed. */
export function pendingDevice(
  nacl: SyncNacl,
  username: string,
  identitySeed: Uint8Array,
  archiveKey: Uint8Array,
): PendingDevice {
  const identity = identityKeyPair(nacl, identitySeed);
  const { keys: fresh, certificate } = newCertifiedDevice(nacl, identity.secretKey, username);
  const keys: DeviceKeys = {
    box: { publicKey: copy(fresh.box.publicKey), secretKey: copy(fresh.box.secretKey) },
    sign: { publicKey: copy(fresh.sign.publicKey), secretKey: copy(fresh.sign.secretKey) },
  };
  return {
    keys,
    username,
    identitySeed,
    archiveKey,
    publicKeys: {
      boxPublicKey: encodeBase64(keys.box.publicKey),
      signPublicKey: encodeBase64(keys.sign.publicKey),
      certificate: encodeBase64(certificate),
    },
  };
}

/** A registered device's keys, once the server named it. */
export function adoptedDevice(
  pending: PendingDevice,
  ids: { userId: string; deviceId: string },
): AccountKeys {
  return {
    device: { ...pending.keys, ...ids },
    username: pending.username,
    identitySeed: pending.identitySeed,
    archiveKey: pending.archiveKey,
  };
}

/**
 * A new account: password -> auth secret (the server's) and backup key (this device's); fresh
 * identity seed and archive key sealed under the backup key; this device certified. `cost` is for
 * tests only (the default is the protocol's Argon2id cost).
 */
export async function newAccount(
  nacl: SyncNacl,
  username: string,
  password: string,
  cost?: Argon2idCost,
) {
  const secrets = await deriveAccountSecrets(nacl, username, password, cost);
  const contents = newAccountKeys(nacl);
  const accountKeys = {
    identitySeed: copy(contents.identitySeed),
    archiveKey: copy(contents.archiveKey),
  };
  const identity = identityKeyPair(nacl, accountKeys.identitySeed);
  return {
    authSecret: encodeBase64(secrets.authSecret),
    identityPublicKey: encodeBase64(identity.publicKey),
    keyBackup: encodeBase64(sealKeyBackup(nacl, secrets.backupKey, accountKeys)),
    device: pendingDevice(nacl, username, accountKeys.identitySeed, accountKeys.archiveKey),
  };
}

/** The auth secret (base64, for the server) and backup key a password derives. */
export async function passwordSecrets(
  nacl: SyncNacl,
  username: string,
  password: string,
  cost?: Argon2idCost,
): Promise<{ authSecret: string; backupKey: Uint8Array }> {
  const secrets = await deriveAccountSecrets(nacl, username, password, cost);
  return { authSecret: encodeBase64(secrets.authSecret), backupKey: secrets.backupKey };
}

/**
 * Logging in on a new device: only the password's backup key opens the key backup the server
 * handed over, restoring the identity key that then certifies this device. Fails with
 * WRONG_PASSWORD, or MALFORMED (not base64, not a backup, or a backup holding another identity key
 * than the server publishes: a swapped backup).
 */
export function restoreFromBackup(
  nacl: SyncNacl,
  username: string,
  backupKey: Uint8Array,
  stored: { identityPublicKey: string; keyBackup: string },
  open = openKeyBackup,
): E2eResult<PendingDevice> {
  const backup = decodeBase64(stored.keyBackup);
  if (backup === null) return fail('MALFORMED', 'the key backup is not base64');
  const opened = open(nacl, backupKey, backup);
  if (!opened.ok) return opened;
  const identity = identityKeyPair(nacl, opened.value.identitySeed);
  if (encodeBase64(identity.publicKey) !== stored.identityPublicKey) {
    return fail('MALFORMED', 'the backup holds another identity key');
  }
  return {
    ok: true,
    value: pendingDevice(
      nacl,
      username,
      copy(opened.value.identitySeed),
      copy(opened.value.archiveKey),
    ),
  };
}

/**
 * A password change: both passwords derive their secrets (the server checks the current one), and
 * the identity seed and archive key are sealed again under the new password's backup key. Nothing
 * else changes: no key, device or message depends on the password.
 */
export async function passwordChange(
  nacl: SyncNacl,
  account: AccountKeys,
  currentPassword: string,
  newPassword: string,
) {
  const current = await deriveAccountSecrets(nacl, account.username, currentPassword);
  const next = await deriveAccountSecrets(nacl, account.username, newPassword);
  return {
    authSecret: encodeBase64(current.authSecret),
    newAuthSecret: encodeBase64(next.authSecret),
    keyBackup: encodeBase64(
      sealKeyBackup(nacl, next.backupKey, {
        identitySeed: account.identitySeed,
        archiveKey: account.archiveKey,
      }),
    ),
  };
}

/**
 * The identity key's signed statement (base64) that the device with this signing key (base64) is
 * revoked from `revokedAt` (server time, ms: what it sent before then still opens for everyone).
 */
export function revocationFor(
  nacl: SyncNacl,
  account: AccountKeys,
  signPublicKey: string,
  revokedAt: number,
): string {
  const key = decodeBase64(signPublicKey);
  if (key === null) throw new Error('crypto: signPublicKey is not base64');
  const identity = identityKeyPair(nacl, account.identitySeed);
  return encodeBase64(
    createDeviceRevocation(nacl, identity.secretKey, {
      username: account.username,
      signPublicKey: key,
      revokedAt,
    }),
  );
}

/**
 * A new recovery key for the account: its printed form (shown once, never stored), and what the
 * server keeps: the auth secret it derives and a second copy of the key backup sealed under its
 * backup key (docs/crypto.md, "Recovery key").
 */
export function recoverySetup(
  nacl: SyncNacl,
  account: Pick<AccountKeys, 'identitySeed' | 'archiveKey'>,
): { recoveryKey: string; recovery: { authSecret: string; keyBackup: string } } {
  const { key, text } = newRecoveryKey(nacl);
  const secrets = deriveRecoverySecrets(nacl, key);
  key.fill(0);
  return {
    recoveryKey: text,
    recovery: {
      authSecret: encodeBase64(secrets.authSecret),
      keyBackup: encodeBase64(
        sealKeyBackup(nacl, secrets.backupKey, {
          identitySeed: account.identitySeed,
          archiveKey: account.archiveKey,
        }),
      ),
    },
  };
}

/** The recovery auth secret (base64, for the server) and backup key of a typed recovery key. */
export function recoverySecrets(
  nacl: SyncNacl,
  typed: string,
): E2eResult<{ authSecret: string; backupKey: Uint8Array }> {
  const parsed = parseRecoveryKey(nacl, typed);
  if (!parsed.ok) return parsed;
  const secrets = deriveRecoverySecrets(nacl, parsed.value);
  return {
    ok: true,
    value: { authSecret: encodeBase64(secrets.authSecret), backupKey: secrets.backupKey },
  };
}

/**
 * The password is forgotten: the recovery copy of the backup, opened with the recovery key's
 * backup key, restores the account secrets, which are sealed again under a new password. Fails
 * with WRONG_RECOVERY_KEY, or MALFORMED (as `restoreFromBackup`).
 */
export async function recoverAccount(
  nacl: SyncNacl,
  username: string,
  recoveryBackupKey: Uint8Array,
  stored: { identityPublicKey: string; keyBackup: string },
  newPassword: string,
  cost?: Argon2idCost,
): Promise<E2eResult<{ newAuthSecret: string; keyBackup: string; device: PendingDevice }>> {
  const restored = restoreFromBackup(nacl, username, recoveryBackupKey, stored, openRecoveryBackup);
  if (!restored.ok) return restored;
  const device = restored.value;
  const next = await deriveAccountSecrets(nacl, username, newPassword, cost);
  return {
    ok: true,
    value: {
      newAuthSecret: encodeBase64(next.authSecret),
      keyBackup: encodeBase64(
        sealKeyBackup(nacl, next.backupKey, {
          identitySeed: device.identitySeed,
          archiveKey: device.archiveKey,
        }),
      ),
      device,
    },
  };
}

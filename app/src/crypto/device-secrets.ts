import { decodeBase64, encodeBase64, type LocalDevice } from '@anochat/protocol';
import type { AppDatabase } from '../database/app-database.ts';
import type { SecretStore } from '../platform/platform.ts';

/**
 * This device's key pairs and the account's secrets (identity seed, archive key), kept in the
 * platform's secret store (the Keychain, the Android Keystore, Electron's safeStorage, IndexedDB
 * on the web): never replicated, never sent (the server holds them only inside the key backup,
 * sealed under the password's backup key).
 */
export interface DeviceSecrets {
  device: LocalDevice;
  username: string;
  identitySeed: Uint8Array;
  archiveKey: Uint8Array;
}

interface Stored {
  userId: string;
  deviceId: string;
  username: string;
  boxPublicKey: string;
  boxSecretKey: string;
  signPublicKey: string;
  signSecretKey: string;
  identitySeed: string;
  archiveKey: string;
}

/** The secret store's entry. */
const SECRET = 'device-secrets';
/** Where versions before the secret store kept them: the local database's local document. */
const LEGACY_DOC = 'device-secrets';

const STORED_FIELDS: readonly (keyof Stored)[] = [
  'userId',
  'deviceId',
  'username',
  'boxPublicKey',
  'boxSecretKey',
  'signPublicKey',
  'signSecretKey',
  'identitySeed',
  'archiveKey',
];

function parseStored(text: string): Stored {
  const value: unknown = JSON.parse(text);
  if (
    typeof value !== 'object' ||
    value === null ||
    STORED_FIELDS.some((field) => typeof (value as Record<string, unknown>)[field] !== 'string')
  ) {
    throw new Error('device secrets: corrupt entry in the secret store');
  }
  return value as Stored;
}

function bytes(text: string): Uint8Array {
  const decoded = decodeBase64(text);
  if (decoded === null) throw new Error('device secrets: corrupt base64');
  return decoded;
}

export async function saveDeviceSecrets(store: SecretStore, secrets: DeviceSecrets): Promise<void> {
  const { device } = secrets;
  const stored: Stored = {
    userId: device.userId,
    deviceId: device.deviceId,
    username: secrets.username,
    boxPublicKey: encodeBase64(device.box.publicKey),
    boxSecretKey: encodeBase64(device.box.secretKey),
    signPublicKey: encodeBase64(device.sign.publicKey),
    signSecretKey: encodeBase64(device.sign.secretKey),
    identitySeed: encodeBase64(secrets.identitySeed),
    archiveKey: encodeBase64(secrets.archiveKey),
  };
  await store.set(SECRET, JSON.stringify(stored));
}

/**
 * This device's secrets, or null on a device not signed in. An install from before the secret
 * store has them in the local database: they move to the store (written there first, then
 * removed from the database, so a crash in between loses nothing) and the person stays signed in.
 */
export async function loadDeviceSecrets(
  store: SecretStore,
  database: AppDatabase,
): Promise<DeviceSecrets | null> {
  const kept = await store.get(SECRET);
  if (kept !== null) return fromStored(parseStored(kept));
  const legacy = await database.getLocal<Stored>(LEGACY_DOC);
  if (legacy === null) return null;
  const stored = legacy.toJSON().data as Stored;
  await store.set(SECRET, JSON.stringify(stored));
  await legacy.remove();
  return fromStored(stored);
}

/** Signing out forgets them (the local database goes with them). */
export async function forgetDeviceSecrets(store: SecretStore): Promise<void> {
  await store.delete(SECRET);
}

function fromStored(stored: Stored): DeviceSecrets {
  return {
    username: stored.username,
    identitySeed: bytes(stored.identitySeed),
    archiveKey: bytes(stored.archiveKey),
    device: {
      userId: stored.userId,
      deviceId: stored.deviceId,
      box: { publicKey: bytes(stored.boxPublicKey), secretKey: bytes(stored.boxSecretKey) },
      sign: { publicKey: bytes(stored.signPublicKey), secretKey: bytes(stored.signSecretKey) },
    },
  };
}

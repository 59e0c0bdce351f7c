import { decodeBase64, encodeBase64, type LocalDevice } from '@anochat/crypto-native/e2e';
import type { AppDatabase } from '../database/app-database.ts';

/**
 * This device's key pairs and the account's secrets (identity seed, archive key), kept in the local
 * database only: never replicated, never sent (the server holds them only inside the key backup,
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

const DOC = 'device-secrets';

function bytes(text: string): Uint8Array {
  const decoded = decodeBase64(text);
  if (decoded === null) throw new Error('device secrets: corrupt base64');
  return decoded;
}

export async function saveDeviceSecrets(
  database: AppDatabase,
  secrets: DeviceSecrets,
): Promise<void> {
  const { device } = secrets;
  await database.upsertLocal<Stored>(DOC, {
    userId: device.userId,
    deviceId: device.deviceId,
    username: secrets.username,
    boxPublicKey: encodeBase64(device.box.publicKey),
    boxSecretKey: encodeBase64(device.box.secretKey),
    signPublicKey: encodeBase64(device.sign.publicKey),
    signSecretKey: encodeBase64(device.sign.secretKey),
    identitySeed: encodeBase64(secrets.identitySeed),
    archiveKey: encodeBase64(secrets.archiveKey),
  });
}

export async function loadDeviceSecrets(database: AppDatabase): Promise<DeviceSecrets | null> {
  const doc = await database.getLocal<Stored>(DOC);
  if (doc === null) return null;
  const stored = doc.toJSON().data as Stored;
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

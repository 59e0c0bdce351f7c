import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppDatabase } from '../database/app-database.ts';
import { openTestDatabase } from '../database/test-database.ts';
import { createIndexedDbSecretStore } from '../platform/web-platform.dom.ts';
import {
  type DeviceSecrets,
  forgetDeviceSecrets,
  loadDeviceSecrets,
  saveDeviceSecrets,
} from './device-secrets.ts';

const bytes = (fill: number, length = 32) => new Uint8Array(length).fill(fill);

const secrets: DeviceSecrets = {
  username: 'alice',
  identitySeed: bytes(1),
  archiveKey: bytes(2),
  device: {
    userId: '11111111-1111-4111-8111-111111111111',
    deviceId: '22222222-2222-4222-8222-222222222222',
    box: { publicKey: bytes(3), secretKey: bytes(4) },
    sign: { publicKey: bytes(5), secretKey: bytes(6, 64) },
  },
};

/** What versions before the secret store wrote: a local document of the app database. */
async function writeAsBefore(database: AppDatabase): Promise<void> {
  const base64 = (value: Uint8Array) => btoa(String.fromCharCode(...value));
  await database.upsertLocal('device-secrets', {
    userId: secrets.device.userId,
    deviceId: secrets.device.deviceId,
    username: secrets.username,
    boxPublicKey: base64(secrets.device.box.publicKey),
    boxSecretKey: base64(secrets.device.box.secretKey),
    signPublicKey: base64(secrets.device.sign.publicKey),
    signSecretKey: base64(secrets.device.sign.secretKey),
    identitySeed: base64(secrets.identitySeed),
    archiveKey: base64(secrets.archiveKey),
  });
}

let database: AppDatabase;
afterEach(async () => {
  await database.remove();
});

describe('device secrets', () => {
  it('of an install from before the secret store move there on the first start, and stay', async () => {
    database = await openTestDatabase();
    await writeAsBefore(database);
    const browser = new IDBFactory();

    const upgraded = await loadDeviceSecrets(createIndexedDbSecretStore(browser), database);
    expect(upgraded).toEqual(secrets);
    expect(await database.getLocal('device-secrets')).toBeNull();

    const nextStart = await loadDeviceSecrets(createIndexedDbSecretStore(browser), database);
    expect(nextStart).toEqual(secrets);
  });

  it('are saved to and read from the secret store, and forgotten at sign-out', async () => {
    database = await openTestDatabase();
    const store = createIndexedDbSecretStore(new IDBFactory());
    expect(await loadDeviceSecrets(store, database)).toBeNull();
    await saveDeviceSecrets(store, secrets);
    expect(await loadDeviceSecrets(store, database)).toEqual(secrets);
    expect(await database.getLocal('device-secrets')).toBeNull();
    await forgetDeviceSecrets(store);
    expect(await loadDeviceSecrets(store, database)).toBeNull();
  });

  it('refuse a damaged entry instead of signing in with half a key set', async () => {
    database = await openTestDatabase();
    const store = createIndexedDbSecretStore(new IDBFactory());
    await store.set('device-secrets', '{"userId":"x"}');
    await expect(loadDeviceSecrets(store, database)).rejects.toThrow(/corrupt/);
  });
});

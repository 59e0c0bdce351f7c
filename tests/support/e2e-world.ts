import { randomUUID } from 'node:crypto';
import {
  createTweetnaclNacl,
  createWasmNacl,
  type KeyPair,
  type SyncNacl,
} from '@anochat/crypto-native';
import { loadNaclWasm } from '@anochat/crypto-native/node';
import {
  buildDeviceDirectory,
  type ConversationKeyRef,
  createDeviceCertificate,
  createDeviceRevocation,
  identityKeyPair,
  type LocalDevice,
  type MembershipView,
  newAccountKeys,
  newConversationKey,
  newDeviceKeys,
  type PublishedDevice,
  type UserIdentity,
} from '@anochat/protocol';

/** The two in-process providers the protocol runs on, on their real backends. */
export async function loadSyncProviders(): Promise<{ wasm: SyncNacl; tweetnacl: SyncNacl }> {
  return { wasm: createWasmNacl(await loadNaclWasm()), tweetnacl: createTweetnaclNacl() };
}

export interface TestUser {
  identity: UserIdentity;
  identityKeys: KeyPair;
  identitySeed: Uint8Array;
  archiveKey: Uint8Array;
  devices: LocalDevice[];
  published: PublishedDevice[];
}

/** A user with an identity key and `deviceCount` certified devices, as the server would publish them. */
export function createUser(nacl: SyncNacl, username: string, deviceCount = 1): TestUser {
  const { identitySeed, archiveKey } = newAccountKeys(nacl);
  const identityKeys = identityKeyPair(nacl, identitySeed);
  const user: TestUser = {
    identity: { userId: randomUUID(), username, identityPublicKey: identityKeys.publicKey },
    identityKeys,
    identitySeed,
    archiveKey,
    devices: [],
    published: [],
  };
  for (let i = 0; i < deviceCount; i++) addDevice(nacl, user, { certified: true });
  return user;
}

/** A device registered for `user`: certified by its identity key, or not (as a server could inject). */
export function addDevice(
  nacl: SyncNacl,
  user: TestUser,
  { certified }: { certified: boolean },
): LocalDevice {
  const keys = newDeviceKeys(nacl);
  const device: LocalDevice = { deviceId: randomUUID(), userId: user.identity.userId, ...keys };
  const certificate = certified
    ? createDeviceCertificate(nacl, user.identityKeys.secretKey, {
        username: user.identity.username,
        boxPublicKey: keys.box.publicKey,
        signPublicKey: keys.sign.publicKey,
        createdAt: Date.now(),
      })
    : null;
  user.devices.push(device);
  user.published.push({
    id: device.deviceId,
    userId: user.identity.userId,
    boxPublicKey: keys.box.publicKey,
    signPublicKey: keys.sign.publicKey,
    certificate,
    revocation: null,
  });
  return device;
}

/** The user's identity key revokes one of its devices (the server stores the statement). */
export function revokeDevice(
  nacl: SyncNacl,
  user: TestUser,
  deviceId: string,
  revokedAt = Date.now(),
): void {
  const published = user.published.find((device) => device.id === deviceId);
  if (published === undefined) throw new Error(`no device ${deviceId}`);
  published.revocation = createDeviceRevocation(nacl, user.identityKeys.secretKey, {
    username: user.identity.username,
    signPublicKey: published.signPublicKey,
    revokedAt,
  });
}

/** What a member device sees of a conversation: verified devices of `everyone`, and the members. */
export function membershipView(
  nacl: SyncNacl,
  everyone: readonly TestUser[],
  members: readonly TestUser[],
): MembershipView {
  return {
    directory: buildDeviceDirectory(
      nacl,
      everyone.map((user) => ({ user: user.identity, devices: user.published })),
    ),
    members: new Set(members.map((user) => user.identity.userId)),
  };
}

export function newConversation(nacl: SyncNacl, epoch = 0): ConversationKeyRef {
  return { conversationId: randomUUID(), epoch, key: newConversationKey(nacl) };
}

export function onlyDevice(user: TestUser): LocalDevice {
  const device = user.devices[0];
  if (device === undefined) throw new Error(`${user.identity.username} has no device`);
  return device;
}

/** Every copy of `bytes` with one bit flipped in [from, to). */
export function* bitFlips(bytes: Uint8Array, from = 0, to = bytes.length): Generator<Uint8Array> {
  for (let bit = from * 8; bit < to * 8; bit++) {
    const flipped = bytes.slice();
    flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
    yield flipped;
  }
}

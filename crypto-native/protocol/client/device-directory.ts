import type { SyncNacl } from '@anochat/crypto-native';
import { decodeBase64 } from '../base64.ts';
import type { MembershipView } from '../conversation-keys.ts';
import {
  buildDeviceDirectory,
  type DeviceDirectory,
  type LocalDevice,
  type PublishedDevice,
  type TrustedDevice,
  type UserIdentity,
} from '../identity.ts';
import type { DeviceRow, UserRow } from './rows.ts';

/** A device row's keys as bytes, or null when one of them is not base64. */
export function publishedDevice(row: DeviceRow): PublishedDevice | null {
  const boxPublicKey = decodeBase64(row.boxPublicKey);
  const signPublicKey = decodeBase64(row.signPublicKey);
  if (boxPublicKey === null || signPublicKey === null) return null;
  return {
    id: row.id,
    userId: row.userId,
    boxPublicKey,
    signPublicKey,
    certificate: row.certificate === null ? null : decodeBase64(row.certificate),
    revocation: row.revocation === null ? null : decodeBase64(row.revocation),
  };
}

/**
 * The devices of these users that the users' identity keys certify and do not revoke
 * (docs/crypto.md): the server can neither add a device nor revoke one. Identity keys are trusted
 * on first use; safety numbers are how people check them. A user without a published identity key
 * has no trusted device.
 */
export function deviceDirectoryOf(
  nacl: SyncNacl,
  users: Iterable<UserRow>,
  devices: Iterable<DeviceRow>,
): DeviceDirectory {
  const published = new Map<string, PublishedDevice[]>();
  for (const row of devices) {
    const device = publishedDevice(row);
    if (device === null) continue;
    published.set(device.userId, [...(published.get(device.userId) ?? []), device]);
  }
  const entries: { user: UserIdentity; devices: PublishedDevice[] }[] = [];
  for (const user of users) {
    const identityPublicKey =
      typeof user.identityPublicKey === 'string' ? decodeBase64(user.identityPublicKey) : null;
    if (identityPublicKey === null) continue;
    entries.push({
      user: { userId: user.id, username: user.username, identityPublicKey },
      devices: published.get(user.id) ?? [],
    });
  }
  return buildDeviceDirectory(nacl, entries);
}

/** This device as a trusted one: it trusts itself even before the server lists it. */
export function selfAsTrusted(device: LocalDevice): TrustedDevice {
  return {
    id: device.deviceId,
    userId: device.userId,
    boxPublicKey: device.box.publicKey,
    signPublicKey: device.sign.publicKey,
    certifiedAt: 0,
  };
}

/** A membership view that also trusts this device (a key it wrapped before the server listed it). */
export function trustingSelf(view: MembershipView, self: LocalDevice | null): MembershipView {
  if (self !== null) {
    (view.directory.trusted as Map<string, TrustedDevice>).set(self.deviceId, selfAsTrusted(self));
  }
  return view;
}

import { type KeyPair, NaclError, type SyncNacl } from '@anochat/crypto-native';
import { E2E_FORMAT_VERSION } from '@anochat/schemas/e2e/limits';
import { bytesEqual, isTimestamp, readU64, requireLength, u64, utf8 } from './bytes.ts';
import { CONTEXT, canonicalBytes } from './canonical.ts';
import { E2eError, type E2eResult, fail, ok } from './result.ts';

/**
 * Identity and device keys. A user's Ed25519 identity key certifies each of the user's devices (its
 * X25519 box key and Ed25519 signing key) and revokes them. The certificate names the user by
 * lower-cased username, not by server id: a client knows its username before it registers, while
 * user and device ids are assigned by the server afterwards; usernames are unique regardless of
 * case and cannot change. The device is named by its two public keys, which no other device shares.
 */

const USERNAME = /^[a-z0-9._-]{3,32}$/;
const KEY = 32;
const SIGNATURE = 64;
const TIME = 8;

export interface DeviceKeys {
  box: KeyPair;
  sign: KeyPair;
}

/** This device's own keys and the ids the server gave it and its user. */
export interface LocalDevice extends DeviceKeys {
  deviceId: string;
  userId: string;
}

export interface DeviceCertificate {
  username: string;
  boxPublicKey: Uint8Array;
  signPublicKey: Uint8Array;
  /** Milliseconds since 1970 (an integer has one spelling; an ISO string has several). */
  createdAt: number;
  signature: Uint8Array;
}

export interface DeviceRevocation {
  username: string;
  signPublicKey: Uint8Array;
  revokedAt: number;
  signature: Uint8Array;
}

/** A user as the server publishes it: the identity key is checked by safety numbers, not trusted. */
export interface UserIdentity {
  userId: string;
  username: string;
  identityPublicKey: Uint8Array;
}

/** A device as the server publishes it (devices collection), certificate and revocation decoded from base64. */
export interface PublishedDevice {
  id: string;
  userId: string;
  boxPublicKey: Uint8Array;
  signPublicKey: Uint8Array;
  certificate: Uint8Array | null;
  revocation: Uint8Array | null;
}

/** A device whose certificate verified under its user's identity key and that is not revoked. */
export interface TrustedDevice {
  id: string;
  userId: string;
  boxPublicKey: Uint8Array;
  signPublicKey: Uint8Array;
  certifiedAt: number;
}

/** A device its user revoked at `revokedAt` (ms, signed by the identity key). */
export interface RevokedDevice {
  device: TrustedDevice;
  revokedAt: number;
}

/**
 * Trusted devices by id, and the certified devices revoked since: what they sent before their
 * revocation still opens, nothing else (`memberSender`).
 */
export interface DeviceDirectory {
  trusted: ReadonlyMap<string, TrustedDevice>;
  revoked: ReadonlyMap<string, RevokedDevice>;
}

/** The canonical form of a username inside signed bytes and derivations. */
export function canonicalUsername(username: string): string {
  const lower = typeof username === 'string' ? username.toLowerCase() : '';
  if (!USERNAME.test(lower)) {
    throw new E2eError('INVALID_INPUT', 'username: must be 3 to 32 of A-Z a-z 0-9 . _ -');
  }
  return lower;
}

/** The identity key pair from its 32-byte seed (the seed is what the key backup keeps). */
export function identityKeyPair(nacl: SyncNacl, identitySeed: Uint8Array): KeyPair {
  requireLength(identitySeed, 32, 'identitySeed');
  return nacl.signKeyPairFromSeed(identitySeed);
}

/** Fresh random keys for a new device. */
export function newDeviceKeys(nacl: SyncNacl): DeviceKeys {
  return { box: nacl.boxKeyPair(), sign: nacl.signKeyPair() };
}

/** A new device's keys and their certificate by the user's identity key, made `createdAt` (ms). */
export function newCertifiedDevice(
  nacl: SyncNacl,
  identitySecretKey: Uint8Array,
  username: string,
  createdAt = Date.now(),
): { keys: DeviceKeys; certificate: Uint8Array } {
  const keys = newDeviceKeys(nacl);
  const certificate = createDeviceCertificate(nacl, identitySecretKey, {
    username,
    boxPublicKey: keys.box.publicKey,
    signPublicKey: keys.sign.publicKey,
    createdAt,
  });
  return { keys, certificate };
}

export function deviceCertificateSigningBytes(
  certificate: Omit<DeviceCertificate, 'signature'>,
): Uint8Array {
  return canonicalBytes(CONTEXT.deviceCertificate, [
    utf8(certificate.username),
    certificate.boxPublicKey,
    certificate.signPublicKey,
    u64(certificate.createdAt),
  ]);
}

export function deviceRevocationSigningBytes(
  revocation: Omit<DeviceRevocation, 'signature'>,
): Uint8Array {
  return canonicalBytes(CONTEXT.deviceRevocation, [
    utf8(revocation.username),
    revocation.signPublicKey,
    u64(revocation.revokedAt),
  ]);
}

/** v (1) | username length (1) | username | box key (32) | sign key (32) | createdAt (8) | signature (64) */
export function encodeDeviceCertificate(certificate: DeviceCertificate): Uint8Array {
  const username = utf8(certificate.username);
  const out = new Uint8Array(2 + username.length + KEY + KEY + TIME + SIGNATURE);
  out[0] = E2E_FORMAT_VERSION;
  out[1] = username.length;
  let offset = 2;
  for (const part of [
    username,
    certificate.boxPublicKey,
    certificate.signPublicKey,
    u64(certificate.createdAt),
    certificate.signature,
  ]) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** v (1) | username length (1) | username | sign key (32) | revokedAt (8) | signature (64) */
export function encodeDeviceRevocation(revocation: DeviceRevocation): Uint8Array {
  const username = utf8(revocation.username);
  const out = new Uint8Array(2 + username.length + KEY + TIME + SIGNATURE);
  out[0] = E2E_FORMAT_VERSION;
  out[1] = username.length;
  let offset = 2;
  for (const part of [
    username,
    revocation.signPublicKey,
    u64(revocation.revokedAt),
    revocation.signature,
  ]) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The username field shared by both formats, or a failure. */
function readUsername(bytes: Uint8Array, rest: number): E2eResult<string> {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2) return fail('MALFORMED', 'too short');
  if (bytes[0] !== E2E_FORMAT_VERSION) return fail('UNSUPPORTED_VERSION', `version ${bytes[0]}`);
  const length = bytes[1] ?? 0;
  if (bytes.length !== 2 + length + rest) return fail('MALFORMED', 'wrong length');
  let username = '';
  for (let i = 2; i < 2 + length; i++) username += String.fromCharCode(bytes[i] ?? 0);
  if (!USERNAME.test(username)) return fail('MALFORMED', 'username is not canonical');
  return ok(username);
}

export function decodeDeviceCertificate(bytes: Uint8Array): E2eResult<DeviceCertificate> {
  const username = readUsername(bytes, KEY + KEY + TIME + SIGNATURE);
  if (!username.ok) return username;
  let offset = 2 + username.value.length;
  const boxPublicKey = bytes.slice(offset, offset + KEY);
  offset += KEY;
  const signPublicKey = bytes.slice(offset, offset + KEY);
  offset += KEY;
  const createdAt = readU64(bytes, offset);
  if (createdAt === null) return fail('MALFORMED', 'createdAt out of range');
  offset += TIME;
  const signature = bytes.slice(offset, offset + SIGNATURE);
  return ok({ username: username.value, boxPublicKey, signPublicKey, createdAt, signature });
}

export function decodeDeviceRevocation(bytes: Uint8Array): E2eResult<DeviceRevocation> {
  const username = readUsername(bytes, KEY + TIME + SIGNATURE);
  if (!username.ok) return username;
  let offset = 2 + username.value.length;
  const signPublicKey = bytes.slice(offset, offset + KEY);
  offset += KEY;
  const revokedAt = readU64(bytes, offset);
  if (revokedAt === null) return fail('MALFORMED', 'revokedAt out of range');
  offset += TIME;
  const signature = bytes.slice(offset, offset + SIGNATURE);
  return ok({ username: username.value, signPublicKey, revokedAt, signature });
}

/** The identity key signs that these two public keys are a device of `username`. */
export function createDeviceCertificate(
  nacl: SyncNacl,
  identitySecretKey: Uint8Array,
  device: {
    username: string;
    boxPublicKey: Uint8Array;
    signPublicKey: Uint8Array;
    createdAt: number;
  },
): Uint8Array {
  requireLength(identitySecretKey, 64, 'identitySecretKey');
  requireLength(device.boxPublicKey, KEY, 'boxPublicKey');
  requireLength(device.signPublicKey, KEY, 'signPublicKey');
  if (!isTimestamp(device.createdAt)) throw new E2eError('INVALID_INPUT', 'createdAt: must be ms');
  const fields = {
    username: canonicalUsername(device.username),
    boxPublicKey: device.boxPublicKey,
    signPublicKey: device.signPublicKey,
    createdAt: device.createdAt,
  };
  const signature = nacl.signDetached(deviceCertificateSigningBytes(fields), identitySecretKey);
  return encodeDeviceCertificate({ ...fields, signature });
}

/**
 * The certificate is well formed, names exactly this user and these keys, and its signature
 * verifies under the identity key.
 */
export function verifyDeviceCertificate(
  nacl: SyncNacl,
  identityPublicKey: Uint8Array,
  certificate: Uint8Array,
  expected: { username: string; boxPublicKey: Uint8Array; signPublicKey: Uint8Array },
): E2eResult<DeviceCertificate> {
  const decoded = decodeDeviceCertificate(certificate);
  if (!decoded.ok) return decoded;
  const value = decoded.value;
  if (
    value.username !== expected.username.toLowerCase() ||
    !bytesEqual(value.boxPublicKey, expected.boxPublicKey) ||
    !bytesEqual(value.signPublicKey, expected.signPublicKey)
  ) {
    return fail('CERTIFICATE_MISMATCH', 'the certificate names another user or other keys');
  }
  const signed = deviceCertificateSigningBytes(value);
  if (!nacl.verifyDetached(signed, value.signature, identityPublicKey)) {
    return fail('BAD_SIGNATURE', 'the certificate is not signed by this identity key');
  }
  return decoded;
}

/** The identity key signs that the device with this signing key is no longer the user's. */
export function createDeviceRevocation(
  nacl: SyncNacl,
  identitySecretKey: Uint8Array,
  device: { username: string; signPublicKey: Uint8Array; revokedAt: number },
): Uint8Array {
  requireLength(identitySecretKey, 64, 'identitySecretKey');
  requireLength(device.signPublicKey, KEY, 'signPublicKey');
  if (!isTimestamp(device.revokedAt)) throw new E2eError('INVALID_INPUT', 'revokedAt: must be ms');
  const fields = {
    username: canonicalUsername(device.username),
    signPublicKey: device.signPublicKey,
    revokedAt: device.revokedAt,
  };
  const signature = nacl.signDetached(deviceRevocationSigningBytes(fields), identitySecretKey);
  return encodeDeviceRevocation({ ...fields, signature });
}

export function verifyDeviceRevocation(
  nacl: SyncNacl,
  identityPublicKey: Uint8Array,
  revocation: Uint8Array,
  expected: { username: string; signPublicKey: Uint8Array },
): E2eResult<DeviceRevocation> {
  const decoded = decodeDeviceRevocation(revocation);
  if (!decoded.ok) return decoded;
  const value = decoded.value;
  if (
    value.username !== expected.username.toLowerCase() ||
    !bytesEqual(value.signPublicKey, expected.signPublicKey)
  ) {
    return fail('CERTIFICATE_MISMATCH', 'the revocation names another user or another device');
  }
  if (
    !nacl.verifyDetached(deviceRevocationSigningBytes(value), value.signature, identityPublicKey)
  ) {
    return fail('BAD_SIGNATURE', 'the revocation is not signed by this identity key');
  }
  return decoded;
}

/** Any fixed scalar: only whether the shared secret would be all zero matters. */
const PROBE_SCALAR = new Uint8Array(32).fill(1);

/**
 * A box key of small order (all-zero shared secrets) would make every box to or from the device
 * throw WEAK_KEY: its owner could certify one to break key distribution, so such a device is
 * not trusted.
 */
function hasWeakBoxKey(nacl: SyncNacl, boxPublicKey: Uint8Array): boolean {
  try {
    nacl.scalarMult(PROBE_SCALAR, boxPublicKey);
    return false;
  } catch (error) {
    if (error instanceof NaclError) return true;
    throw error;
  }
}

type DeviceStanding =
  | { status: 'trusted'; device: TrustedDevice }
  | { status: 'revoked'; device: TrustedDevice; revokedAt: number }
  | { status: 'untrusted' };

function standingOf(nacl: SyncNacl, user: UserIdentity, device: PublishedDevice): DeviceStanding {
  if (device.userId !== user.userId || device.certificate === null) return { status: 'untrusted' };
  const certificate = verifyDeviceCertificate(nacl, user.identityPublicKey, device.certificate, {
    username: user.username,
    boxPublicKey: device.boxPublicKey,
    signPublicKey: device.signPublicKey,
  });
  if (!certificate.ok || hasWeakBoxKey(nacl, device.boxPublicKey)) return { status: 'untrusted' };
  const { id, userId, boxPublicKey, signPublicKey } = device;
  const certifiedAt = certificate.value.createdAt;
  const trusted = { id, userId, boxPublicKey, signPublicKey, certifiedAt };
  if (device.revocation !== null) {
    const revocation = verifyDeviceRevocation(nacl, user.identityPublicKey, device.revocation, {
      username: user.username,
      signPublicKey: device.signPublicKey,
    });
    if (revocation.ok) {
      return { status: 'revoked', device: trusted, revokedAt: revocation.value.revokedAt };
    }
  }
  return { status: 'trusted', device: trusted };
}

/**
 * The devices of `user` to encrypt to and accept messages from: those whose certificate verifies
 * under the user's identity key, whose box key is not of small order, and that no valid revocation
 * revokes. A device of another user, or
 * a revocation that does not verify (the server cannot revoke on the user's behalf), changes nothing.
 */
export function trustedDevices(
  nacl: SyncNacl,
  user: UserIdentity,
  devices: readonly PublishedDevice[],
): TrustedDevice[] {
  const trusted: TrustedDevice[] = [];
  for (const device of devices) {
    const standing = standingOf(nacl, user, device);
    if (standing.status === 'trusted') trusted.push(standing.device);
  }
  return trusted;
}

/** Every user's trusted devices by id, verified once, for opening messages and key envelopes. */
export function buildDeviceDirectory(
  nacl: SyncNacl,
  users: readonly { user: UserIdentity; devices: readonly PublishedDevice[] }[],
): DeviceDirectory {
  const trusted = new Map<string, TrustedDevice>();
  const revoked = new Map<string, RevokedDevice>();
  for (const { user, devices } of users) {
    for (const device of devices) {
      const standing = standingOf(nacl, user, device);
      if (standing.status === 'trusted') trusted.set(device.id, standing.device);
      if (standing.status === 'revoked') {
        revoked.set(device.id, { device: standing.device, revokedAt: standing.revokedAt });
      }
    }
  }
  return { trusted, revoked };
}

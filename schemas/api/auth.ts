import { z } from 'zod';
import {
  deviceCertificate,
  deviceRevocation,
  identityPublicKey,
  keyBackup,
} from '../e2e/records.ts';
import { base64OfLength, base64UrlOfLength } from './encoding.ts';

/** Bytes of the secret a client derives from the password (the server never sees the password). */
export const AUTH_SECRET_BYTES = 32;
/** Bytes of an opaque refresh token before base64url encoding. */
export const REFRESH_TOKEN_BYTES = 32;

/**
 * ASCII letters, digits, dot, dash and underscore, so two usernames cannot look alike; unique
 * regardless of case ("Alice" and "alice" are the same account).
 */
export const username = z
  .string()
  .regex(
    /^[A-Za-z0-9._-]{3,32}$/,
    'must be 3 to 32 characters: letters, digits, dot, dash, underscore',
  );

/**
 * A name people read (a display name, a device name): trimmed, 1 to 64 characters counted as the
 * database counts them (code points, `char_length`), and no control character or lone surrogate
 * (PostgreSQL cannot store NUL at all, and a line break or escape would garble lists and logs).
 * The database checks the same rules (migrations 0001 and 0020).
 */
export const shownName = z
  .string()
  .trim()
  .refine((value) => !/[\p{Cc}\p{Cs}]/u.test(value), 'must not contain control characters')
  .refine((value) => {
    const characters = [...value].length;
    return characters >= 1 && characters <= 64;
  }, 'must be 1 to 64 characters');

export const displayName = shownName;

/**
 * The public keys a device publishes (its secret keys never leave it) and the certificate by which
 * the user's identity key vouches for them (docs/crypto.md, "Identity").
 */
export const newDevice = z.strictObject({
  name: shownName,
  boxPublicKey: base64OfLength(32),
  signPublicKey: base64OfLength(32),
  certificate: deviceCertificate,
});
export type NewDevice = z.infer<typeof newDevice>;

const authSecret = base64OfLength(AUTH_SECRET_BYTES);
/** The encrypted key backup: the server keeps it for the user's next device, unable to open it. */
const keyBackupBlob = keyBackup.shape.backup;

/**
 * A recovery key as the server keeps it (docs/crypto.md, "Recovery key"): the auth secret the key
 * derives, and the account's secrets sealed under the backup key it derives. The key itself never
 * leaves the device that made it.
 */
export const recoverySetup = z.strictObject({ authSecret, keyBackup: keyBackupBlob });
export type RecoverySetup = z.infer<typeof recoverySetup>;

export const registerRequest = z.strictObject({
  username,
  displayName: displayName.optional(),
  authSecret,
  identityPublicKey,
  keyBackup: keyBackupBlob,
  /** Optional: a recovery key made at registration. */
  recovery: recoverySetup.optional(),
  device: newDevice,
});
export type RegisterRequest = z.infer<typeof registerRequest>;

export const loginRequest = z.strictObject({
  username,
  authSecret,
  device: newDevice,
});
export type LoginRequest = z.infer<typeof loginRequest>;

/** A new device fetches the key backup first, to restore the identity key that certifies it. */
export const keyBackupRequest = z.strictObject({ username, authSecret });
export type KeyBackupRequest = z.infer<typeof keyBackupRequest>;

export const keyBackupResponse = z.object({ identityPublicKey, keyBackup: keyBackupBlob });
export type KeyBackupResponse = z.infer<typeof keyBackupResponse>;

/**
 * The old secret stops working at once; the backup is re-encrypted under the new password. Every
 * refresh token issued before the change stops working (the answer carries this device's new
 * pair); `signOutOtherDevices` also revokes every other device of the account at once, keeping the
 * identity key's signed revocation of those listed in `revocations`.
 */
export const changePasswordRequest = z
  .strictObject({
    authSecret,
    newAuthSecret: authSecret,
    keyBackup: keyBackupBlob,
    signOutOtherDevices: z.boolean().optional(),
    revocations: z
      .array(z.strictObject({ deviceId: z.uuid(), revocation: deviceRevocation }))
      .max(100)
      .optional(),
  })
  .refine((request) => request.revocations === undefined || request.signOutOtherDevices === true, {
    message: 'revocations go with signOutOtherDevices: true',
    path: ['revocations'],
  });
export type ChangePasswordRequest = z.infer<typeof changePasswordRequest>;

/** Makes or replaces the recovery key; the current password's secret must verify. */
export const setRecoveryRequest = z.strictObject({ authSecret, recovery: recoverySetup });
export type SetRecoveryRequest = z.infer<typeof setRecoveryRequest>;

export const recoveryStatus = z.object({ enabled: z.boolean() });
export type RecoveryStatus = z.infer<typeof recoveryStatus>;

/** A device without the password fetches the recovery copy of the key backup. */
export const recoveryBackupRequest = z.strictObject({ username, recoveryAuthSecret: authSecret });
export type RecoveryBackupRequest = z.infer<typeof recoveryBackupRequest>;

/**
 * The password is forgotten: the recovery key's secret authenticates; the new password's secret
 * and the backup sealed under it replace the old ones, and this new device signs in.
 */
export const recoverRequest = z.strictObject({
  username,
  recoveryAuthSecret: authSecret,
  newAuthSecret: authSecret,
  keyBackup: keyBackupBlob,
  device: newDevice,
});
export type RecoverRequest = z.infer<typeof recoverRequest>;

export const refreshToken = base64UrlOfLength(REFRESH_TOKEN_BYTES);

export const refreshRequest = z.strictObject({ refreshToken });
export type RefreshRequest = z.infer<typeof refreshRequest>;

export const userView = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  createdAt: z.iso.datetime(),
  /** base64; null only for accounts made before end-to-end encryption. */
  identityPublicKey: z.string().nullable(),
});
export type UserView = z.infer<typeof userView>;

export const deviceView = z.object({
  id: z.uuid(),
  name: z.string(),
  boxPublicKey: z.string(),
  signPublicKey: z.string(),
  createdAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
  /** base64; null only for devices made before end-to-end encryption. */
  certificate: z.string().nullable(),
  /** base64 of the signed revocation, when one was given. */
  revocation: z.string().nullable(),
});
export type DeviceView = z.infer<typeof deviceView>;

export const tokenPair = z.object({
  accessToken: z.string(),
  /** Seconds until the access token expires. */
  accessTokenExpiresIn: z.number().int().positive(),
  refreshToken,
});
export type TokenPair = z.infer<typeof tokenPair>;

/** The answer to register and login. */
export const sessionResponse = tokenPair.extend({ user: userView, device: deviceView });
export type SessionResponse = z.infer<typeof sessionResponse>;

/** The answer to refresh. */
export const refreshResponse = tokenPair;
export type RefreshResponse = z.infer<typeof refreshResponse>;

/** The answer to a password change: this device's new tokens, and the devices signed out. */
export const changePasswordResponse = tokenPair.extend({ signedOutDevices: z.array(z.uuid()) });
export type ChangePasswordResponse = z.infer<typeof changePasswordResponse>;

import { randomUUID } from 'node:crypto';
import type {
  ChangePasswordRequest,
  ChangePasswordResponse,
  DeviceView,
  KeyBackupRequest,
  KeyBackupResponse,
  LoginRequest,
  NewDevice,
  RecoverRequest,
  RecoveryBackupRequest,
  RecoveryStatus,
  RefreshResponse,
  RegisterRequest,
  SessionResponse,
  SetRecoveryRequest,
} from '@anochat/schemas/api/auth';
import type pg from 'pg';
import type { PasswordHasher } from '../crypto/password-hasher.ts';
import type { Queryable } from '../database/pool.ts';
import { inTransaction, isUniqueViolation } from '../database/transaction.ts';
import {
  findDeviceForRevocation,
  insertDevice,
  revokeDeviceOfUser,
  revokeOtherDevicesOfUser,
} from '../devices/device-repository.ts';
import type { DeviceStatements } from '../devices/device-statements.ts';
import { revokeDeviceAndTokens } from '../devices/revoke-device.ts';
import { AppError } from '../errors/app-error.ts';
import {
  findRecovery,
  findUserForLogin,
  hasRecovery,
  insertUser,
  lockUserCredentials,
  replaceCredentials,
  replaceRecovery,
  USERNAME_UNIQUE_CONSTRAINT,
  type UserCredentials,
} from '../users/user-repository.ts';
import type { AccessTokens } from './access-tokens.ts';
import {
  insertRefreshToken,
  lockRefreshTokenByHash,
  markRefreshTokenUsed,
  revokeRefreshTokenFamily,
  revokeRefreshTokensOfDevice,
  revokeRefreshTokensOfUser,
} from './refresh-token-repository.ts';
import { hashRefreshToken, newRefreshTokenSecret } from './refresh-token-secret.ts';

export interface AuthService {
  register(request: RegisterRequest): Promise<SessionResponse>;
  login(request: LoginRequest): Promise<SessionResponse>;
  /** The encrypted key backup, for a new device to restore the identity key that certifies it. */
  keyBackup(request: KeyBackupRequest): Promise<KeyBackupResponse>;
  /**
   * Replaces the secret (the old one stops working at once) and the backup sealed under it, and
   * revokes every refresh token issued before; with `signOutOtherDevices`, every other device too.
   * Returns this device's new tokens and the devices signed out.
   */
  changePassword(
    userId: string,
    deviceId: string,
    request: ChangePasswordRequest,
  ): Promise<ChangePasswordResponse>;
  /** Makes or replaces the recovery key, once the current password's secret verifies. */
  setRecovery(userId: string, request: SetRecoveryRequest): Promise<void>;
  recoveryStatus(userId: string): Promise<RecoveryStatus>;
  /** The recovery copy of the key backup, to whoever knows the recovery key's auth secret. */
  recoveryBackup(request: RecoveryBackupRequest): Promise<KeyBackupResponse>;
  /**
   * A forgotten password: the recovery key's secret authenticates; the new password's secret and
   * backup replace the old ones, every refresh token issued before is revoked (as after a password
   * change), and this new device signs in.
   */
  recover(request: RecoverRequest): Promise<SessionResponse>;
  /**
   * Rotates the refresh token. A spent token presented again is taken as stolen: its device is
   * signed out for good (`onReuse` then closes its connections), as by a logout without statement.
   */
  refresh(
    refreshToken: string,
    onReuse?: (userId: string, deviceId: string) => void,
  ): Promise<RefreshResponse>;
  /**
   * Signs the device out for good: the device is revoked with all its refresh tokens, keeping the
   * signed revocation when one is given.
   */
  logout(userId: string, deviceId: string, revocation: Buffer | null): Promise<void>;
}

export interface AuthServiceDependencies {
  pool: pg.Pool;
  passwordHasher: PasswordHasher;
  deviceStatements: DeviceStatements;
  accessTokens: AccessTokens;
  refreshTokenTtlDays: number;
}

const decodeBase64 = (text: string) => Buffer.from(text, 'base64');

export function createAuthService(deps: AuthServiceDependencies): AuthService {
  const { pool, passwordHasher, deviceStatements, accessTokens, refreshTokenTtlDays } = deps;

  /** A refresh token in `familyId` for the device, stored as its hash; the token itself is returned once. */
  async function storeRefreshToken(db: Queryable, deviceId: string, familyId: string) {
    const { token, hash } = newRefreshTokenSecret();
    await insertRefreshToken(db, { deviceId, familyId, hash, ttlDays: refreshTokenTtlDays });
    return token;
  }

  function requireCertifiedDevice(identityPublicKey: Buffer, username: string, device: NewDevice) {
    return deviceStatements.checkCertificate(identityPublicKey, decodeBase64(device.certificate), {
      username,
      boxPublicKey: decodeBase64(device.boxPublicKey),
      signPublicKey: decodeBase64(device.signPublicKey),
    });
  }

  /** The account when the secret is right; one error for a wrong secret and an unknown user. */
  async function requireCredentials(username: string, authSecret: string) {
    const found = await findUserForLogin(pool, username);
    const valid = await passwordHasher.verify(found?.authHash ?? null, decodeBase64(authSecret));
    if (found === null || !valid) {
      throw new AppError('INVALID_CREDENTIALS', 'unknown username or wrong secret');
    }
    return found;
  }

  function requireIdentity(found: UserCredentials) {
    const { identityPublicKey, keyBackup } = found;
    if (identityPublicKey === null || keyBackup === null) {
      throw new AppError('INVALID_CERTIFICATE', 'this account predates end-to-end encryption');
    }
    return { identityPublicKey, keyBackup };
  }

  /** Creates the device and the first token of a new family, inside the caller's transaction. */
  async function openDeviceSession(db: Queryable, userId: string, device: NewDevice) {
    const created: DeviceView = await insertDevice(db, {
      userId,
      name: device.name,
      boxPublicKey: decodeBase64(device.boxPublicKey),
      signPublicKey: decodeBase64(device.signPublicKey),
      certificate: decodeBase64(device.certificate),
    });
    const refreshToken = await storeRefreshToken(db, created.id, randomUUID());
    return { device: created, refreshToken };
  }

  /** Each signed revocation must name another device of this user and verify under its identity key. */
  async function checkedRevocations(
    userId: string,
    currentDeviceId: string,
    revocations: readonly { deviceId: string; revocation: string }[],
  ): Promise<Map<string, Buffer>> {
    const checked = new Map<string, Buffer>();
    for (const { deviceId, revocation } of revocations) {
      const device =
        deviceId === currentDeviceId ? null : await findDeviceForRevocation(pool, userId, deviceId);
      if (device === null || device.identityPublicKey === null) {
        throw new AppError(
          'INVALID_CERTIFICATE',
          `revocations: ${deviceId} is not another device of yours`,
        );
      }
      const bytes = decodeBase64(revocation);
      await deviceStatements.checkRevocation(device.identityPublicKey, bytes, device);
      checked.set(deviceId, bytes);
    }
    return checked;
  }

  function accessTokenFor(userId: string, deviceId: string) {
    const { token, expiresIn } = accessTokens.issue({ userId, deviceId });
    return { accessToken: token, accessTokenExpiresIn: expiresIn };
  }

  return {
    async register(request) {
      const identityPublicKey = decodeBase64(request.identityPublicKey);
      await requireCertifiedDevice(identityPublicKey, request.username, request.device);
      // Argon2id runs before the transaction, so no database connection waits on it.
      const authHash = await passwordHasher.hash(decodeBase64(request.authSecret));
      const recovery =
        request.recovery === undefined
          ? null
          : {
              authHash: await passwordHasher.hash(decodeBase64(request.recovery.authSecret)),
              backup: decodeBase64(request.recovery.keyBackup),
            };
      try {
        const { user, device, refreshToken } = await inTransaction(pool, async (db) => {
          const user = await insertUser(db, {
            username: request.username,
            displayName: request.displayName ?? request.username,
            authHash,
            identityPublicKey,
            keyBackup: decodeBase64(request.keyBackup),
            recovery,
          });
          return { user, ...(await openDeviceSession(db, user.id, request.device)) };
        });
        return { user, device, refreshToken, ...accessTokenFor(user.id, device.id) };
      } catch (error) {
        if (isUniqueViolation(error, USERNAME_UNIQUE_CONSTRAINT)) {
          throw new AppError('USERNAME_TAKEN', 'this username is taken');
        }
        throw error;
      }
    },

    async login(request) {
      const found = await requireCredentials(request.username, request.authSecret);
      const { identityPublicKey } = requireIdentity(found);
      const { user } = found;
      await requireCertifiedDevice(identityPublicKey, user.username, request.device);
      const { device, refreshToken } = await inTransaction(pool, (db) =>
        openDeviceSession(db, user.id, request.device),
      );
      return { user, device, refreshToken, ...accessTokenFor(user.id, device.id) };
    },

    async keyBackup(request) {
      const { identityPublicKey, keyBackup } = requireIdentity(
        await requireCredentials(request.username, request.authSecret),
      );
      return {
        identityPublicKey: identityPublicKey.toString('base64'),
        keyBackup: keyBackup.toString('base64'),
      };
    },

    async changePassword(userId, deviceId, request) {
      const revocations = await checkedRevocations(userId, deviceId, request.revocations ?? []);
      const newHash = await passwordHasher.hash(decodeBase64(request.newAuthSecret));
      // The check and the swap share one lock, so two changes in a race cannot both pass the check.
      const { refreshToken, signedOutDevices } = await inTransaction(pool, async (db) => {
        const current = await lockUserCredentials(db, userId);
        const valid = await passwordHasher.verify(
          current?.authHash ?? null,
          decodeBase64(request.authSecret),
        );
        if (current === null || !valid) {
          throw new AppError('INVALID_CREDENTIALS', 'the current secret is wrong');
        }
        await replaceCredentials(db, userId, {
          authHash: newHash,
          keyBackup: decodeBase64(request.keyBackup),
        });
        // Whoever copied a refresh token (or the old password's session) keeps nothing.
        await revokeRefreshTokensOfUser(db, userId);
        const signedOutDevices =
          request.signOutOtherDevices === true
            ? await revokeOtherDevicesOfUser(db, userId, deviceId, revocations)
            : [];
        const refreshToken = await storeRefreshToken(db, deviceId, randomUUID());
        return { refreshToken, signedOutDevices };
      });
      return { ...accessTokenFor(userId, deviceId), refreshToken, signedOutDevices };
    },

    async setRecovery(userId, request) {
      const authHash = await passwordHasher.hash(decodeBase64(request.recovery.authSecret));
      await inTransaction(pool, async (db) => {
        const current = await lockUserCredentials(db, userId);
        const valid = await passwordHasher.verify(
          current?.authHash ?? null,
          decodeBase64(request.authSecret),
        );
        if (current === null || !valid) {
          throw new AppError('INVALID_CREDENTIALS', 'the current secret is wrong');
        }
        await replaceRecovery(db, userId, {
          authHash,
          backup: decodeBase64(request.recovery.keyBackup),
        });
      });
    },

    async recoveryStatus(userId) {
      return { enabled: await hasRecovery(pool, userId) };
    },

    async recoveryBackup(request) {
      const found = await findRecovery(pool, request.username);
      const valid = await passwordHasher.verify(
        found?.recovery?.authHash ?? null,
        decodeBase64(request.recoveryAuthSecret),
      );
      if (found?.recovery == null || found.identityPublicKey === null || !valid) {
        throw new AppError('INVALID_CREDENTIALS', 'unknown username or wrong recovery key');
      }
      return {
        identityPublicKey: found.identityPublicKey.toString('base64'),
        keyBackup: found.recovery.backup.toString('base64'),
      };
    },

    async recover(request) {
      const newHash = await passwordHasher.hash(decodeBase64(request.newAuthSecret));
      const { user, device, refreshToken } = await inTransaction(pool, async (db) => {
        // Locked from the check to the swap: two recoveries in a race cannot both pass.
        const found = await findRecovery(db, request.username, true);
        const valid = await passwordHasher.verify(
          found?.recovery?.authHash ?? null,
          decodeBase64(request.recoveryAuthSecret),
        );
        if (found?.recovery == null || found.identityPublicKey === null || !valid) {
          throw new AppError('INVALID_CREDENTIALS', 'unknown username or wrong recovery key');
        }
        await requireCertifiedDevice(found.identityPublicKey, found.user.username, request.device);
        await replaceCredentials(db, found.user.id, {
          authHash: newHash,
          keyBackup: decodeBase64(request.keyBackup),
        });
        await revokeRefreshTokensOfUser(db, found.user.id);
        return {
          user: found.user,
          ...(await openDeviceSession(db, found.user.id, request.device)),
        };
      });
      return { user, device, refreshToken, ...accessTokenFor(user.id, device.id) };
    },

    async refresh(presented, onReuse) {
      // The reuse verdict must commit (the family and the device stay revoked), so it is
      // returned, then thrown.
      const outcome = await inTransaction(pool, async (db) => {
        const stored = await lockRefreshTokenByHash(db, hashRefreshToken(presented));
        if (stored === null || stored.revoked || stored.expired || stored.ownerGone) {
          return { kind: 'invalid' } as const;
        }
        if (stored.used) {
          // Whoever holds the newer token (the thief, or the owner) could go on until the access
          // token expires: the device itself is revoked, so its access tokens and sockets end now.
          await revokeRefreshTokenFamily(db, stored.familyId);
          await revokeRefreshTokensOfDevice(db, stored.deviceId);
          await revokeDeviceOfUser(db, stored.userId, stored.deviceId, null);
          return { kind: 'reused', stored } as const;
        }
        await markRefreshTokenUsed(db, stored.id);
        const refreshToken = await storeRefreshToken(db, stored.deviceId, stored.familyId);
        return { kind: 'rotated', refreshToken, stored } as const;
      });
      if (outcome.kind === 'invalid') {
        throw new AppError('REFRESH_TOKEN_INVALID', 'refresh token is unknown, expired or revoked');
      }
      if (outcome.kind === 'reused') {
        onReuse?.(outcome.stored.userId, outcome.stored.deviceId);
        throw new AppError(
          'REFRESH_TOKEN_REUSED',
          'refresh token was already used; every token of this session is now revoked',
        );
      }
      const { stored, refreshToken } = outcome;
      return { refreshToken, ...accessTokenFor(stored.userId, stored.deviceId) };
    },

    async logout(userId, deviceId, revocation) {
      await revokeDeviceAndTokens(pool, deviceStatements, { userId, deviceId, revocation });
    },
  };
}

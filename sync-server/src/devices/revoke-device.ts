import { revokeRefreshTokensOfDevice } from '../auth/refresh-token-repository.ts';
import type { Pool } from '../database/pool.ts';
import { inTransaction } from '../database/transaction.ts';
import { AppError } from '../errors/app-error.ts';
import { findDeviceForRevocation, revokeDeviceOfUser } from './device-repository.ts';
import type { DeviceStatements } from './device-statements.ts';

/**
 * Revokes one of the user's devices and every refresh token it holds, together. Its access token
 * dies at once too, since authentication checks the device. A signed revocation, when given, must
 * verify under the user's identity key and is kept for the peers. False when the user owns no such
 * device.
 */
export async function revokeDeviceAndTokens(
  pool: Pool,
  statements: DeviceStatements,
  target: { userId: string; deviceId: string; revocation: Buffer | null },
): Promise<boolean> {
  const { userId, deviceId, revocation } = target;
  const device = await findDeviceForRevocation(pool, userId, deviceId);
  if (device === null) return false;
  if (revocation !== null) {
    if (device.identityPublicKey === null) {
      throw new AppError('INVALID_CERTIFICATE', 'this account has no identity key');
    }
    await statements.checkRevocation(device.identityPublicKey, revocation, device);
  }
  return inTransaction(pool, async (db) => {
    if (!(await revokeDeviceOfUser(db, userId, deviceId, revocation))) return false;
    await revokeRefreshTokensOfDevice(db, deviceId);
    return true;
  });
}

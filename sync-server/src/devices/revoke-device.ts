import { revokeRefreshTokensOfDevice } from '../auth/refresh-token-repository.ts';
import type { Pool } from '../database/pool.ts';
import { inTransaction } from '../database/transaction.ts';
import { revokeDeviceOfUser } from './device-repository.ts';

/**
 * Revokes one of the user's devices and every refresh token it holds, together. Its access token
 * dies at once too, since authentication checks the device. False when the user owns no such device.
 */
export function revokeDeviceAndTokens(
  pool: Pool,
  userId: string,
  deviceId: string,
): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    if (!(await revokeDeviceOfUser(db, userId, deviceId))) return false;
    await revokeRefreshTokensOfDevice(db, deviceId);
    return true;
  });
}

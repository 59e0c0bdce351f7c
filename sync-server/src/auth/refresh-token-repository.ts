import type { Queryable } from '../database/pool.ts';

export interface StoredRefreshToken {
  id: string;
  deviceId: string;
  userId: string;
  familyId: string;
  expired: boolean;
  used: boolean;
  revoked: boolean;
  /** The device was revoked or the user deleted: the token is dead whatever its own state. */
  ownerGone: boolean;
}

export async function insertRefreshToken(
  db: Queryable,
  token: { deviceId: string; familyId: string; hash: Buffer; ttlDays: number },
): Promise<void> {
  await db.query(
    `INSERT INTO refresh_tokens (device_id, family_id, token_hash, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(days => $4))`,
    [token.deviceId, token.familyId, token.hash, token.ttlDays],
  );
}

/** Finds a token by hash and locks it, so two refreshes with one token are decided one after the other. */
export async function lockRefreshTokenByHash(
  db: Queryable,
  hash: Buffer,
): Promise<StoredRefreshToken | null> {
  const { rows } = await db.query<StoredRefreshToken>(
    `SELECT t.id, t.device_id AS "deviceId", d.user_id AS "userId", t.family_id AS "familyId",
            t.expires_at <= now() AS expired, t.used_at IS NOT NULL AS used,
            t.revoked_at IS NOT NULL AS revoked,
            (d.revoked_at IS NOT NULL OR u.deleted) AS "ownerGone"
       FROM refresh_tokens t
       JOIN devices d ON d.id = t.device_id
       JOIN users u ON u.id = d.user_id
      WHERE t.token_hash = $1
      FOR UPDATE OF t`,
    [hash],
  );
  return rows[0] ?? null;
}

export async function markRefreshTokenUsed(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE refresh_tokens SET used_at = now() WHERE id = $1', [id]);
}

export async function revokeRefreshTokenFamily(db: Queryable, familyId: string): Promise<void> {
  await db.query(
    'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
    [familyId],
  );
}

export async function revokeRefreshTokensOfDevice(db: Queryable, deviceId: string): Promise<void> {
  await db.query(
    'UPDATE refresh_tokens SET revoked_at = now() WHERE device_id = $1 AND revoked_at IS NULL',
    [deviceId],
  );
}

/** Every refresh token of every device of the user (a password change). */
export async function revokeRefreshTokensOfUser(db: Queryable, userId: string): Promise<void> {
  await db.query(
    `UPDATE refresh_tokens t SET revoked_at = now()
       FROM devices d WHERE d.id = t.device_id AND d.user_id = $1 AND t.revoked_at IS NULL`,
    [userId],
  );
}

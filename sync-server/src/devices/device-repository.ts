import type { DeviceView } from '@anochat/schemas/api/auth';
import type { Queryable } from '../database/pool.ts';

interface DeviceRow {
  id: string;
  name: string;
  box_public_key: Buffer;
  sign_public_key: Buffer;
  created_at: Date;
  revoked_at: Date | null;
  certificate: Buffer | null;
  revocation: Buffer | null;
}

const DEVICE_COLUMNS =
  'id, name, box_public_key, sign_public_key, created_at, revoked_at, certificate, revocation';

function toDeviceView(row: DeviceRow): DeviceView {
  return {
    id: row.id,
    name: row.name,
    boxPublicKey: row.box_public_key.toString('base64'),
    signPublicKey: row.sign_public_key.toString('base64'),
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    certificate: row.certificate?.toString('base64') ?? null,
    revocation: row.revocation?.toString('base64') ?? null,
  };
}

export async function insertDevice(
  db: Queryable,
  device: {
    userId: string;
    name: string;
    boxPublicKey: Buffer;
    signPublicKey: Buffer;
    certificate: Buffer;
  },
): Promise<DeviceView> {
  const { rows } = await db.query<DeviceRow>(
    `INSERT INTO devices (user_id, name, box_public_key, sign_public_key, certificate)
     VALUES ($1, $2, $3, $4, $5)
     RETURNING ${DEVICE_COLUMNS}`,
    [device.userId, device.name, device.boxPublicKey, device.signPublicKey, device.certificate],
  );
  return toDeviceView(rows[0] as DeviceRow);
}

export async function listDevicesOfUser(db: Queryable, userId: string): Promise<DeviceView[]> {
  const { rows } = await db.query<DeviceRow>(
    `SELECT ${DEVICE_COLUMNS} FROM devices WHERE user_id = $1 ORDER BY created_at, id`,
    [userId],
  );
  return rows.map(toDeviceView);
}

/**
 * When each of the user's devices last signed in or renewed its session: the newest of its refresh
 * tokens' issue and use times (a working device renews at least once per access token).
 */
export async function lastActivityOfDevices(
  db: Queryable,
  userId: string,
): Promise<Map<string, string>> {
  const { rows } = await db.query<{ device_id: string; last_active_at: Date }>(
    `SELECT t.device_id, max(greatest(t.created_at, t.used_at)) AS last_active_at
       FROM refresh_tokens t JOIN devices d ON d.id = t.device_id
      WHERE d.user_id = $1
      GROUP BY t.device_id`,
    [userId],
  );
  return new Map(rows.map((row) => [row.device_id, row.last_active_at.toISOString()]));
}

/**
 * Renames one of the user's working devices; false when the user has no such device or it is
 * revoked (a revoked device is history: its name is what it was called when it stopped).
 */
export async function renameDeviceOfUser(
  db: Queryable,
  userId: string,
  deviceId: string,
  name: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE devices SET name = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
    [deviceId, userId, name],
  );
  return rowCount === 1;
}

/** What a revocation of one of the user's devices is checked against; null when not the user's. */
export async function findDeviceForRevocation(
  db: Queryable,
  userId: string,
  deviceId: string,
): Promise<{ username: string; identityPublicKey: Buffer | null; signPublicKey: Buffer } | null> {
  const { rows } = await db.query<{
    username: string;
    identity_public_key: Buffer | null;
    sign_public_key: Buffer;
  }>(
    `SELECT u.username, u.identity_public_key, d.sign_public_key
       FROM devices d JOIN users u ON u.id = d.user_id
      WHERE d.id = $1 AND d.user_id = $2`,
    [deviceId, userId],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    username: row.username,
    identityPublicKey: row.identity_public_key,
    signPublicKey: row.sign_public_key,
  };
}

/** True when the device exists, belongs to the user, is not revoked and the user is not deleted. */
export async function isDeviceActive(
  db: Queryable,
  userId: string,
  deviceId: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM devices d JOIN users u ON u.id = d.user_id
      WHERE d.id = $1 AND d.user_id = $2 AND d.revoked_at IS NULL AND NOT u.deleted`,
    [deviceId, userId],
  );
  return rowCount === 1;
}

/**
 * Revokes one of the user's devices; one already revoked keeps its first revocation time and
 * statement. False when the user owns no such device: callers answer 404 whether it is someone
 * else's or absent.
 */
export async function revokeDeviceOfUser(
  db: Queryable,
  userId: string,
  deviceId: string,
  revocation: Buffer | null,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE devices
        SET revoked_at = coalesce(revoked_at, now()), revocation = coalesce(revocation, $3)
      WHERE id = $1 AND user_id = $2`,
    [deviceId, userId, revocation],
  );
  return rowCount === 1;
}

/**
 * Revokes every active device of the user but `keptDeviceId`, with the signed revocation given for
 * it where there is one; returns their ids. Their refresh tokens are the caller's to revoke.
 */
export async function revokeOtherDevicesOfUser(
  db: Queryable,
  userId: string,
  keptDeviceId: string,
  revocations: ReadonlyMap<string, Buffer>,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE devices d
        SET revoked_at = now(), revocation = coalesce(d.revocation, r.revocation)
       FROM (SELECT id FROM devices WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL
              ORDER BY id FOR UPDATE) AS target
       LEFT JOIN unnest($3::uuid[], $4::bytea[]) AS r (id, revocation) ON r.id = target.id
      WHERE d.id = target.id
      RETURNING d.id`,
    [userId, keptDeviceId, [...revocations.keys()], [...revocations.values()]],
  );
  return rows.map((row) => row.id);
}

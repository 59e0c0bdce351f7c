import type { SyncNacl } from '@anochat/crypto-native';
import {
  identityKeyPair,
  type LocalDevice,
  newAccountKeys,
  newCertifiedDevice,
} from '@anochat/protocol';
import jwt from 'jsonwebtoken';
import type pg from 'pg';
import { TEST_JWT_SECRET } from './sync-server.ts';

/** A benchmark's device: real keys certified by its user's identity key, and an access token. */
export interface SeededDevice {
  userId: string;
  deviceId: string;
  token: string;
  /** The device's keys: it seals and signs its messages as the app would. */
  local: LocalDevice;
}

/** An access token as the server would issue it, signed with the test secret. */
export function benchAccessToken(userId: string, deviceId: string): string {
  return jwt.sign({ did: deviceId }, TEST_JWT_SECRET, {
    algorithm: 'HS256',
    subject: userId,
    issuer: 'anochat-sync-server',
    audience: 'anochat-client',
    expiresIn: 3600,
  });
}

/**
 * `count` users named `<prefix>_<i>`, each with an identity key and one device it certified,
 * inserted in two statements (registering over HTTP would measure Argon2id, not sync).
 */
export async function seedCertifiedDevices(
  nacl: SyncNacl,
  pool: pg.Pool,
  count: number,
  prefix: string,
): Promise<SeededDevice[]> {
  const accounts = Array.from({ length: count }, (_, i) => {
    const username = `${prefix}_${i}`;
    const identity = identityKeyPair(nacl, newAccountKeys(nacl).identitySeed);
    const { keys, certificate } = newCertifiedDevice(nacl, identity.secretKey, username);
    return { username, identity, keys, certificate };
  });
  const { rows: users } = await pool.query<{ id: string; username: string }>(
    `INSERT INTO users (username, display_name, auth_hash, identity_public_key)
     SELECT u.name, u.name, '$argon2id$bench-not-a-real-hash', u.key
       FROM unnest($1::text[], $2::bytea[]) AS u (name, key)
     RETURNING id, username`,
    [accounts.map((a) => a.username), accounts.map((a) => Buffer.from(a.identity.publicKey))],
  );
  const userIds = new Map(users.map((row) => [row.username, row.id]));
  const { rows: devices } = await pool.query<{ id: string; user_id: string }>(
    `INSERT INTO devices (user_id, name, box_public_key, sign_public_key, certificate)
     SELECT d.user_id, 'bench', d.box, d.sign, d.certificate
       FROM unnest($1::uuid[], $2::bytea[], $3::bytea[], $4::bytea[])
            AS d (user_id, box, sign, certificate)
     RETURNING id, user_id`,
    [
      accounts.map((a) => userIds.get(a.username)),
      accounts.map((a) => Buffer.from(a.keys.box.publicKey)),
      accounts.map((a) => Buffer.from(a.keys.sign.publicKey)),
      accounts.map((a) => Buffer.from(a.certificate)),
    ],
  );
  const deviceOfUser = new Map(devices.map((row) => [row.user_id, row.id]));
  return accounts.map((account) => {
    const userId = userIds.get(account.username) as string;
    const deviceId = deviceOfUser.get(userId) as string;
    return {
      userId,
      deviceId,
      local: { userId, deviceId, ...account.keys },
      token: benchAccessToken(userId, deviceId),
    };
  });
}

import type { UserView } from '@anochat/schemas/api/auth';
import type { PublicProfile } from '@anochat/schemas/api/users';
import type { Queryable } from '../database/pool.ts';

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  created_at: Date;
  identity_public_key: Buffer | null;
}

const USER_COLUMNS = 'id, username, display_name, created_at, identity_public_key';

export const USERNAME_UNIQUE_CONSTRAINT = 'users_username_lower_key';

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    createdAt: row.created_at.toISOString(),
    identityPublicKey: row.identity_public_key?.toString('base64') ?? null,
  };
}

/** A recovery key as stored: Argon2id of its auth secret, and the backup sealed under it. */
export interface Recovery {
  authHash: string;
  backup: Buffer;
}

/** Throws a unique violation on USERNAME_UNIQUE_CONSTRAINT when the name is taken in any case. */
export async function insertUser(
  db: Queryable,
  user: {
    username: string;
    displayName: string;
    authHash: string;
    identityPublicKey: Buffer;
    keyBackup: Buffer;
    recovery: Recovery | null;
  },
): Promise<UserView> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (username, display_name, auth_hash, identity_public_key, key_backup,
                        recovery_auth_hash, recovery_backup)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     RETURNING ${USER_COLUMNS}`,
    [
      user.username,
      user.displayName,
      user.authHash,
      user.identityPublicKey,
      user.keyBackup,
      user.recovery?.authHash ?? null,
      user.recovery?.backup ?? null,
    ],
  );
  return toUserView(rows[0] as UserRow);
}

export interface UserCredentials {
  user: UserView;
  authHash: string;
  identityPublicKey: Buffer | null;
  keyBackup: Buffer | null;
}

type CredentialsRow = UserRow & { auth_hash: string; key_backup: Buffer | null };

function toCredentials(row: CredentialsRow | undefined): UserCredentials | null {
  if (row === undefined) return null;
  return {
    user: toUserView(row),
    authHash: row.auth_hash,
    identityPublicKey: row.identity_public_key,
    keyBackup: row.key_backup,
  };
}

export async function findUserForLogin(
  db: Queryable,
  username: string,
): Promise<UserCredentials | null> {
  const { rows } = await db.query<CredentialsRow>(
    `SELECT ${USER_COLUMNS}, auth_hash, key_backup FROM users
      WHERE lower(username) = lower($1) AND NOT deleted`,
    [username],
  );
  return toCredentials(rows[0]);
}

/** The user's credentials, locked until the caller's transaction ends. */
export async function lockUserCredentials(
  db: Queryable,
  userId: string,
): Promise<UserCredentials | null> {
  const { rows } = await db.query<CredentialsRow>(
    `SELECT ${USER_COLUMNS}, auth_hash, key_backup FROM users
      WHERE id = $1 AND NOT deleted FOR UPDATE`,
    [userId],
  );
  return toCredentials(rows[0]);
}

export async function replaceCredentials(
  db: Queryable,
  userId: string,
  credentials: { authHash: string; keyBackup: Buffer },
): Promise<void> {
  await db.query('UPDATE users SET auth_hash = $2, key_backup = $3 WHERE id = $1', [
    userId,
    credentials.authHash,
    credentials.keyBackup,
  ]);
}

export interface RecoveryCredentials {
  user: UserView;
  identityPublicKey: Buffer | null;
  /** Null when the user has no recovery key. */
  recovery: Recovery | null;
}

type RecoveryRow = UserRow & { recovery_auth_hash: string | null; recovery_backup: Buffer | null };

/**
 * The recovery key of the user with this name (any case), or null for nobody; `lock` holds the
 * row until the caller's transaction ends.
 */
export async function findRecovery(
  db: Queryable,
  username: string,
  lock = false,
): Promise<RecoveryCredentials | null> {
  const { rows } = await db.query<RecoveryRow>(
    `SELECT ${USER_COLUMNS}, recovery_auth_hash, recovery_backup FROM users
      WHERE lower(username) = lower($1) AND NOT deleted ${lock ? 'FOR UPDATE' : ''}`,
    [username],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    user: toUserView(row),
    identityPublicKey: row.identity_public_key,
    recovery:
      row.recovery_auth_hash === null || row.recovery_backup === null
        ? null
        : { authHash: row.recovery_auth_hash, backup: row.recovery_backup },
  };
}

export async function hasRecovery(db: Queryable, userId: string): Promise<boolean> {
  const { rows } = await db.query<{ enabled: boolean }>(
    'SELECT recovery_auth_hash IS NOT NULL AS enabled FROM users WHERE id = $1',
    [userId],
  );
  return rows[0]?.enabled === true;
}

export async function replaceRecovery(
  db: Queryable,
  userId: string,
  recovery: Recovery,
): Promise<void> {
  await db.query('UPDATE users SET recovery_auth_hash = $2, recovery_backup = $3 WHERE id = $1', [
    userId,
    recovery.authHash,
    recovery.backup,
  ]);
}

/** The profile of the user with exactly this name (any case), or null; deleted users are not found. */
export async function findPublicProfile(
  db: Queryable,
  username: string,
): Promise<PublicProfile | null> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE lower(username) = lower($1) AND NOT deleted`,
    [username],
  );
  const row = rows[0];
  if (row === undefined) return null;
  const { id, displayName, identityPublicKey } = toUserView(row);
  return { id, username: row.username, displayName, identityPublicKey };
}

/** `%`, `_` and the escape character itself, taken literally in a LIKE pattern (ESCAPE '\'). */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/**
 * People whose username or display name begins with $2 (any case), the searcher ($1) and anyone
 * either of them blocks left out, exact usernames first. Each beginning is a range of its own
 * partial expression index (migration 0040), so only matching rows are read: two index scans
 * united, since the server's connections do without bitmap scans (database/pool.ts).
 */
export const SEARCH_USERS_SQL = `SELECT ${USER_COLUMNS} FROM (
    SELECT ${USER_COLUMNS} FROM users
     WHERE NOT deleted AND lower(username) LIKE lower($2) || '%' ESCAPE '\\'
    UNION
    SELECT ${USER_COLUMNS} FROM users
     WHERE NOT deleted AND lower(display_name) LIKE lower($2) || '%' ESCAPE '\\'
  ) u
  WHERE u.id <> $1
    AND NOT EXISTS (SELECT 1 FROM blocks b
                     WHERE NOT b.deleted
                       AND ((b.user_id = $1 AND b.blocked_user_id = u.id)
                         OR (b.user_id = u.id AND b.blocked_user_id = $1)))
  ORDER BY lower(u.username) = lower($3) DESC, lower(u.username)
  LIMIT $4`;

export async function searchPublicProfiles(
  db: Queryable,
  searcherId: string,
  query: string,
  limit: number,
): Promise<PublicProfile[]> {
  const { rows } = await db.query<UserRow>(SEARCH_USERS_SQL, [
    searcherId,
    likeLiteral(query),
    query,
    limit,
  ]);
  return rows.map((row) => {
    const { id, username, displayName, identityPublicKey } = toUserView(row);
    return { id, username, displayName, identityPublicKey };
  });
}

import type { UserView } from '@anochat/schemas/api/auth';
import type { Queryable } from '../database/pool.ts';

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  created_at: Date;
}

export const USERNAME_UNIQUE_CONSTRAINT = 'users_username_lower_key';

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    createdAt: row.created_at.toISOString(),
  };
}

/** Throws a unique violation on USERNAME_UNIQUE_CONSTRAINT when the name is taken in any case. */
export async function insertUser(
  db: Queryable,
  user: { username: string; displayName: string; authHash: string },
): Promise<UserView> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (username, display_name, auth_hash) VALUES ($1, $2, $3)
     RETURNING id, username, display_name, created_at`,
    [user.username, user.displayName, user.authHash],
  );
  return toUserView(rows[0] as UserRow);
}

export async function findUserForLogin(
  db: Queryable,
  username: string,
): Promise<{ user: UserView; authHash: string } | null> {
  const { rows } = await db.query<UserRow & { auth_hash: string }>(
    `SELECT id, username, display_name, created_at, auth_hash FROM users
      WHERE lower(username) = lower($1) AND NOT deleted`,
    [username],
  );
  const row = rows[0];
  return row === undefined ? null : { user: toUserView(row), authHash: row.auth_hash };
}

import { createHash, randomBytes } from 'node:crypto';
import { INVITE_TOKEN_BYTES, type InviteView } from '@anochat/schemas/api/invites';
import type { PublicProfile } from '@anochat/schemas/api/users';
import type { Queryable } from '../database/pool.ts';

/** A new token and the hash the server keeps of it. */
export function newInviteToken(): { token: string; hash: Buffer } {
  const token = randomBytes(INVITE_TOKEN_BYTES).toString('base64url');
  return { token, hash: hashInviteToken(token) };
}

/** 256 random bits need no salt nor slow hash: nobody can guess a token from its hash. */
export function hashInviteToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

interface InviteRow {
  id: string;
  conversation_id: string | null;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const INVITE_COLUMNS = 'id, conversation_id, created_at, expires_at, revoked_at';

function toInviteView(row: InviteRow): InviteView {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

export async function insertInvite(
  db: Queryable,
  invite: { createdBy: string; conversationId: string | null; hash: Buffer; hours: number },
): Promise<InviteView> {
  const { rows } = await db.query<InviteRow>(
    `INSERT INTO invites (token_hash, created_by, conversation_id, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(hours => $4))
     RETURNING ${INVITE_COLUMNS}`,
    [invite.hash, invite.createdBy, invite.conversationId, invite.hours],
  );
  return toInviteView(rows[0] as InviteRow);
}

/** The user's invites neither revoked nor expired, newest first. */
export async function listInvites(db: Queryable, userId: string): Promise<InviteView[]> {
  const { rows } = await db.query<InviteRow>(
    `SELECT ${INVITE_COLUMNS} FROM invites
      WHERE created_by = $1 AND revoked_at IS NULL AND expires_at > now()
      ORDER BY created_at DESC, id`,
    [userId],
  );
  return rows.map(toInviteView);
}

/** Revokes one of the user's invites (again: no change); false when the user has no such invite. */
export async function revokeInvite(db: Queryable, userId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE invites SET revoked_at = coalesce(revoked_at, now())
      WHERE id = $1 AND created_by = $2`,
    [id, userId],
  );
  return rowCount === 1;
}

/** Where the maker of a group invite stands in the group, when the invite is made or used. */
export interface GroupStanding {
  kind: 'direct' | 'group';
  deleted: boolean;
  /** A current member who accepted, as an admin. */
  admin: boolean;
  /** A current member who accepted. */
  member: boolean;
}

export async function groupStanding(
  db: Queryable,
  conversationId: string,
  userId: string,
): Promise<GroupStanding | null> {
  const { rows } = await db.query<GroupStanding>(
    `SELECT c.kind, c.deleted,
            (m.role = 'admin' AND m.removed_at IS NULL AND m.accepted_at IS NOT NULL) AS admin,
            (m.removed_at IS NULL AND m.accepted_at IS NOT NULL) AS member
       FROM conversations c
       JOIN members m ON m.conversation_id = c.id AND m.user_id = $2
      WHERE c.id = $1`,
    [conversationId, userId],
  );
  return rows[0] ?? null;
}

export interface StoredInvite {
  id: string;
  createdBy: string;
  conversationId: string | null;
  expiresAt: string;
  expired: boolean;
  revoked: boolean;
  inviter: PublicProfile;
}

/** The invite with this token, whatever its state, with its maker's public profile; or null. */
export async function findInviteByToken(
  db: Queryable,
  token: string,
): Promise<StoredInvite | null> {
  const { rows } = await db.query<{
    id: string;
    created_by: string;
    conversation_id: string | null;
    expires_at: Date;
    expired: boolean;
    revoked: boolean;
    username: string;
    display_name: string;
    identity_public_key: Buffer | null;
    maker_deleted: boolean;
  }>(
    `SELECT i.id, i.created_by, i.conversation_id, i.expires_at, i.expires_at <= now() AS expired,
            i.revoked_at IS NOT NULL AS revoked, u.username, u.display_name,
            u.identity_public_key, u.deleted AS maker_deleted
       FROM invites i JOIN users u ON u.id = i.created_by
      WHERE i.token_hash = $1`,
    [hashInviteToken(token)],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    id: row.id,
    createdBy: row.created_by,
    conversationId: row.conversation_id,
    expiresAt: row.expires_at.toISOString(),
    expired: row.expired,
    // A deleted maker's invites are void.
    revoked: row.revoked || row.maker_deleted,
    inviter: {
      id: row.created_by,
      username: row.username,
      displayName: row.display_name,
      identityPublicKey: row.identity_public_key?.toString('base64') ?? null,
    },
  };
}

/** Whether either user blocks the other. */
export async function eitherBlocks(db: Queryable, a: string, b: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM blocks
      WHERE NOT deleted AND ((user_id = $1 AND blocked_user_id = $2)
                          OR (user_id = $2 AND blocked_user_id = $1))`,
    [a, b],
  );
  return rows.length > 0;
}

export async function recordRedemption(
  db: Queryable,
  inviteId: string,
  userId: string,
): Promise<void> {
  await db.query(
    `INSERT INTO invite_redemptions (invite_id, user_id) VALUES ($1, $2)
     ON CONFLICT (user_id, invite_id) DO UPDATE SET redeemed_at = now()`,
    [inviteId, userId],
  );
}

/**
 * Makes `userId` an accepted member of the group, invited by `invitedBy`: a new membership, a
 * former member made active again, or a pending request accepted. The membership trigger
 * (migrations 0003, 0010) makes it a visibility change like any add. Answers whether anything
 * changed (false for someone already in).
 */
export async function joinGroup(
  db: Queryable,
  conversationId: string,
  userId: string,
  invitedBy: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO members AS m (conversation_id, user_id, role, invited_by, accepted_at)
     VALUES ($1, $2, 'member', $3, now())
     ON CONFLICT (conversation_id, user_id) DO UPDATE
        SET role = CASE WHEN m.removed_at IS NULL THEN m.role ELSE 'member' END,
            invited_by = CASE WHEN m.removed_at IS NULL THEN m.invited_by ELSE $3 END,
            invited_at = CASE WHEN m.removed_at IS NULL THEN m.invited_at ELSE now() END,
            accepted_at = CASE WHEN m.removed_at IS NULL THEN coalesce(m.accepted_at, now())
                               ELSE now() END,
            removed_at = NULL
      WHERE m.removed_at IS NOT NULL OR m.accepted_at IS NULL`,
    [conversationId, userId, invitedBy],
  );
  return rowCount === 1;
}

/** Everyone currently in the conversation (requests included): the users a change concerns. */
export async function currentMemberIds(db: Queryable, conversationId: string): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(
    'SELECT user_id FROM members WHERE conversation_id = $1 AND removed_at IS NULL',
    [conversationId],
  );
  return rows.map((row) => row.user_id);
}

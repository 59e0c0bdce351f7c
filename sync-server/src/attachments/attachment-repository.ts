import type { Pool, Queryable } from '../database/pool.ts';
import { inTransaction } from '../database/transaction.ts';

/** The server's record of a blob: who bound it to which conversation and message, how large. */
export interface BlobRecord {
  id: string;
  userId: string;
  deviceId: string;
  conversationId: string;
  messageId: string;
  size: number;
  completed: boolean;
}

const COLUMNS = `id, user_id AS "userId", device_id AS "deviceId", conversation_id AS "conversationId",
  message_id AS "messageId", size::float8 AS size, completed_at IS NOT NULL AS completed`;

/** A current member who has accepted (message requests) of a conversation that is not deleted. */
export async function isCurrentMember(
  db: Queryable,
  conversationId: string,
  userId: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.conversation_id = $1 AND m.user_id = $2 AND m.removed_at IS NULL
        AND m.accepted_at IS NOT NULL AND NOT c.deleted`,
    [conversationId, userId],
  );
  return rowCount === 1;
}

export type CreateOutcome =
  | { created: true }
  | { created: false; reason: 'quota'; heldBytes: number }
  | { created: false; reason: 'message-taken'; existing: BlobRecord | null };

/**
 * Records a new blob if the user's bytes (uploads in progress included) stay within the quota.
 * The user's row lock serialises concurrent creations of one user, so two uploads cannot both fit
 * into the last free bytes.
 */
export function createBlobRecord(
  pool: Pool,
  blob: Omit<BlobRecord, 'completed'>,
  quotaBytes: number,
): Promise<CreateOutcome> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [blob.userId]);
    const taken = await client.query<BlobRecord>(
      `SELECT ${COLUMNS} FROM attachment_blobs WHERE message_id = $1`,
      [blob.messageId],
    );
    if (taken.rowCount !== 0) {
      const existing = taken.rows[0] as BlobRecord;
      return {
        created: false,
        reason: 'message-taken',
        existing: existing.deviceId === blob.deviceId ? existing : null,
      };
    }
    const held = await client.query<{ bytes: number }>(
      'SELECT coalesce(sum(size), 0)::float8 AS bytes FROM attachment_blobs WHERE user_id = $1',
      [blob.userId],
    );
    const heldBytes = held.rows[0]?.bytes ?? 0;
    if (heldBytes + blob.size > quotaBytes) return { created: false, reason: 'quota', heldBytes };
    await client.query(
      `INSERT INTO attachment_blobs (id, user_id, device_id, conversation_id, message_id, size)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [blob.id, blob.userId, blob.deviceId, blob.conversationId, blob.messageId, blob.size],
    );
    return { created: true };
  });
}

export async function findBlobRecord(db: Queryable, id: string): Promise<BlobRecord | null> {
  const { rows } = await db.query<BlobRecord>(
    `SELECT ${COLUMNS} FROM attachment_blobs WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

export async function markBlobComplete(db: Queryable, id: string): Promise<void> {
  await db.query(
    'UPDATE attachment_blobs SET completed_at = now() WHERE id = $1 AND completed_at IS NULL',
    [id],
  );
}

export async function deleteBlobRecord(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM attachment_blobs WHERE id = $1', [id]);
}

/** Whether the message that carries the blob was deleted for everyone. */
export async function isMessageDeleted(db: Queryable, messageId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM messages WHERE id = $1 AND deleted', [
    messageId,
  ]);
  return rowCount === 1;
}

/** This database's blob store id (migration 0030): its blobs live in a folder of that name. */
export async function attachmentStoreId(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM attachment_store');
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('attachment_store has no row');
  return id;
}

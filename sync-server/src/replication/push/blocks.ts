import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { DOCUMENT_SHAPES, type Row } from '../documents.ts';
import { compare } from './compare.ts';
import { existingUsers } from './lookups.ts';
import {
  type BatchHandler,
  CONVERSATION_SCOPED,
  type Notification,
  type RowOutcome,
  reject,
  UNCHANGED,
  WRITTEN,
} from './types.ts';

const toDocument = DOCUMENT_SHAPES.blocks.toDocument;

/**
 * A user writes their own block list: a new row (or an undeleted one) blocks, `_deleted: true`
 * unblocks. Blocking someone also leaves, in the same transaction, every direct conversation with
 * them and every request they sent that is still waiting (docs/protocol.md, "Message requests and
 * blocks"); from then on they cannot bring the user into a conversation, and see neither the
 * user's presence nor devices. Unblocking restores none of that: it only lets them ask again.
 */
export const pushBlocks: BatchHandler = async (db, author, rows) => {
  const { rows: storedRows } = await db.query<Row>({
    name: 'push-lock-blocks',
    text: `SELECT ${DOCUMENT_SHAPES.blocks.columns('t')} FROM blocks t
            WHERE t.user_id = $1 AND t.blocked_user_id = ANY($2::uuid[])
            ORDER BY t.blocked_user_id FOR UPDATE`,
    values: [author.userId, rows.map((row) => row.newDocumentState.blockedUserId)],
  });
  const stored = new Map(storedRows.map((row) => [row.blocked_user_id as string, row]));
  const users = await existingUsers(
    db,
    rows
      .filter((row) => !stored.has(row.newDocumentState.blockedUserId as string))
      .map((row) => row.newDocumentState.blockedUserId as string),
  );

  const writes: WireDocument[] = [];
  const outcomes = rows.map((row): RowOutcome => {
    const next = row.newDocumentState;
    if (next.id !== `${next.userId}|${next.blockedUserId}`) {
      return reject('INVALID_ROW', 'id must be <userId>|<blockedUserId>');
    }
    if (next.userId !== author.userId) return reject('FORBIDDEN', 'you write your own blocks only');
    if (next.blockedUserId === author.userId) {
      return reject('INVALID_ROW', 'you cannot block yourself');
    }
    const storedRow = stored.get(next.blockedUserId as string);
    const current = storedRow === undefined ? null : toDocument(storedRow);
    const action = compare(current, row, ['userId', 'blockedUserId']);
    if (action === 'same') return UNCHANGED;
    if (action === 'conflict') return { kind: 'conflict', master: current as WireDocument };
    if (action === 'missing') return reject('NOT_FOUND', 'no such block');
    if (current === null) {
      if (next._deleted) return reject('INVALID_ROW', 'a block cannot be created deleted');
      if (!users.has(next.blockedUserId as string)) {
        return reject('INVALID_REFERENCE', 'blockedUserId is not a user');
      }
    }
    writes.push(next);
    return WRITTEN;
  });
  if (writes.length === 0) return { outcomes, notifications: [] };

  await db.query({
    name: 'push-upsert-blocks',
    text: `INSERT INTO blocks (user_id, blocked_user_id, deleted)
           SELECT $1::uuid, b, d FROM unnest($2::uuid[], $3::boolean[]) AS u (b, d) ORDER BY b
           ON CONFLICT (user_id, blocked_user_id) DO UPDATE SET deleted = EXCLUDED.deleted`,
    values: [
      author.userId,
      writes.map((next) => next.blockedUserId),
      writes.map((next) => next._deleted),
    ],
  });
  const notifications: Notification[] = [{ userIds: [author.userId], collections: ['blocks'] }];
  const blocked = writes.filter((next) => !next._deleted).map((next) => next.blockedUserId);
  if (blocked.length > 0) {
    const { rows: left } = await db.query<{ user_id: string }>({
      name: 'push-block-leaves',
      text: `WITH leaving AS (
               UPDATE members m SET removed_at = now()
                 FROM conversations c
                WHERE m.user_id = $1 AND m.removed_at IS NULL AND c.id = m.conversation_id
                  AND ((c.kind = 'direct' AND (c.created_by = ANY($2::uuid[])
                                                OR c.direct_peer_id = ANY($2::uuid[])))
                       OR (m.accepted_at IS NULL AND m.invited_by = ANY($2::uuid[])))
               RETURNING m.conversation_id)
             SELECT DISTINCT o.user_id FROM members o
              WHERE o.conversation_id IN (SELECT conversation_id FROM leaving)`,
      values: [author.userId, blocked],
    });
    if (left.length > 0) {
      notifications.push({
        userIds: left.map((row) => row.user_id),
        collections: CONVERSATION_SCOPED,
      });
    }
  }
  return { outcomes, notifications };
};

import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { DOCUMENT_SHAPES } from '../documents.ts';
import { compare } from './compare.ts';
import { ConversationMembers, existingUsers, lockById } from './lookups.ts';
import {
  type BatchHandler,
  CONVERSATION_DELETED,
  CONVERSATION_SCOPED,
  fromBase64,
  NOT_MEMBER,
  type Notification,
  RETRY,
  type RowOutcome,
  reject,
  UNCHANGED,
  WRITTEN,
} from './types.ts';

const toDocument = DOCUMENT_SHAPES.conversations.toDocument;

/**
 * Anyone creates a conversation as its creator (a direct one with its peer; both become admins);
 * only admins change the title or delete it; kind, creator and peer never change; a deleted
 * conversation stays deleted and keeps its last title.
 */
export const pushConversations: BatchHandler = async (db, author, rows) => {
  const ids = rows.map((row) => row.newDocumentState.id);
  const stored = await lockById(db, 'conversations', ids);
  const members = await ConversationMembers.load(
    db,
    ids.filter((id) => stored.has(id)),
  );
  const peers = await existingUsers(
    db,
    rows
      .map((row) => row.newDocumentState.directPeerId)
      .filter((peer): peer is string => typeof peer === 'string'),
  );

  const inserts: WireDocument[] = [];
  const updates: WireDocument[] = [];
  const outcomes = rows.map((row): RowOutcome => {
    const next = row.newDocumentState;
    const storedRow = stored.get(next.id);
    const current = storedRow === undefined ? null : toDocument(storedRow);
    const action = compare(current, row, ['kind', 'titleCiphertext', 'createdBy', 'directPeerId']);
    if (current !== null) {
      const mine = members.of(next.id, author.userId);
      if (mine?.active !== true) return NOT_MEMBER;
      if (action === 'same') return UNCHANGED;
      if (action === 'conflict') return { kind: 'conflict', master: current };
      if (current._deleted) return CONVERSATION_DELETED;
      for (const field of ['kind', 'createdBy', 'directPeerId']) {
        if (current[field] !== next[field]) {
          return reject('IMMUTABLE_FIELD', `${field} never changes`);
        }
      }
      if (mine.role !== 'admin') return reject('NOT_ADMIN', 'only admins change a conversation');
      updates.push(next);
      return WRITTEN;
    }
    if (action === 'missing') return reject('NOT_FOUND', 'no such conversation');
    if (next.createdBy !== author.userId) {
      return reject('WRONG_SENDER', 'createdBy must be your own user id');
    }
    if (next._deleted) return reject('INVALID_ROW', 'a conversation cannot be created deleted');
    const peer = next.directPeerId as string | null;
    if (next.kind === 'direct') {
      if (peer === null || peer === author.userId) {
        return reject('INVALID_ROW', 'a direct conversation needs directPeerId, another user');
      }
      if (!peers.has(peer)) return reject('INVALID_REFERENCE', 'directPeerId is not a user');
    } else if (peer !== null) {
      return reject('INVALID_ROW', 'a group conversation has no directPeerId');
    }
    inserts.push(next);
    return WRITTEN;
  });

  const inserted = new Set<string>();
  const notifications: Notification[] = [];
  if (inserts.length > 0) {
    const { rows: created } = await db.query<{ id: string; direct_peer_id: string | null }>({
      name: 'push-insert-conversations',
      text: `INSERT INTO conversations (id, kind, title_ciphertext, created_by, direct_peer_id)
             SELECT u.id, u.kind, u.title, $4::uuid, u.peer
               FROM unnest($1::uuid[], $2::text[], $3::bytea[], $5::uuid[]) AS u (id, kind, title, peer)
              ORDER BY u.id
             ON CONFLICT (id) DO NOTHING RETURNING id, direct_peer_id`,
      values: [
        inserts.map((next) => next.id),
        inserts.map((next) => next.kind),
        inserts.map((next) => fromBase64(next.titleCiphertext)),
        author.userId,
        inserts.map((next) => next.directPeerId),
      ],
    });
    // The creator, and the peer of a direct conversation, are its admins.
    const memberRows = created.flatMap((row) =>
      [author.userId, row.direct_peer_id]
        .filter((user): user is string => user !== null)
        .map((user) => [row.id, user] as const),
    );
    if (memberRows.length > 0) {
      await db.query({
        name: 'push-insert-conversation-admins',
        text: `INSERT INTO members (conversation_id, user_id, role)
               SELECT c, u, 'admin' FROM unnest($1::uuid[], $2::uuid[]) AS x (c, u)`,
        values: [memberRows.map(([c]) => c), memberRows.map(([, u]) => u)],
      });
    }
    for (const row of created) {
      inserted.add(row.id);
      notifications.push({
        userIds:
          row.direct_peer_id === null ? [author.userId] : [author.userId, row.direct_peer_id],
        collections: CONVERSATION_SCOPED,
      });
    }
  }
  if (updates.length > 0) {
    await db.query({
      name: 'push-update-conversations',
      text: `UPDATE conversations c SET title_ciphertext = u.title, deleted = u.deleted
               FROM unnest($1::uuid[], $2::bytea[], $3::boolean[]) AS u (id, title, deleted)
              WHERE c.id = u.id`,
      values: [
        updates.map((next) => next.id),
        updates.map((next) => fromBase64(next.titleCiphertext)),
        updates.map((next) => next._deleted),
      ],
    });
    notifications.push({
      userIds: members.usersOf(updates.map((next) => next.id)),
      collections: ['conversations'],
    });
  }
  const lost = new Set(inserts.map((next) => next.id).filter((id) => !inserted.has(id)));
  return {
    outcomes: outcomes.map((outcome, index) =>
      lost.has(rows[index]?.newDocumentState.id as string) ? RETRY : outcome,
    ),
    notifications,
  };
};

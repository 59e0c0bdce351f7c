import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { DOCUMENT_SHAPES } from '../documents.ts';
import { compare } from './compare.ts';
import { loadConsent, remainingQuota } from './consent.ts';
import { ConversationMembers, existingUsers, lockById } from './lookups.ts';
import {
  type BatchHandler,
  BLOCKED,
  CONVERSATION_DELETED,
  CONVERSATION_SCOPED,
  fromBase64,
  type Notification,
  RETRY,
  type RowOutcome,
  reject,
  UNCHANGED,
  WRITTEN,
} from './types.ts';

const toDocument = DOCUMENT_SHAPES.conversations.toDocument;
const ALREADY_ASKED = reject(
  'QUOTA_EXCEEDED',
  'your direct conversation with this person still waits for their answer: write there',
);

/**
 * Anyone creates a conversation as its creator (a direct one with its peer; both become admins);
 * only admins who accepted change the title or delete it; kind, creator and peer never change;
 * a deleted conversation stays deleted and keeps its last title.
 * A direct conversation with someone who does not know the creator is a message request to them
 * (their membership waits for their acceptance), one open request per person; with someone who
 * blocks the creator it is refused.
 * New conversations and requests count against the creator's hourly quotas.
 */
export const pushConversations: BatchHandler = async (db, author, rows, _checks, quotas) => {
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

  const candidates: WireDocument[] = [];
  const updates: WireDocument[] = [];
  const decided = rows.map((row): RowOutcome => {
    const next = row.newDocumentState;
    const storedRow = stored.get(next.id);
    const current = storedRow === undefined ? null : toDocument(storedRow);
    const action = compare(current, row, ['kind', 'titleCiphertext', 'createdBy', 'directPeerId']);
    if (current !== null) {
      // A retried deletion is the same row again, not a write into the deleted conversation.
      const refusal = members.refusalFor(next.id, author.userId);
      if (refusal !== null && refusal !== CONVERSATION_DELETED) return refusal;
      if (action === 'same') return UNCHANGED;
      if (action === 'conflict') return { kind: 'conflict', master: current };
      if (current._deleted) return CONVERSATION_DELETED;
      for (const field of ['kind', 'createdBy', 'directPeerId']) {
        if (current[field] !== next[field]) {
          return reject('IMMUTABLE_FIELD', `${field} never changes`);
        }
      }
      if (members.of(next.id, author.userId)?.role !== 'admin') {
        return reject('NOT_ADMIN', 'only admins change a conversation');
      }
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
    candidates.push(next);
    return WRITTEN;
  });

  // New conversations: the peers' consent, then the quotas, in the order of the rows.
  const inserts: WireDocument[] = [];
  const refusedInserts = new Map<string, RowOutcome>();
  const peerAccepts = new Set<string>();
  if (candidates.length > 0) {
    const consent = await loadConsent(
      db,
      author.userId,
      candidates.flatMap((next) =>
        next.directPeerId === null ? [] : [next.directPeerId as string],
      ),
    );
    const quota = await remainingQuota(db, author.userId, quotas);
    const asked = new Set(consent.askedByAuthor);
    for (const next of candidates) {
      const peer = next.directPeerId as string | null;
      if (peer !== null && consent.blocksAuthor.has(peer)) {
        refusedInserts.set(next.id, BLOCKED);
        continue;
      }
      const request =
        peer !== null && !consent.knowsAuthor.has(peer) && !consent.invitedAuthor.has(peer);
      // One open request per person: write on in it until they answer.
      if (request && asked.has(peer)) {
        refusedInserts.set(next.id, ALREADY_ASKED);
        continue;
      }
      if (request) asked.add(peer);
      const overQuota = quota.spend(1, request ? 1 : 0);
      if (overQuota !== null) {
        refusedInserts.set(next.id, overQuota);
        continue;
      }
      if (peer !== null && !request) peerAccepts.add(next.id);
      inserts.push(next);
    }
  }
  const outcomes = decided.map(
    (outcome, index) => refusedInserts.get(rows[index]?.newDocumentState.id as string) ?? outcome,
  );

  const inserted = new Set<string>();
  const notifications: Notification[] = [];
  if (inserts.length > 0) {
    const { rows: created } = await db.query<{ id: string; direct_peer_id: string | null }>({
      name: 'push-insert-conversations',
      text: `INSERT INTO conversations
               (id, kind, title_ciphertext, created_by, direct_peer_id, title_changed_at)
             SELECT u.id, u.kind, u.title, $4::uuid, u.peer,
                    CASE WHEN u.title IS NOT NULL THEN now() END
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
    // The creator, and the peer of a direct conversation, are its admins; the creator has
    // accepted, the peer has if it knows the creator (else the membership is a request).
    const memberRows = created.flatMap((row) => [
      { conversationId: row.id, userId: author.userId, invitedBy: null, accepted: true },
      ...(row.direct_peer_id === null
        ? []
        : [
            {
              conversationId: row.id,
              userId: row.direct_peer_id,
              invitedBy: author.userId,
              accepted: peerAccepts.has(row.id),
            },
          ]),
    ]);
    if (memberRows.length > 0) {
      await db.query({
        name: 'push-insert-conversation-admins',
        text: `INSERT INTO members (conversation_id, user_id, role, invited_by, accepted_at)
               SELECT c, u, 'admin', i, CASE WHEN a THEN now() END
                 FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::boolean[]) AS x (c, u, i, a)`,
        values: [
          memberRows.map((member) => member.conversationId),
          memberRows.map((member) => member.userId),
          memberRows.map((member) => member.invitedBy),
          memberRows.map((member) => member.accepted),
        ],
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
      text: `UPDATE conversations c
                SET title_ciphertext = u.title, deleted = u.deleted,
                    title_changed_at = CASE WHEN u.title IS DISTINCT FROM c.title_ciphertext
                                            THEN now() ELSE c.title_changed_at END
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

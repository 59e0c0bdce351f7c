import type { PushRow, WireDocument } from '@anochat/schemas/rxdb/sync';
import { DOCUMENT_SHAPES, type Row } from '../documents.ts';
import { compare } from './compare.ts';
import { ConversationMembers, existingUsers } from './lookups.ts';
import {
  type BatchHandler,
  CONVERSATION_DELETED,
  CONVERSATION_SCOPED,
  NOT_MEMBER,
  type RowOutcome,
  reject,
  UNCHANGED,
  WRITTEN,
} from './types.ts';

const toDocument = DOCUMENT_SHAPES.members.toDocument;

/** Pushing a deletion means removal: the row itself stays so the member learns of it. */
function normalize(row: PushRow): PushRow {
  const next = { ...row.newDocumentState };
  next.removed = next.removed === true || next._deleted;
  next._deleted = false;
  return { ...row, newDocumentState: next };
}

/**
 * Admins add, remove and change members of a group; anyone removes themselves; a direct
 * conversation keeps its two members. Reads: the conversations and all their members (both
 * locked, so membership changes of one conversation take turns). Rows are decided in order
 * against the batch's own earlier changes (an admin who leaves in row 1 adds nobody in row 2).
 */
export const pushMembers: BatchHandler = async (db, author, rows) => {
  const normalized = rows.map(normalize);
  const conversationIds = [
    ...new Set(normalized.map((row) => row.newDocumentState.conversationId as string)),
  ];
  const { rows: conversations } = await db.query<{ id: string; kind: string; deleted: boolean }>({
    name: 'push-lock-member-conversations-deleted',
    text: `SELECT id, kind, deleted FROM conversations WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    values: [conversationIds],
  });
  const kindOf = new Map(conversations.map((row) => [row.id, row.kind]));
  const deleted = new Set(conversations.filter((row) => row.deleted).map((row) => row.id));
  const { rows: memberRows } = await db.query<Row>({
    name: 'push-lock-members',
    text: `SELECT ${DOCUMENT_SHAPES.members.columns('t')}, t.removed_at IS NULL AS active FROM members t
            WHERE t.conversation_id = ANY($1::uuid[])
            ORDER BY t.conversation_id, t.user_id FOR UPDATE`,
    values: [conversationIds],
  });
  const members = ConversationMembers.fromRows(
    memberRows as unknown as Parameters<typeof ConversationMembers.fromRows>[0],
  );
  const stored = new Map(memberRows.map((row) => [`${row.conversation_id}|${row.user_id}`, row]));
  const users = await existingUsers(
    db,
    normalized
      .filter((row) => !stored.has(row.newDocumentState.id))
      .map((row) => row.newDocumentState.userId as string),
  );

  const inserts: WireDocument[] = [];
  const updates: WireDocument[] = [];
  const outcomes = normalized.map((row): RowOutcome => {
    const next = row.newDocumentState;
    if (next.id !== `${next.conversationId}|${next.userId}`) {
      return reject('INVALID_ROW', 'id must be <conversationId>|<userId>');
    }
    const conversationId = next.conversationId as string;
    const userId = next.userId as string;
    const mine = kindOf.has(conversationId) ? members.of(conversationId, author.userId) : undefined;
    if (mine?.active !== true) return NOT_MEMBER;
    if (deleted.has(conversationId)) return CONVERSATION_DELETED;
    const storedRow = stored.get(next.id);
    const current = storedRow === undefined ? null : toDocument(storedRow);
    const action = compare(current, row, ['role', 'removed']);
    if (action === 'same') return UNCHANGED;
    if (action === 'conflict') return { kind: 'conflict', master: current as WireDocument };
    if (action === 'missing') return reject('NOT_FOUND', 'no such member');
    if (kindOf.get(conversationId) === 'direct') {
      return reject('DIRECT_MEMBERS_FIXED', 'a direct conversation keeps its two members');
    }
    const leaving =
      current !== null &&
      userId === author.userId &&
      next.removed === true &&
      current.removed === false &&
      current.role === next.role;
    if (!leaving && mine.role !== 'admin') {
      return reject('NOT_ADMIN', 'only admins add, remove or change members');
    }
    if (current === null) {
      if (next.removed) return reject('INVALID_ROW', 'a member cannot be added removed');
      if (!users.has(userId)) return reject('INVALID_REFERENCE', 'userId is not a user');
      inserts.push(next);
    } else {
      updates.push(next);
    }
    members.set(conversationId, userId, {
      role: next.role as 'admin' | 'member',
      active: next.removed !== true,
    });
    return WRITTEN;
  });

  if (inserts.length > 0) {
    await db.query({
      name: 'push-insert-members',
      text: `INSERT INTO members (conversation_id, user_id, role)
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])`,
      values: [
        inserts.map((next) => next.conversationId),
        inserts.map((next) => next.userId),
        inserts.map((next) => next.role),
      ],
    });
  }
  if (updates.length > 0) {
    await db.query({
      name: 'push-update-members',
      text: `UPDATE members m
                SET role = u.role,
                    removed_at = CASE WHEN u.removed THEN coalesce(m.removed_at, now()) END
               FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::boolean[])
                    AS u (conversation_id, user_id, role, removed)
              WHERE m.conversation_id = u.conversation_id AND m.user_id = u.user_id`,
      values: [
        updates.map((next) => next.conversationId),
        updates.map((next) => next.userId),
        updates.map((next) => next.role),
        updates.map((next) => next.removed),
      ],
    });
  }
  const touched = [...inserts, ...updates].map((next) => next.conversationId as string);
  return {
    outcomes,
    notifications:
      touched.length === 0
        ? []
        : [{ userIds: members.usersOf(touched), collections: CONVERSATION_SCOPED }],
  };
};

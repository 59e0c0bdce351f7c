import type { PushRow, WireDocument } from '@anochat/schemas/rxdb/sync';
import { DOCUMENT_SHAPES, type Row } from '../documents.ts';
import { compare } from './compare.ts';
import { loadConsent, remainingQuota } from './consent.ts';
import { ConversationMembers, existingUsers } from './lookups.ts';
import {
  type BatchHandler,
  BLOCKED,
  CONVERSATION_DELETED,
  CONVERSATION_SCOPED,
  NOT_MEMBER,
  REQUEST_PENDING,
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
 *
 * Message requests (docs/protocol.md, "Message requests and blocks"): a member added (or added
 * again) by someone they do not know waits for their acceptance, and counts against the adder's
 * request quota; someone who blocks the adder cannot be added. A member who has not accepted may
 * only accept (their own `accepted` to true) or leave, in a direct conversation too (declining).
 */
export const pushMembers: BatchHandler = async (db, author, rows, _checks, quotas) => {
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
  const joining = normalized
    .filter((row) => row.newDocumentState.userId !== author.userId)
    .filter((row) => stored.get(row.newDocumentState.id)?.active !== true)
    .map((row) => row.newDocumentState.userId as string);
  const users = await existingUsers(
    db,
    normalized
      .filter((row) => !stored.has(row.newDocumentState.id))
      .map((row) => row.newDocumentState.userId as string),
  );
  const consent = await loadConsent(db, author.userId, joining);
  const quota = joining.length > 0 ? await remainingQuota(db, author.userId, quotas) : null;

  const inserts: Joining[] = [];
  const updates: Joining[] = [];
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
    // `accepted` is the server's, except that a member may accept their own request.
    const accepting =
      current !== null && userId === author.userId && current.accepted === false && next.accepted;
    next.accepted = current?.accepted === true || accepting;
    const action = compare(current, row, ['role', 'removed', 'accepted']);
    if (action === 'same') return UNCHANGED;
    if (action === 'conflict') return { kind: 'conflict', master: current as WireDocument };
    if (action === 'missing') return reject('NOT_FOUND', 'no such member');
    const own = current !== null && userId === author.userId && current.role === next.role;
    const leaving = own && next.removed === true && current.removed === false && !accepting;
    const accepts = own && accepting && next.removed === false && current.removed === false;
    if (!mine.accepted && !leaving && !accepts) return REQUEST_PENDING;
    if (kindOf.get(conversationId) === 'direct' && !(accepts || (leaving && !mine.accepted))) {
      return reject('DIRECT_MEMBERS_FIXED', 'a direct conversation keeps its two members');
    }
    if (!leaving && !accepts && mine.role !== 'admin') {
      return reject('NOT_ADMIN', 'only admins add, remove or change members');
    }
    const joins = next.removed !== true && (current === null || current.removed === true);
    let accepted = next.accepted === true;
    if (joins) {
      if (current === null && !users.has(userId)) {
        return reject('INVALID_REFERENCE', 'userId is not a user');
      }
      if (consent.blocksAuthor.has(userId)) return BLOCKED;
      accepted = consent.knowsAuthor.has(userId);
      const overQuota = quota?.spend(0, accepted ? 0 : 1) ?? null;
      if (overQuota !== null) return overQuota;
    } else if (current === null) {
      return reject('INVALID_ROW', 'a member cannot be added removed');
    }
    (current === null ? inserts : updates).push({ next, joins, accepted });
    members.set(conversationId, userId, {
      role: next.role as 'admin' | 'member',
      active: next.removed !== true,
      accepted,
    });
    return WRITTEN;
  });

  if (inserts.length > 0) {
    await db.query({
      name: 'push-insert-members',
      text: `INSERT INTO members (conversation_id, user_id, role, invited_by, accepted_at)
             SELECT c, u, r, $4::uuid, CASE WHEN a THEN now() END
               FROM unnest($1::uuid[], $2::uuid[], $3::text[], $5::boolean[]) AS x (c, u, r, a)`,
      values: [
        inserts.map(({ next }) => next.conversationId),
        inserts.map(({ next }) => next.userId),
        inserts.map(({ next }) => next.role),
        author.userId,
        inserts.map(({ accepted }) => accepted),
      ],
    });
  }
  if (updates.length > 0) {
    // A member made active again is invited anew (by this author, accepted only if known).
    await db.query({
      name: 'push-update-members',
      text: `UPDATE members m
                SET role = u.role,
                    removed_at = CASE WHEN u.removed THEN coalesce(m.removed_at, now()) END,
                    accepted_at = CASE WHEN NOT u.accepted THEN NULL
                                       WHEN u.joins OR m.accepted_at IS NULL THEN now()
                                       ELSE m.accepted_at END,
                    invited_by = CASE WHEN u.joins THEN $5::uuid ELSE m.invited_by END,
                    invited_at = CASE WHEN u.joins THEN now() ELSE m.invited_at END
               FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::boolean[], $6::boolean[],
                           $7::boolean[])
                    AS u (conversation_id, user_id, role, removed, joins, accepted)
              WHERE m.conversation_id = u.conversation_id AND m.user_id = u.user_id`,
      values: [
        updates.map(({ next }) => next.conversationId),
        updates.map(({ next }) => next.userId),
        updates.map(({ next }) => next.role),
        updates.map(({ next }) => next.removed),
        author.userId,
        updates.map(({ joins }) => joins),
        updates.map(({ accepted }) => accepted),
      ],
    });
  }
  const touched = [...inserts, ...updates].map(({ next }) => next.conversationId as string);
  return {
    outcomes,
    notifications:
      touched.length === 0
        ? []
        : [{ userIds: members.usersOf(touched), collections: CONVERSATION_SCOPED }],
  };
};

/** A membership this batch writes, and whether it (re)joins and is accepted. */
interface Joining {
  next: WireDocument;
  joins: boolean;
  accepted: boolean;
}

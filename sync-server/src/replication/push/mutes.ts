import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { DOCUMENT_SHAPES, type Row } from '../documents.ts';
import { compare } from './compare.ts';
import { type BatchHandler, type RowOutcome, reject, UNCHANGED, WRITTEN } from './types.ts';

const toDocument = DOCUMENT_SHAPES.mutes.toDocument;
/** What `Date.toISOString` gives, and what the server hands back: a pushed `until` must be it. */
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A user writes their own mutes (docs/protocol.md, "Mutes"): a new row (or an undeleted one)
 * mutes a conversation until `until` (null: until unmuted), `_deleted: true` unmutes. A new mute
 * names a conversation the user is a member of, so that nobody learns which conversations exist;
 * an existing one may change after the user left.
 */
export const pushMutes: BatchHandler = async (db, author, rows) => {
  const conversationIds = rows.map((row) => row.newDocumentState.conversationId);
  const { rows: storedRows } = await db.query<Row>({
    name: 'push-lock-mutes',
    text: `SELECT ${DOCUMENT_SHAPES.mutes.columns('t')} FROM mutes t
            WHERE t.user_id = $1 AND t.conversation_id = ANY($2::uuid[])
            ORDER BY t.conversation_id FOR UPDATE`,
    values: [author.userId, conversationIds],
  });
  const stored = new Map(storedRows.map((row) => [row.conversation_id as string, row]));
  const { rows: memberships } = await db.query<{ conversation_id: string }>({
    name: 'push-mutes-memberships',
    text: `SELECT conversation_id FROM members
            WHERE user_id = $1 AND conversation_id = ANY($2::uuid[]) AND removed_at IS NULL`,
    values: [author.userId, conversationIds],
  });
  const memberOf = new Set(memberships.map((row) => row.conversation_id));

  const writes: WireDocument[] = [];
  const outcomes = rows.map((row): RowOutcome => {
    const next = row.newDocumentState;
    if (next.id !== `${next.userId}|${next.conversationId}`) {
      return reject('INVALID_ROW', 'id must be <userId>|<conversationId>');
    }
    if (next.userId !== author.userId) return reject('FORBIDDEN', 'you write your own mutes only');
    if (next.until !== null && !ISO_MILLIS.test(next.until as string)) {
      return reject(
        'INVALID_ROW',
        'until must be null or a UTC time like 2026-01-01T00:00:00.000Z',
      );
    }
    const storedRow = stored.get(next.conversationId as string);
    const current = storedRow === undefined ? null : toDocument(storedRow);
    const action = compare(current, row, ['userId', 'conversationId', 'until']);
    if (action === 'same') return UNCHANGED;
    if (action === 'conflict') return { kind: 'conflict', master: current as WireDocument };
    if (action === 'missing') return reject('NOT_FOUND', 'no such mute');
    if (current === null) {
      if (next._deleted) return reject('INVALID_ROW', 'a mute cannot be created deleted');
      if (!memberOf.has(next.conversationId as string)) {
        return reject('NOT_MEMBER', 'you are not a current member of this conversation');
      }
    }
    writes.push(next);
    return WRITTEN;
  });
  if (writes.length === 0) return { outcomes, notifications: [] };

  await db.query({
    name: 'push-upsert-mutes',
    text: `INSERT INTO mutes (user_id, conversation_id, until, deleted)
           SELECT $1::uuid, c, u, d
             FROM unnest($2::uuid[], $3::timestamptz[], $4::boolean[]) AS w (c, u, d) ORDER BY c
           ON CONFLICT (user_id, conversation_id)
           DO UPDATE SET until = EXCLUDED.until, deleted = EXCLUDED.deleted`,
    values: [
      author.userId,
      writes.map((next) => next.conversationId),
      writes.map((next) => next.until),
      writes.map((next) => next._deleted),
    ],
  });
  return { outcomes, notifications: [{ userIds: [author.userId], collections: ['mutes'] }] };
};

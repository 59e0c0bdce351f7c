import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { DOCUMENT_SHAPES, type Row } from '../documents.ts';
import { compare } from './compare.ts';
import { settleInsertsOnce } from './insert-once.ts';
import {
  type BatchHandler,
  fromBase64,
  NOT_MEMBER,
  type RowOutcome,
  reject,
  UNCHANGED,
  WRITTEN,
} from './types.ts';

const toDocument = DOCUMENT_SHAPES.keyArchive.toDocument;
const FIELDS = ['userId', 'conversationId', 'epoch', 'sealedKey'];

/**
 * A device archives the conversation keys its user obtained: entries of its own user only, in
 * conversations the user is or was a member of, created once and never changed, one per
 * (user, conversation, epoch). The sealed key is opaque here (it opens with the archive key only).
 */
export const pushKeyArchive: BatchHandler = async (db, author, rows) => {
  const { rows: storedRows } = await db.query<Row>({
    name: 'push-lock-key-archive',
    text: `SELECT ${DOCUMENT_SHAPES.keyArchive.columns('t')} FROM key_archive t
            WHERE t.id = ANY($1::uuid[]) ORDER BY t.id FOR UPDATE`,
    values: [rows.map((row) => row.newDocumentState.id)],
  });
  const stored = new Map(storedRows.map((row) => [row.id as string, row]));
  // The conversations this user has a membership row in (current or removed).
  const { rows: memberRows } = await db.query<{ conversation_id: string }>({
    name: 'push-key-archive-memberships',
    text: 'SELECT conversation_id FROM members WHERE user_id = $1 AND conversation_id = ANY($2::uuid[])',
    values: [author.userId, [...new Set(rows.map((row) => row.newDocumentState.conversationId))]],
  });
  const memberOf = new Set(memberRows.map((row) => row.conversation_id));

  const inserts: WireDocument[] = [];
  const outcomes = rows.map((row): RowOutcome => {
    const next = row.newDocumentState;
    if (next.userId !== author.userId) {
      return reject('FORBIDDEN', 'you archive keys for your own user only');
    }
    const storedRow = stored.get(next.id);
    if (storedRow !== undefined) {
      const current = toDocument(storedRow);
      if (current.userId !== author.userId) {
        return reject('FORBIDDEN', 'this archive entry belongs to another user');
      }
      if (compare(current, row, FIELDS) === 'same') return UNCHANGED;
      return reject('IMMUTABLE_FIELD', 'archive entries never change');
    }
    if (row.assumedMasterState !== null) return reject('NOT_FOUND', 'no such archive entry');
    if (next._deleted) return reject('INVALID_ROW', 'an archive entry cannot be created deleted');
    if (!memberOf.has(next.conversationId as string)) return NOT_MEMBER;
    inserts.push(next);
    return WRITTEN;
  });

  if (inserts.length === 0) return { outcomes, notifications: [] };
  const { rows: inserted } = await db.query<{ id: string }>({
    name: 'push-insert-key-archive',
    text: `INSERT INTO key_archive (id, user_id, conversation_id, epoch, sealed_key)
           SELECT u.id, $2::uuid, u.c, u.epoch, u.sealed
             FROM unnest($1::uuid[], $3::uuid[], $4::int[], $5::bytea[]) AS u (id, c, epoch, sealed)
            ORDER BY u.id
           ON CONFLICT DO NOTHING RETURNING id`,
    values: [
      inserts.map((next) => next.id),
      author.userId,
      inserts.map((next) => next.conversationId),
      inserts.map((next) => next.epoch),
      inserts.map((next) => fromBase64(next.sealedKey)),
    ],
  });
  const written = new Set(inserted.map((row) => row.id));
  const final = await settleInsertsOnce(
    db,
    'key_archive',
    'your archive already holds this conversation and epoch',
    { rows, outcomes },
    inserts,
    written,
  );
  return {
    outcomes: final,
    notifications:
      written.size === 0 ? [] : [{ userIds: [author.userId], collections: ['keyArchive'] }],
  };
};

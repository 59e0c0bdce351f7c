import { UUID_V7_PATTERN } from '@anochat/schemas/rxdb/common';
import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { DOCUMENT_SHAPES } from '../documents.ts';
import { compare } from './compare.ts';
import { ConversationMembers, lockById } from './lookups.ts';
import {
  type BatchHandler,
  CONVERSATION_DELETED,
  fromBase64,
  RETRY,
  type RowOutcome,
  reject,
  UNCHANGED,
  WRITTEN,
  ZERO_BYTE,
} from './types.ts';

const toDocument = DOCUMENT_SHAPES.messages.toDocument;
const UUID_V7 = new RegExp(UUID_V7_PATTERN);

/**
 * Members send as their own device, with UUIDv7 ids; only the sending device edits, any device of
 * the sending user deletes; nothing is written into a deleted conversation; a deleted message keeps
 * one zero byte and stays deleted. Every envelope written must pass `checks` (signed by this device). Reads: the stored messages (locked) and the members of their
 * conversations. Writes: one INSERT and one UPDATE for the whole batch.
 */
export const pushMessages: BatchHandler = async (db, author, rows, checks) => {
  const stored = await lockById(
    db,
    'messages',
    rows.map((row) => row.newDocumentState.id),
    ', (SELECT d.user_id FROM devices d WHERE d.id = t.sender_device_id) AS sender_user_id',
  );
  const conversationOf = (next: WireDocument) =>
    (stored.get(next.id)?.conversation_id as string | undefined) ?? (next.conversationId as string);
  const conversationIds = rows.map((row) => conversationOf(row.newDocumentState));
  const members = await ConversationMembers.load(db, conversationIds);

  const inserts: WireDocument[] = [];
  const updates: WireDocument[] = [];
  const outcomes = rows.map((row): RowOutcome => {
    const next = row.newDocumentState;
    const storedRow = stored.get(next.id);
    const current = storedRow === undefined ? null : toDocument(storedRow);
    // A deleted message keeps one zero byte: compare deletions without their envelope.
    const fields =
      current?._deleted && next._deleted
        ? ['conversationId', 'senderDeviceId']
        : ['conversationId', 'senderDeviceId', 'envelope'];
    const action = compare(current, row, fields);
    if (current !== null && storedRow !== undefined) {
      // A retried push of the stored row stays a success, even in a deleted conversation.
      const refusal = members.refusalFor(current.conversationId as string, author.userId);
      if (refusal !== null && refusal !== CONVERSATION_DELETED) return refusal;
      if (action === 'same') return UNCHANGED;
      if (action === 'conflict') return { kind: 'conflict', master: current };
      if (storedRow.sender_user_id !== author.userId) {
        return reject('NOT_OWNER', 'only its sender edits or deletes a message');
      }
      // An edit is a new envelope signed by the row's sender device, which never changes.
      if (!next._deleted && current.senderDeviceId !== author.deviceId) {
        return reject(
          'NOT_OWNER',
          'only the device that sent a message edits it (any device of its user may delete it)',
        );
      }
      if (members.isDeleted(current.conversationId as string)) return CONVERSATION_DELETED;
      for (const field of ['conversationId', 'senderDeviceId']) {
        if (current[field] !== next[field]) {
          return reject('IMMUTABLE_FIELD', `${field} never changes`);
        }
      }
      if (current._deleted) return reject('IMMUTABLE_FIELD', 'a deleted message stays deleted');
      const badEnvelope = checks.refusalOf(row);
      if (badEnvelope !== undefined) return badEnvelope;
      updates.push(next);
      return WRITTEN;
    }
    if (action === 'missing') return reject('NOT_FOUND', 'no such message');
    if (!UUID_V7.test(next.id)) {
      return reject('ID_NOT_UUID_V7', 'a new message id must be a UUID version 7 (time-ordered)');
    }
    if (next.senderDeviceId !== author.deviceId) {
      return reject('WRONG_SENDER', 'senderDeviceId must be the device you are signed in as');
    }
    const notWriting = members.refusalFor(next.conversationId as string, author.userId);
    if (notWriting !== null) return notWriting;
    const badEnvelope = checks.refusalOf(row);
    if (badEnvelope !== undefined) return badEnvelope;
    inserts.push(next);
    return WRITTEN;
  });

  const written = new Set<string>();
  const writtenDocuments: WireDocument[] = [];
  if (inserts.length > 0) {
    const { rows: inserted } = await db.query<Record<string, unknown> & { id: string }>({
      name: 'push-insert-messages',
      text: `INSERT INTO messages (id, conversation_id, sender_device_id, envelope, deleted)
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bytea[], $5::boolean[])
              ORDER BY 1
             ON CONFLICT (id) DO NOTHING RETURNING ${DOCUMENT_SHAPES.messages.columns('messages')}`,
      values: [
        inserts.map((next) => next.id),
        inserts.map((next) => next.conversationId),
        inserts.map(() => author.deviceId),
        inserts.map((next) => (next._deleted ? ZERO_BYTE : fromBase64(next.envelope))),
        inserts.map((next) => next._deleted),
      ],
    });
    for (const row of inserted) {
      written.add(row.id);
      writtenDocuments.push(toDocument(row));
    }
  }
  if (updates.length > 0) {
    const { rows: updated } = await db.query<Record<string, unknown>>({
      name: 'push-update-messages',
      text: `UPDATE messages m
                SET envelope = u.envelope, deleted = u.deleted,
                    edited_at = CASE WHEN u.deleted THEN m.edited_at ELSE now() END
               FROM unnest($1::uuid[], $2::bytea[], $3::boolean[]) AS u (id, envelope, deleted)
              WHERE m.id = u.id
          RETURNING ${DOCUMENT_SHAPES.messages.columns('m')}`,
      values: [
        updates.map((next) => next.id),
        updates.map((next) => (next._deleted ? ZERO_BYTE : fromBase64(next.envelope))),
        updates.map((next) => next._deleted),
      ],
    });
    for (const next of updates) written.add(next.id);
    for (const row of updated) writtenDocuments.push(toDocument(row));
  }
  // An insert that found the id taken lost a race with another push of it: decide it again.
  const final = outcomes.map((outcome, index) =>
    outcome === WRITTEN && !written.has(rows[index]?.newDocumentState.id as string)
      ? RETRY
      : outcome,
  );
  const touched = rows
    .filter((_, index) => final[index] === WRITTEN)
    .map((row) => conversationOf(row.newDocumentState));
  const arrivals = inserts
    .filter((next) => !next._deleted && written.has(next.id))
    .map((next) => next.conversationId as string);
  return {
    outcomes: final,
    stored: writtenDocuments,
    arrivals: [...new Set(arrivals)],
    notifications:
      touched.length === 0
        ? []
        : [{ userIds: members.usersOf(touched), collections: ['messages'] }],
  };
};

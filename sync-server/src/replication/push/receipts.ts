import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { DOCUMENT_SHAPES, type Row } from '../documents.ts';
import { compare } from './compare.ts';
import { ConversationMembers } from './lookups.ts';
import { type BatchHandler, type RowOutcome, reject, UNCHANGED, WRITTEN } from './types.ts';

const toDocument = DOCUMENT_SHAPES.receipts.toDocument;

/** A user writes only their own receipts, in conversations they are in, naming their messages. */
export const pushReceipts: BatchHandler = async (db, author, rows) => {
  const conversationIds = rows.map((row) => row.newDocumentState.conversationId as string);
  const members = await ConversationMembers.load(db, conversationIds);
  const { rows: storedRows } = await db.query<Row>({
    name: 'push-lock-receipts',
    text: `SELECT ${DOCUMENT_SHAPES.receipts.columns('t')} FROM receipts t
            WHERE t.user_id = $1 AND t.conversation_id = ANY($2::uuid[])
            ORDER BY t.conversation_id FOR UPDATE`,
    values: [author.userId, conversationIds],
  });
  const stored = new Map(storedRows.map((row) => [row.conversation_id as string, row]));
  const referenced = rows.flatMap((row) =>
    [row.newDocumentState.deliveredUpTo, row.newDocumentState.readUpTo].filter(
      (id): id is string => typeof id === 'string',
    ),
  );
  const { rows: messageRows } = await db.query<{ id: string; conversation_id: string }>({
    name: 'push-receipt-messages',
    text: 'SELECT id, conversation_id FROM messages WHERE id = ANY($1::uuid[])',
    values: [[...new Set(referenced)]],
  });
  const conversationOfMessage = new Map(messageRows.map((row) => [row.id, row.conversation_id]));

  const writes: WireDocument[] = [];
  const outcomes = rows.map((row): RowOutcome => {
    const next = row.newDocumentState;
    if (next.id !== `${next.conversationId}|${next.userId}`) {
      return reject('INVALID_ROW', 'id must be <conversationId>|<userId>');
    }
    if (next.userId !== author.userId)
      return reject('FORBIDDEN', 'you write only your own receipts');
    if (next._deleted) return reject('INVALID_ROW', 'receipts are not deleted');
    const conversationId = next.conversationId as string;
    const refusal = members.refusalFor(conversationId, author.userId);
    if (refusal !== null) return refusal;
    const storedRow = stored.get(conversationId);
    const current = storedRow === undefined ? null : toDocument(storedRow);
    const action = compare(current, row, ['deliveredUpTo', 'readUpTo']);
    if (action === 'same') return UNCHANGED;
    if (action === 'conflict') return { kind: 'conflict', master: current as WireDocument };
    if (action === 'missing') return reject('NOT_FOUND', 'no such receipt');
    for (const field of ['deliveredUpTo', 'readUpTo']) {
      const messageId = next[field];
      if (messageId !== null && conversationOfMessage.get(messageId as string) !== conversationId) {
        return reject('INVALID_REFERENCE', `${field} is not a message of this conversation`);
      }
    }
    writes.push(next);
    return WRITTEN;
  });

  if (writes.length > 0) {
    await db.query({
      name: 'push-upsert-receipts',
      text: `INSERT INTO receipts (conversation_id, user_id, delivered_up_to, read_up_to)
             SELECT c, $2::uuid, d, r FROM unnest($1::uuid[], $3::uuid[], $4::uuid[]) AS u (c, d, r)
              ORDER BY c
             ON CONFLICT (conversation_id, user_id)
             DO UPDATE SET delivered_up_to = EXCLUDED.delivered_up_to, read_up_to = EXCLUDED.read_up_to`,
      values: [
        writes.map((next) => next.conversationId),
        author.userId,
        writes.map((next) => next.deliveredUpTo),
        writes.map((next) => next.readUpTo),
      ],
    });
  }
  const touched = writes.map((next) => next.conversationId as string);
  return {
    outcomes,
    notifications:
      touched.length === 0
        ? []
        : [{ userIds: members.usersOf(touched), collections: ['receipts'] }],
  };
};

import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { DOCUMENT_SHAPES, isoText, type Row } from '../documents.ts';
import { compare } from './compare.ts';
import { ConversationMembers } from './lookups.ts';
import { type BatchHandler, type RowOutcome, reject, UNCHANGED, WRITTEN } from './types.ts';

const toDocument = DOCUMENT_SHAPES.receipts.toDocument;
const POSITIONS = ['deliveredUpTo', 'readUpTo'] as const;
type Positions = Record<(typeof POSITIONS)[number], string | null>;

/**
 * A user writes only their own receipts, in conversations they are in, naming their messages.
 * Each position only moves forward, whichever device writes it: a device that knows less (a new
 * login that has not pulled the receipt yet, a phone back from days offline) never takes back
 * what another device of the user already marked. Its row is answered as a conflict carrying the
 * later positions, which the device adopts; the positions it moved forward are stored all the same.
 */
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
  const referenced = [
    ...rows.map((row) => row.newDocumentState),
    ...storedRows.map((row) => toDocument(row)),
  ].flatMap((document) =>
    POSITIONS.map((field) => document[field]).filter((id): id is string => typeof id === 'string'),
  );
  // A message's place in the conversation: its sort key as clients compute it (createdAt|id).
  const { rows: messageRows } = await db.query<{ id: string; conversation_id: string; at: string }>(
    {
      name: 'push-receipt-messages',
      text: `SELECT id, conversation_id, ${isoText('created_at')} AS at
               FROM messages WHERE id = ANY($1::uuid[])`,
      values: [[...new Set(referenced)]],
    },
  );
  const messages = new Map(messageRows.map((row) => [row.id, row]));
  const placeOf = (id: string) => `${messages.get(id)?.at ?? ''}|${id}`;
  const later = (a: string | null, b: string | null) =>
    a === null ? b : b === null ? a : placeOf(a) >= placeOf(b) ? a : b;

  const writes: (Positions & { conversationId: string })[] = [];
  /** Rows whose device is behind: answered once the later positions are stored. */
  const behind = new Map<number, WireDocument>();
  const outcomes = rows.map((row, index): RowOutcome => {
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
    for (const field of POSITIONS) {
      const messageId = next[field];
      if (
        messageId !== null &&
        messages.get(messageId as string)?.conversation_id !== conversationId
      ) {
        return reject('INVALID_REFERENCE', `${field} is not a message of this conversation`);
      }
    }
    const storedRow = stored.get(conversationId);
    const current = storedRow === undefined ? null : toDocument(storedRow);
    const action = compare(current, row, [...POSITIONS]);
    if (action === 'same') return UNCHANGED;
    if (action === 'missing') return reject('NOT_FOUND', 'no such receipt');
    const pushed = next as WireDocument & Positions;
    const merged: Positions = {
      deliveredUpTo: later((current?.deliveredUpTo as string | null) ?? null, pushed.deliveredUpTo),
      readUpTo: later((current?.readUpTo as string | null) ?? null, pushed.readUpTo),
    };
    const unchanged = current !== null && POSITIONS.every((f) => merged[f] === current[f]);
    if (!unchanged) writes.push({ conversationId, ...merged });
    if (POSITIONS.every((field) => merged[field] === pushed[field])) return WRITTEN;
    if (unchanged) return { kind: 'conflict', master: current as WireDocument };
    behind.set(index, next);
    return UNCHANGED;
  });

  if (writes.length > 0) {
    const { rows: written } = await db.query<Row>({
      name: 'push-upsert-receipts',
      text: `INSERT INTO receipts AS t (conversation_id, user_id, delivered_up_to, read_up_to)
             SELECT c, $2::uuid, d, r FROM unnest($1::uuid[], $3::uuid[], $4::uuid[]) AS u (c, d, r)
              ORDER BY c
             ON CONFLICT (conversation_id, user_id)
             DO UPDATE SET delivered_up_to = EXCLUDED.delivered_up_to, read_up_to = EXCLUDED.read_up_to
             RETURNING ${DOCUMENT_SHAPES.receipts.columns('t')}`,
      values: [
        writes.map((write) => write.conversationId),
        author.userId,
        writes.map((write) => write.deliveredUpTo),
        writes.map((write) => write.readUpTo),
      ],
    });
    const byConversation = new Map(written.map((row) => [row.conversation_id as string, row]));
    for (const [index, next] of behind) {
      const row = byConversation.get(next.conversationId as string) as Row;
      outcomes[index] = { kind: 'conflict', master: toDocument(row) };
    }
  }
  const touched = writes.map((write) => write.conversationId);
  return {
    outcomes,
    notifications:
      touched.length === 0
        ? []
        : [{ userIds: members.usersOf(touched), collections: ['receipts'] }],
  };
};

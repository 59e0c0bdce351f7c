import type { CollectionName, WireDocument } from '@anochat/schemas/rxdb/sync';
import type pg from 'pg';
import { DOCUMENT_SHAPES, type Row } from '../documents.ts';

type Writable = Exclude<CollectionName, 'users' | 'devices'>;

const BY_ID: Record<Writable, { table: string; composite: boolean }> = {
  conversations: { table: 'conversations', composite: false },
  members: { table: 'members', composite: true },
  messages: { table: 'messages', composite: false },
  receipts: { table: 'receipts', composite: true },
  keyEnvelopes: { table: 'key_envelopes', composite: false },
  keyArchive: { table: 'key_archive', composite: false },
};

/**
 * The stored documents with these ids, as the caller's transaction sees them (its own writes
 * included). Members and receipts are keyed `<conversationId>|<userId>`.
 */
export async function readStoredDocuments(
  db: pg.PoolClient,
  collection: CollectionName,
  ids: readonly string[],
): Promise<WireDocument[]> {
  if (ids.length === 0 || collection === 'users' || collection === 'devices') return [];
  const { table, composite } = BY_ID[collection];
  const shape = DOCUMENT_SHAPES[collection];
  const { rows } = composite
    ? await db.query<Row>({
        name: `push-stored-${table}`,
        text: `SELECT ${shape.columns('t')} FROM ${table} t
                 JOIN unnest($1::uuid[], $2::uuid[]) AS k (conversation_id, user_id)
                   ON t.conversation_id = k.conversation_id AND t.user_id = k.user_id`,
        values: [ids.map((id) => id.split('|')[0]), ids.map((id) => id.split('|')[1])],
      })
    : await db.query<Row>({
        name: `push-stored-${table}`,
        text: `SELECT ${shape.columns('t')} FROM ${table} t WHERE t.id = ANY($1::uuid[])`,
        values: [ids],
      });
  return rows.map(shape.toDocument);
}

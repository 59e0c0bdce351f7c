import type { CollectionName, WireDocument } from '@anochat/schemas/rxdb/sync';
import type pg from 'pg';
import { DOCUMENT_SHAPES, type Row } from '../documents.ts';

type Writable = Exclude<CollectionName, 'users' | 'devices'>;

/** Where each collection's rows live; a composite id `<a>|<b>` names the two key columns. */
const BY_ID: Record<Writable, { table: string; composite: readonly [string, string] | null }> = {
  conversations: { table: 'conversations', composite: null },
  members: { table: 'members', composite: ['conversation_id', 'user_id'] },
  messages: { table: 'messages', composite: null },
  receipts: { table: 'receipts', composite: ['conversation_id', 'user_id'] },
  keyEnvelopes: { table: 'key_envelopes', composite: null },
  keyArchive: { table: 'key_archive', composite: null },
  blocks: { table: 'blocks', composite: ['user_id', 'blocked_user_id'] },
  mutes: { table: 'mutes', composite: ['user_id', 'conversation_id'] },
};

/**
 * The stored documents with these ids, as the caller's transaction sees them (its own writes
 * included). Members and receipts are keyed `<conversationId>|<userId>`, blocks
 * `<userId>|<blockedUserId>`, mutes `<userId>|<conversationId>`.
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
                 JOIN unnest($1::uuid[], $2::uuid[]) AS k (first, second)
                   ON t.${composite[0]} = k.first AND t.${composite[1]} = k.second`,
        values: [ids.map((id) => id.split('|')[0]), ids.map((id) => id.split('|')[1])],
      })
    : await db.query<Row>({
        name: `push-stored-${table}`,
        text: `SELECT ${shape.columns('t')} FROM ${table} t WHERE t.id = ANY($1::uuid[])`,
        values: [ids],
      });
  return rows.map(shape.toDocument);
}

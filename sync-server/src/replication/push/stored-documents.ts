import type { CollectionName, WireDocument } from '@anochat/schemas/rxdb/sync';
import type pg from 'pg';
import { DOCUMENT_SHAPES, type Row } from '../documents.ts';

type Writable = Exclude<CollectionName, 'users' | 'devices'>;

/** Each writable collection's table and the columns its id is made of (`a|b` for two). */
const BY_ID: Record<
  Writable,
  { table: string; key: readonly [string] | readonly [string, string] }
> = {
  conversations: { table: 'conversations', key: ['id'] },
  members: { table: 'members', key: ['conversation_id', 'user_id'] },
  messages: { table: 'messages', key: ['id'] },
  receipts: { table: 'receipts', key: ['conversation_id', 'user_id'] },
  keyEnvelopes: { table: 'key_envelopes', key: ['id'] },
  keyArchive: { table: 'key_archive', key: ['id'] },
  blocks: { table: 'blocks', key: ['user_id', 'blocked_user_id'] },
};

/**
 * The stored documents with these ids, as the caller's transaction sees them (its own writes
 * included). Members and receipts are keyed `<conversationId>|<userId>`, blocks
 * `<userId>|<blockedUserId>`.
 */
export async function readStoredDocuments(
  db: pg.PoolClient,
  collection: CollectionName,
  ids: readonly string[],
): Promise<WireDocument[]> {
  if (ids.length === 0 || collection === 'users' || collection === 'devices') return [];
  const { table, key } = BY_ID[collection];
  const shape = DOCUMENT_SHAPES[collection];
  const { rows } =
    key.length === 2
      ? await db.query<Row>({
          name: `push-stored-${table}`,
          text: `SELECT ${shape.columns('t')} FROM ${table} t
                   JOIN unnest($1::uuid[], $2::uuid[]) AS k (first, second)
                     ON t.${key[0]} = k.first AND t.${key[1]} = k.second`,
          values: [ids.map((id) => id.split('|')[0]), ids.map((id) => id.split('|')[1])],
        })
      : await db.query<Row>({
          name: `push-stored-${table}`,
          text: `SELECT ${shape.columns('t')} FROM ${table} t WHERE t.id = ANY($1::uuid[])`,
          values: [ids],
        });
  return rows.map(shape.toDocument);
}

import type { CollectionName, PushResponse, PushRow } from '@anochat/schemas/rxdb/sync';
import type pg from 'pg';
import { DOCUMENT_SHAPES } from '../documents.ts';

/** Collections whose rows the server completes on write (rev, times), read back by id. */
const TABLES: Partial<Record<CollectionName, string>> = {
  conversations: 'conversations',
  messages: 'messages',
  keyEnvelopes: 'key_envelopes',
};

/**
 * For each written row, the fields of its stored document that differ from the pushed state (the
 * ones the server sets), read inside the push's transaction (which holds the rows' locks).
 */
export async function serverSetFields(
  db: pg.PoolClient,
  collection: CollectionName,
  written: readonly PushRow[],
): Promise<PushResponse['stored']> {
  const table = TABLES[collection];
  if (table === undefined || written.length === 0) return [];
  const shape = DOCUMENT_SHAPES[collection];
  const { rows } = await db.query<Record<string, unknown>>({
    name: `push-stored-${table}`,
    text: `SELECT ${shape.columns('t')} FROM ${table} t WHERE t.id = ANY($1::uuid[])`,
    values: [written.map((row) => row.newDocumentState.id)],
  });
  const stored = new Map(rows.map((row) => [row.id as string, row]));
  const toDocument = shape.toDocument;
  return written.flatMap(({ newDocumentState: pushed }) => {
    const row = stored.get(pushed.id);
    if (row === undefined) return [];
    const document = toDocument(row);
    const changed = Object.entries(document).filter(
      ([field, value]) => JSON.stringify(value) !== JSON.stringify(pushed[field]),
    );
    return changed.length === 0 ? [] : [{ ...Object.fromEntries(changed), id: pushed.id }];
  });
}

import type { PushRow, WireDocument } from '@anochat/schemas/rxdb/sync';
import type { Queryable } from '../../database/pool.ts';
import { RETRY, type RowOutcome, reject, WRITTEN } from './types.ts';

/**
 * The outcomes of rows inserted with `ON CONFLICT DO NOTHING` into a table of immutable rows that
 * also holds one row per natural key. A row that was not inserted is decided again when its id was
 * stored meanwhile (a concurrent push of the same row), else it broke the one-per-key rule and is
 * refused with `duplicate`.
 */
export async function settleInsertsOnce(
  db: Queryable,
  table: 'key_archive' | 'key_envelopes',
  duplicate: string,
  batch: { rows: readonly PushRow[]; outcomes: readonly RowOutcome[] },
  inserts: readonly WireDocument[],
  written: ReadonlySet<string>,
): Promise<RowOutcome[]> {
  const notInserted = inserts.filter((next) => !written.has(next.id)).map((next) => next.id);
  const { rows: takenRows } =
    notInserted.length === 0
      ? { rows: [] }
      : await db.query<{ id: string }>({
          name: `push-${table}-by-id`,
          text: `SELECT id FROM ${table} WHERE id = ANY($1::uuid[])`,
          values: [notInserted],
        });
  const taken = new Set(takenRows.map((row) => row.id));
  return batch.outcomes.map((outcome, index): RowOutcome => {
    const id = batch.rows[index]?.newDocumentState.id as string;
    if (outcome !== WRITTEN || written.has(id)) return outcome;
    if (taken.has(id)) return RETRY;
    return reject('INVALID_ROW', duplicate);
  });
}

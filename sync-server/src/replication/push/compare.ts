import type { PushRow, WireDocument } from '@anochat/schemas/rxdb/sync';

/**
 * Compares a pushed row with the stored one on the fields a client writes.
 * - `insert`: nothing stored, nothing assumed;
 * - `same`: what is stored already equals the new state (a retried push): nothing to do;
 * - `update`: the client saw the stored revision;
 * - `conflict`: the stored row changed since (or exists although the client assumed none);
 * - `missing`: the client assumed a row the server does not have.
 */
export function compare(
  current: WireDocument | null,
  row: PushRow,
  fields: readonly string[],
): 'insert' | 'same' | 'update' | 'conflict' | 'missing' {
  const next = row.newDocumentState;
  if (current === null) return row.assumedMasterState === null ? 'insert' : 'missing';
  if (current._deleted === next._deleted && fields.every((f) => current[f] === next[f])) {
    return 'same';
  }
  if (row.assumedMasterState === null || row.assumedMasterState.rev !== current.rev) {
    return 'conflict';
  }
  return 'update';
}

import { type CollectionName, RXDB_SCHEMAS } from '@anochat/schemas/rxdb/sync';
import type { RxConflictHandler, WithDeleted } from 'rxdb';

/** Fields the server sets: the server's values are kept when a local change wins. */
const SERVER_FIELDS = new Set([
  'rev',
  'createdAt',
  'editedAt',
  'removedAt',
  'invitedBy',
  'titleChangedAt',
]);
/**
 * Flags that only ever turn true for a client (a member accepts a request; the server decides the
 * rest): true on either side stays true, so neither an acceptance made here nor one the server
 * decided is undone by the other side's older state.
 */
const ONE_WAY_FLAGS = new Set(['accepted']);

/**
 * How this device settles a push the server answered with a conflict. The server reports a
 * conflict whenever `assumedMasterState.rev` is not the stored one, which happens to every second
 * change of a row pushed before its first change came back through a pull (a receipt moved twice, a
 * message edited right after sending). The change made here is the person's latest intent, so it
 * wins on the fields a client writes, on top of the server's row (its `rev`, so the next push
 * passes); a row the server has deleted stays deleted (deletion is final on the server).
 */
export function localChangeWins<T>(collection: CollectionName): RxConflictHandler<T> {
  const allFields = Object.keys(RXDB_SCHEMAS[collection].properties);
  const clientFields = allFields.filter((field) => !SERVER_FIELDS.has(field));
  return {
    // Equal means equal everywhere, server fields included: RxDB skips writing a pulled state that
    // equals the local one, and the local row must receive the server's rev and times.
    isEqual(a, b) {
      const left = a as Record<string, unknown>;
      const right = b as Record<string, unknown>;
      return (
        (left._deleted === true) === (right._deleted === true) &&
        allFields.every((field) => JSON.stringify(left[field]) === JSON.stringify(right[field]))
      );
    },
    async resolve({ newDocumentState, realMasterState }) {
      const master = realMasterState as Record<string, unknown>;
      if (master._deleted === true) return realMasterState;
      const local = newDocumentState as Record<string, unknown>;
      const merged: Record<string, unknown> = { ...master };
      for (const field of clientFields) {
        if (local[field] === undefined) continue;
        merged[field] = ONE_WAY_FLAGS.has(field)
          ? master[field] === true || local[field] === true
          : local[field];
      }
      merged._deleted = local._deleted === true;
      return merged as WithDeleted<T>;
    },
  };
}

/**
 * For rows the server merges itself (receipts: each position only moves forward, docs/protocol.md,
 * "push"): a conflict answer already holds what this device pushed merged with what other devices
 * did, so the server's row is taken as it is. Taking this device's state instead would push an
 * older position again and take back another device's marks.
 */
export function serverMergeWins<T>(collection: CollectionName): RxConflictHandler<T> {
  return {
    isEqual: localChangeWins<T>(collection).isEqual,
    async resolve({ realMasterState }) {
      return realMasterState;
    },
  };
}

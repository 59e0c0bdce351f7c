import { type CollectionName, RXDB_SCHEMAS, type WireDocument } from '@anochat/schemas/rxdb/sync';

/**
 * A local document as the server accepts it: the schema's fields and `_deleted`, nothing else
 * (the server refuses unknown fields, and RxDB's own bookkeeping must not leave the device).
 */
export function toWireDocument(
  collection: CollectionName,
  doc: Record<string, unknown>,
): WireDocument {
  const wire: Record<string, unknown> = { _deleted: doc._deleted === true };
  for (const field of Object.keys(RXDB_SCHEMAS[collection].properties)) {
    if (doc[field] !== undefined) wire[field] = doc[field];
  }
  return wire as WireDocument;
}

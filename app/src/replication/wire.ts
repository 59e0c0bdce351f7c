import {
  type CollectionName,
  type CompactDocument,
  type CompactPushRow,
  RXDB_SCHEMAS,
  type WireDocument,
} from '@anochat/schemas/rxdb/sync';

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

/** A wire document without what the server restores for this device's pushes. */
function compact(document: WireDocument, selfDeviceId: string): CompactDocument {
  const { _deleted, ...rest } = document;
  if (rest.senderDeviceId === selfDeviceId) delete rest.senderDeviceId;
  return _deleted ? { ...rest, _deleted } : rest;
}

/** A row of RxDB's push handler, or one pushed directly. */
export interface LocalPushRow {
  assumedMasterState?: Record<string, unknown> | null;
  newDocumentState: Record<string, unknown>;
}

/** A push row as this device sends it (docs/protocol.md, "Compact push rows"). */
export function toPushRow(
  collection: CollectionName,
  row: LocalPushRow,
  selfDeviceId: string,
): CompactPushRow {
  const next = compact(toWireDocument(collection, row.newDocumentState), selfDeviceId);
  if (row.assumedMasterState === undefined || row.assumedMasterState === null) {
    return { newDocumentState: next };
  }
  const assumed = compact(toWireDocument(collection, row.assumedMasterState), selfDeviceId);
  return { assumedMasterState: assumed, newDocumentState: next };
}

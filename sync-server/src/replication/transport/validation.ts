import {
  type Checkpoint,
  COLLECTIONS,
  type CollectionName,
  type PullRequest,
  type PushRequest,
  type PushRow,
  RXDB_SCHEMAS,
  SYNC_LIMITS,
  type SyncErrorCode,
} from '@anochat/schemas/rxdb/sync';
import { Ajv, type ValidateFunction } from 'ajv';

/** A whole event refused: answered as `{ error: { code, message } }`, nothing read or written. */
export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(
    readonly code: SyncErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
// RxDB's own keywords: meaningful to RxDB, ignored here.
ajv.addVocabulary(['version', 'primaryKey', 'indexes', 'encrypted', 'keyCompression']);

/** The wire document of a collection: the RxDB schema's fields plus `_deleted`. */
const documentValidators = Object.fromEntries(
  COLLECTIONS.map((name) => {
    const schema = RXDB_SCHEMAS[name];
    return [
      name,
      ajv.compile({
        ...schema,
        properties: { ...schema.properties, _deleted: { type: 'boolean' } },
        required: [...schema.required, '_deleted'],
      }),
    ];
  }),
) as Record<CollectionName, ValidateFunction>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REV = /^(0|[1-9][0-9]{0,19})$/;
const MAX_XID8 = 2n ** 64n - 1n;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const PAIR_COLLECTIONS: readonly CollectionName[] = ['members', 'receipts', 'blocks', 'mutes'];
/** Collections whose rows name the device that wrote them. */
const SENDER_COLLECTIONS = COLLECTIONS.filter(
  (name) => 'senderDeviceId' in RXDB_SCHEMAS[name].properties,
);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkKeys(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      throw new SyncError('VALIDATION_FAILED', `${what}: unknown field ${key}`);
  }
}

function collectionOf(value: Record<string, unknown>): CollectionName {
  const { collection } = value;
  if (typeof collection !== 'string') {
    throw new SyncError('VALIDATION_FAILED', 'collection must be a string');
  }
  if (!(COLLECTIONS as readonly string[]).includes(collection)) {
    throw new SyncError(
      'UNKNOWN_COLLECTION',
      `unknown collection (one of ${COLLECTIONS.join(', ')})`,
    );
  }
  return collection as CollectionName;
}

/** Several pulls in one event: each valid (as `pull` checks it), one per collection at most. */
export function parsePulls(payload: unknown): ParsedPull[] {
  if (!isObject(payload)) throw new SyncError('VALIDATION_FAILED', 'payload must be an object');
  checkKeys(payload, ['pulls'], 'pulls');
  const { pulls } = payload;
  if (!Array.isArray(pulls) || pulls.length === 0 || pulls.length > COLLECTIONS.length) {
    throw new SyncError(
      'VALIDATION_FAILED',
      `pulls must be an array of 1 to ${COLLECTIONS.length} pull requests`,
    );
  }
  const parsed = pulls.map((pull) => parsePull(pull));
  if (new Set(parsed.map((pull) => pull.collection)).size !== parsed.length) {
    throw new SyncError('VALIDATION_FAILED', 'pulls: one pull per collection');
  }
  return parsed;
}

/**
 * The pushes a handshake carried (`auth.pushes`): 1 to SYNC_LIMITS.maxHandshakePushes, each then
 * checked on its own as a `push` is.
 */
export function handshakePushList(pushes: unknown): unknown[] {
  if (
    !Array.isArray(pushes) ||
    pushes.length === 0 ||
    pushes.length > SYNC_LIMITS.maxHandshakePushes
  ) {
    throw new SyncError(
      'VALIDATION_FAILED',
      `auth.pushes must be an array of 1 to ${SYNC_LIMITS.maxHandshakePushes} push requests`,
    );
  }
  return pushes;
}

/** The uuid parts of a checkpoint or document id of this collection, or null when malformed. */
export function keyParts(collection: CollectionName, id: string): string[] | null {
  const parts = PAIR_COLLECTIONS.includes(collection) ? id.split('|') : [id];
  const expected = PAIR_COLLECTIONS.includes(collection) ? 2 : 1;
  if (parts.length !== expected || !parts.every((part) => UUID.test(part))) return null;
  return parts;
}

export interface ParsedPull extends PullRequest {
  /** The checkpoint as query bounds; the start of the stream for a null checkpoint. */
  from: { rev: string; key: string[] };
}

export function parsePull(payload: unknown): ParsedPull {
  if (!isObject(payload)) throw new SyncError('VALIDATION_FAILED', 'payload must be an object');
  checkKeys(payload, ['collection', 'checkpoint', 'batchSize'], 'pull');
  const collection = collectionOf(payload);
  const { batchSize, checkpoint } = payload;
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) {
    throw new SyncError('VALIDATION_FAILED', 'batchSize must be a positive integer');
  }
  if (batchSize > SYNC_LIMITS.maxPullBatchSize) {
    throw new SyncError('BATCH_TOO_LARGE', `batchSize is at most ${SYNC_LIMITS.maxPullBatchSize}`);
  }
  if (checkpoint === null || checkpoint === undefined) {
    const zero = PAIR_COLLECTIONS.includes(collection) ? [ZERO_UUID, ZERO_UUID] : [ZERO_UUID];
    return { collection, batchSize, checkpoint: null, from: { rev: '0', key: zero } };
  }
  const parsed = parseCheckpoint(collection, checkpoint);
  return { collection, batchSize, checkpoint: parsed.checkpoint, from: parsed.from };
}

function parseCheckpoint(
  collection: CollectionName,
  value: unknown,
): { checkpoint: Checkpoint; from: { rev: string; key: string[] } } {
  const bad = () =>
    new SyncError('BAD_CHECKPOINT', 'checkpoint must be null or one this server returned');
  if (!isObject(value)) throw bad();
  const { rev, id } = value;
  if (Object.keys(value).length !== 2 || typeof rev !== 'string' || typeof id !== 'string')
    throw bad();
  if (!REV.test(rev) || BigInt(rev) > MAX_XID8) throw bad();
  const key = keyParts(collection, id);
  if (key === null) throw bad();
  return { checkpoint: { rev, id }, from: { rev, key } };
}

/**
 * A push, with what a compact row may leave out restored (schemas/rxdb/sync.ts, `CompactPushRow`):
 * a missing `_deleted` is false, a missing `senderDeviceId` is the pushing device.
 */
export function parsePush(payload: unknown, pushingDeviceId: string): PushRequest {
  if (!isObject(payload)) throw new SyncError('VALIDATION_FAILED', 'payload must be an object');
  checkKeys(payload, ['collection', 'rows'], 'push');
  const collection = collectionOf(payload);
  const { rows } = payload;
  if (!Array.isArray(rows)) throw new SyncError('VALIDATION_FAILED', 'rows must be an array');
  if (rows.length > SYNC_LIMITS.maxPushRows) {
    throw new SyncError('BATCH_TOO_LARGE', `a push has at most ${SYNC_LIMITS.maxPushRows} rows`);
  }
  const validate = documentValidators[collection];
  const restore = (document: Record<string, unknown>) => {
    if (!('_deleted' in document)) document._deleted = false;
    if (SENDER_COLLECTIONS.includes(collection) && !('senderDeviceId' in document)) {
      document.senderDeviceId = pushingDeviceId;
    }
  };
  const parsed = rows.map((row: unknown, index): PushRow => {
    if (!isObject(row))
      throw new SyncError('VALIDATION_FAILED', `rows[${index}] must be an object`);
    checkKeys(row, ['assumedMasterState', 'newDocumentState'], `rows[${index}]`);
    const next = documentOf(
      validate,
      row.newDocumentState,
      `rows[${index}].newDocumentState`,
      restore,
    );
    if (next === null) {
      throw new SyncError('VALIDATION_FAILED', `rows[${index}].newDocumentState is required`);
    }
    const assumed = documentOf(
      validate,
      row.assumedMasterState,
      `rows[${index}].assumedMasterState`,
      restore,
    );
    if (assumed !== null && assumed.id !== next.id) {
      throw new SyncError('VALIDATION_FAILED', `rows[${index}]: the two states have different ids`);
    }
    return { assumedMasterState: assumed, newDocumentState: next };
  });
  return { collection, rows: parsed };
}

/** RxDB's local-only metadata, dropped before validation if a client sends it. */
const LOCAL_FIELDS = ['_meta', '_rev', '_attachments'];

function documentOf(
  validate: ValidateFunction,
  value: unknown,
  path: string,
  restore: (document: Record<string, unknown>) => void,
) {
  if (value === null || value === undefined) return null;
  if (!isObject(value)) throw new SyncError('VALIDATION_FAILED', `${path} must be an object`);
  const document = { ...value };
  for (const field of LOCAL_FIELDS) delete document[field];
  restore(document);
  if (!validate(document)) {
    const first = validate.errors?.[0];
    const where = first?.instancePath ? `${path}${first.instancePath.replaceAll('/', '.')}` : path;
    throw new SyncError('VALIDATION_FAILED', `${where}: ${first?.message ?? 'invalid'}`);
  }
  return document as PushRow['newDocumentState'];
}

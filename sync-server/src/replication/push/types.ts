import type {
  CollectionName,
  PushRow,
  RejectionCode,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import type pg from 'pg';
import type { Author } from '../author.ts';

/** What happened to one pushed row. */
export type RowOutcome =
  | { kind: 'written' }
  | { kind: 'unchanged' }
  | { kind: 'conflict'; master: WireDocument }
  | { kind: 'rejected'; code: RejectionCode; message: string }
  /** Another transaction stored the same key between our read and our insert: decide again. */
  | { kind: 'retry' };

/** The end-to-end verdicts on a batch's envelopes, made before its transaction. */
export interface EnvelopeChecks {
  /** Why this row's envelope may not be stored, or undefined when it may. */
  refusalOf(row: PushRow): RowOutcome | undefined;
}

/** Users whose devices should see these collections change once the push commits. */
export interface Notification {
  userIds: readonly string[];
  collections: readonly CollectionName[];
}

export interface BatchResult {
  /** One per row, in the order of the rows. */
  outcomes: RowOutcome[];
  notifications: Notification[];
  /** The stored documents of written rows, where the write returns them (server-set fields). */
  stored?: WireDocument[];
  /** Conversations that received new messages (what Web Push tells their members' devices of). */
  arrivals?: string[];
}

/**
 * Decides and writes a batch of rows of one collection inside the caller's transaction, with a
 * few set-based reads (locking the stored rows it may change) and one write statement per kind of
 * change. Rows must have distinct ids. `checks` holds the end-to-end verdicts on the rows'
 * envelopes, made before the transaction; a handler applies them to the rows it would write. A row is refused, in conflict or unchanged without writing;
 * a database error on a write is thrown (the caller then decides the rows one by one).
 */
export type BatchHandler = (
  db: pg.PoolClient,
  author: Author,
  rows: readonly PushRow[],
  checks: EnvelopeChecks,
  quotas: Quotas,
) => Promise<BatchResult>;

/** How many new conversations and message requests one user may make in a rolling hour. */
export interface Quotas {
  conversationsPerHour: number;
  requestsPerHour: number;
}

export const reject = (code: RejectionCode, message: string): RowOutcome => ({
  kind: 'rejected',
  code,
  message,
});
export const UNCHANGED: RowOutcome = { kind: 'unchanged' };
export const WRITTEN: RowOutcome = { kind: 'written' };
export const RETRY: RowOutcome = { kind: 'retry' };
export const NOT_MEMBER = reject('NOT_MEMBER', 'you are not a current member of this conversation');
export const BLOCKED = reject('BLOCKED', 'this person does not accept conversations from you');
export const REQUEST_PENDING = reject(
  'REQUEST_PENDING',
  'you have not accepted this conversation yet: accept or leave it first',
);
export const CONVERSATION_DELETED = reject(
  'CONVERSATION_DELETED',
  'this conversation was deleted: nothing more is written into it',
);

/** Collections a change of membership or a new conversation can move into a device's view. */
export const CONVERSATION_SCOPED: readonly CollectionName[] = [
  'conversations',
  'members',
  'messages',
  'receipts',
  'users',
  'devices',
];

export const ZERO_BYTE = Buffer.from([0]);
export const fromBase64 = (value: unknown) =>
  value === null ? null : Buffer.from(value as string, 'base64');

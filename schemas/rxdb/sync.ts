/**
 * The replication protocol over socket.io (see docs/protocol.md, "Replication"): collection names,
 * their schemas, event payloads, error codes and limits, shared by the server and clients.
 */
import { blocksSchema } from './blocks.ts';
import { conversationsSchema } from './conversations.ts';
import { devicesSchema } from './devices.ts';
import { keyArchiveSchema } from './keyArchive.ts';
import { keyEnvelopesSchema } from './keyEnvelopes.ts';
import { membersSchema } from './members.ts';
import { messagesSchema } from './messages.ts';
import { mutesSchema } from './mutes.ts';
import { receiptsSchema } from './receipts.ts';
import { usersSchema } from './users.ts';

export const RXDB_SCHEMAS = {
  users: usersSchema,
  devices: devicesSchema,
  conversations: conversationsSchema,
  members: membersSchema,
  messages: messagesSchema,
  receipts: receiptsSchema,
  keyEnvelopes: keyEnvelopesSchema,
  keyArchive: keyArchiveSchema,
  blocks: blocksSchema,
  mutes: mutesSchema,
} as const;

export type CollectionName = keyof typeof RXDB_SCHEMAS;
export const COLLECTIONS = Object.keys(RXDB_SCHEMAS) as CollectionName[];
/** Collections the server refuses pushes to (they change over HTTP only). */
export const READ_ONLY_COLLECTIONS: readonly CollectionName[] = ['users', 'devices'];

export const SYNC_LIMITS = {
  /** Largest `batchSize` a pull may ask for. */
  maxPullBatchSize: 200,
  /** Most rows in one push. */
  maxPushRows: 100,
  /** Default socket.io maxHttpBufferSize: a larger frame closes the connection. */
  maxPayloadBytes: 1024 * 1024,
  /** Default: unanswered `pull`s and `push`es one socket may have (more: TOO_MANY_IN_FLIGHT). */
  maxInFlightPerSocket: 16,
  /** Most pushes one handshake may carry (`auth.pushes`). */
  maxHandshakePushes: 12,
  /** Default: live sockets per device, and per user, on one server instance. */
  maxConnectionsPerDevice: 8,
  maxConnectionsPerUser: 32,
} as const;

/** A position in one collection's ordered stream of (rev, id); null means "from the start". */
export interface Checkpoint {
  rev: string;
  id: string;
}

export type WireDocument = Record<string, unknown> & { id: string; _deleted: boolean };

export interface PullRequest {
  collection: CollectionName;
  checkpoint: Checkpoint | null;
  batchSize: number;
}
export interface PullResponse {
  documents: WireDocument[];
  checkpoint: Checkpoint | null;
}
/**
 * Several collections' pulls in one round trip (`pulls`), each answered as if pulled alone: what a
 * device sends as it (re)connects, when a frame more is a chance more to lose the connection.
 */
export interface PullsRequest {
  pulls: PullRequest[];
}
export interface PullsResponse {
  /** In the order of the request: each a page, or why that collection's pull failed. */
  results: (PullResponse | SyncErrorAck)[];
}

/**
 * The answer to the pushes a handshake carried (`auth.pushes`, event `pushed`): each as if pushed
 * alone, in the order sent.
 */
export interface PushesResponse {
  results: (PushResponse | SyncErrorAck)[];
}

export interface PushRow {
  assumedMasterState: WireDocument | null;
  newDocumentState: WireDocument;
}
export interface PushRequest {
  collection: CollectionName;
  rows: PushRow[];
}

/**
 * A push as sent. Every byte counts on a slow link (docs/protocol.md, "Compact push rows"), so a
 * row may leave out what the server knows: `assumedMasterState` when null, `_deleted` when false,
 * and `senderDeviceId` when it names the pushing device. The server restores them (`PushRow`).
 */
export type CompactDocument = Omit<WireDocument, '_deleted'> & { _deleted?: true };
export interface CompactPushRow {
  assumedMasterState?: CompactDocument;
  newDocumentState: CompactDocument;
}
export interface CompactPushRequest {
  collection: CollectionName;
  rows: CompactPushRow[];
}
export interface RejectedRow {
  id: string;
  code: RejectionCode;
  message: string;
}
export interface PushResponse {
  /** The real master states of rows whose assumedMasterState was stale. */
  conflicts: WireDocument[];
  rejected: RejectedRow[];
  /**
   * Every row of this push that is stored as pushed, whether this push wrote it or an earlier one
   * did (a retried push whose answer was lost), with the fields the server set that differ from the
   * pushed state (`rev`, `createdAt`, `editedAt`, ...), by id: the pushed state plus these is the
   * master state. A client takes it as such, because a pull answered while the push was in flight
   * may have carried that state before the client knew its own write had gone through.
   */
  stored: (Record<string, unknown> & { id: string })[];
}

/** Server -> client. `resync` asks the client to pull that collection from its checkpoint. */
export type StreamEvent =
  | { collection: CollectionName; documents: WireDocument[]; checkpoint: Checkpoint }
  | { collection: CollectionName; resync: true };

/** Answer of a whole event that was refused: nothing was read or written. */
export interface SyncErrorAck {
  error: { code: SyncErrorCode; message: string };
}

export const SYNC_ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNKNOWN_COLLECTION',
  'BATCH_TOO_LARGE',
  'BAD_CHECKPOINT',
  'UNAUTHENTICATED',
  'INTERNAL',
  /**
   * A backing service (the database, crypto-native) is unavailable: nothing was written; the same
   * request may be sent again (RxDB retries it). Never a reason to sign out.
   */
  'NOT_READY',
  /** `typing`: the device's user is not a current member of the conversation (or it does not exist). */
  'NOT_MEMBER',
  /** `typing`: more than EPHEMERAL_LIMITS.typingPerSecond events in a second from one socket. */
  'RATE_LIMITED',
  /**
   * `pull`: the checkpoint's revision is at or above the server's horizon, so the server never
   * returned it (a forged checkpoint, or a database restored from a backup): pull from null.
   */
  'CHECKPOINT_AHEAD',
  /**
   * `pull` or `push` while this socket already has SYNC_LIMITS.maxInFlightPerSocket of them
   * unanswered: wait for answers, then send again.
   */
  'TOO_MANY_IN_FLIGHT',
] as const;
export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[number];

/**
 * Codes of `connect_error` (in `error.message` and `error.data.code`). UNAUTHORIZED: the token was
 * refused or the device is signed out (refresh the token; only a refused refresh ends the
 * session). TOKEN_EXPIRED: refresh and reconnect. NOT_READY: the server could not check the
 * handshake now (its database or crypto-native is unavailable): reconnect with backoff.
 * TOO_MANY_CONNECTIONS: this device or user already holds the most sockets allowed.
 */
export const CONNECT_ERROR_CODES = [
  'UNAUTHORIZED',
  'TOKEN_EXPIRED',
  'NOT_READY',
  'TOO_MANY_CONNECTIONS',
] as const;
export type ConnectErrorCode = (typeof CONNECT_ERROR_CODES)[number];

/** Why one pushed row was refused; the other rows of the batch are unaffected. */
export const REJECTION_CODES = [
  'READ_ONLY',
  'FORBIDDEN',
  'NOT_MEMBER',
  'NOT_ADMIN',
  'NOT_OWNER',
  'WRONG_SENDER',
  'IMMUTABLE_FIELD',
  'DIRECT_MEMBERS_FIXED',
  'INVALID_REFERENCE',
  'NOT_FOUND',
  'INVALID_ROW',
  /**
   * End-to-end checks of messages and key envelopes (docs/crypto.md, "Who checks what"): the
   * envelope does not decode (bad base64, size, version or layout).
   */
  'MALFORMED_ENVELOPE',
  /** The Ed25519 signature does not verify under the sending device's registered signing key. */
  'BAD_SIGNATURE',
  /** The sending device has no certificate (a device made before end-to-end encryption). */
  'UNCERTIFIED_DEVICE',
  /** A key envelope's row conversation differs from the signed one (moved to another conversation). */
  'WRONG_CONVERSATION',
  /** A key envelope's row epoch differs from the signed one. */
  'WRONG_EPOCH',
  /** A key envelope's row recipient differs from the signed one. */
  'WRONG_RECIPIENT',
  /**
   * Key envelopes of an epoch another device started (docs/crypto.md, "Epochs"): all envelopes of
   * one epoch come from the device whose envelope for it was stored first.
   */
  'EPOCH_TAKEN',
  /** A key envelope starts an epoch that is not one above the conversation's newest epoch. */
  'EPOCH_NOT_NEXT',
  /**
   * Message requests (docs/protocol.md, "Message requests and blocks"): you have not accepted this
   * conversation yet, so you may only accept it or leave it.
   */
  'REQUEST_PENDING',
  /** The person blocks you: you cannot start a conversation with them or add them to one. */
  'BLOCKED',
  /**
   * Too many new conversations, or too many requests to people who do not know you, in the last
   * hour (server quotas, docs/protocol.md): nothing was stored; retry later.
   */
  'QUOTA_EXCEEDED',
  /** A new message whose id is not a UUID version 7 (time-ordered). */
  'ID_NOT_UUID_V7',
  /** A write into a deleted conversation (messages, members, receipts, key envelopes), or undeleting it. */
  'CONVERSATION_DELETED',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

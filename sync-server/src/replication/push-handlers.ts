import type {
  CollectionName,
  PushRow,
  RejectionCode,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import type pg from 'pg';
import {
  conversationDocument,
  keyEnvelopeDocument,
  memberDocument,
  messageDocument,
  receiptDocument,
} from './pull-queries.ts';

export interface Author {
  userId: string;
  deviceId: string;
}

/** What happened to one pushed row. `notify`: users whose devices should pull these collections. */
export type RowOutcome =
  | { kind: 'written'; notify: Notification }
  | { kind: 'unchanged' }
  | { kind: 'conflict'; master: WireDocument }
  | { kind: 'rejected'; code: RejectionCode; message: string };

export interface Notification {
  userIds: string[];
  collections: CollectionName[];
}

type Db = pg.PoolClient;
type Row = Record<string, unknown>;
export type PushHandler = (db: Db, author: Author, row: PushRow) => Promise<RowOutcome>;

const reject = (code: RejectionCode, message: string): RowOutcome => ({
  kind: 'rejected',
  code,
  message,
});
const UNCHANGED: RowOutcome = { kind: 'unchanged' };
const ZERO_BYTE = Buffer.from([0]);
const CONVERSATION_SCOPED: CollectionName[] = [
  'conversations',
  'members',
  'messages',
  'receipts',
  'users',
  'devices',
];

/**
 * Compares a pushed row with the stored one on the fields a client writes.
 * - `insert`: nothing stored, nothing assumed;
 * - `same`: what is stored already equals the new state (a retried push): nothing to do;
 * - `update`: the client saw the stored revision;
 * - `conflict`: the stored row changed since (or exists although the client assumed none);
 * - `missing`: the client assumed a row the server does not have.
 */
function compare(
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

interface Membership {
  role: 'admin' | 'member';
  active: boolean;
}

async function membership(
  db: Db,
  conversationId: string,
  userId: string,
): Promise<Membership | null> {
  const { rows } = await db.query<{ role: 'admin' | 'member'; active: boolean }>(
    `SELECT role, removed_at IS NULL AS active FROM members
      WHERE conversation_id = $1 AND user_id = $2`,
    [conversationId, userId],
  );
  return rows[0] ?? null;
}

async function membersOf(db: Db, conversationId: string): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(
    'SELECT user_id FROM members WHERE conversation_id = $1',
    [conversationId],
  );
  return rows.map((row) => row.user_id);
}

async function selectOne(db: Db, sql: string, params: unknown[]): Promise<Row | null> {
  const { rows } = await db.query<Row>(sql, params);
  return rows[0] ?? null;
}

const NOT_MEMBER = reject('NOT_MEMBER', 'you are not a current member of this conversation');

const conversations: PushHandler = async (db, author, row) => {
  const next = row.newDocumentState;
  const stored = await selectOne(
    db,
    'SELECT *, rev::text AS rev_text FROM conversations WHERE id = $1 FOR UPDATE',
    [next.id],
  );
  const current = stored === null ? null : conversationDocument(stored);
  const action = compare(current, row, ['kind', 'titleCiphertext', 'createdBy', 'directPeerId']);
  if (current !== null) {
    const mine = await membership(db, next.id, author.userId);
    if (mine === null || !mine.active) return NOT_MEMBER;
    if (action === 'same') return UNCHANGED;
    if (action === 'conflict') return { kind: 'conflict', master: current };
    for (const field of ['kind', 'createdBy', 'directPeerId']) {
      if (current[field] !== next[field])
        return reject('IMMUTABLE_FIELD', `${field} never changes`);
    }
    if (mine.role !== 'admin') return reject('NOT_ADMIN', 'only admins change a conversation');
    const title =
      next.titleCiphertext === null ? null : Buffer.from(next.titleCiphertext as string, 'base64');
    await db.query('UPDATE conversations SET title_ciphertext = $2, deleted = $3 WHERE id = $1', [
      next.id,
      title,
      next._deleted,
    ]);
    return {
      kind: 'written',
      notify: { userIds: await membersOf(db, next.id), collections: ['conversations'] },
    };
  }
  if (action === 'missing') return reject('NOT_FOUND', 'no such conversation');
  if (next.createdBy !== author.userId) {
    return reject('WRONG_SENDER', 'createdBy must be your own user id');
  }
  if (next._deleted) return reject('INVALID_ROW', 'a conversation cannot be created deleted');
  const peer = next.directPeerId as string | null;
  if (next.kind === 'direct') {
    if (peer === null || peer === author.userId) {
      return reject('INVALID_ROW', 'a direct conversation needs directPeerId, another user');
    }
    const exists = await selectOne(db, 'SELECT 1 FROM users WHERE id = $1 AND NOT deleted', [peer]);
    if (exists === null) return reject('INVALID_REFERENCE', 'directPeerId is not a user');
  } else if (peer !== null) {
    return reject('INVALID_ROW', 'a group conversation has no directPeerId');
  }
  const title =
    next.titleCiphertext === null ? null : Buffer.from(next.titleCiphertext as string, 'base64');
  const inserted = await db.query(
    `INSERT INTO conversations (id, kind, title_ciphertext, created_by, direct_peer_id)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
    [next.id, next.kind, title, author.userId, peer],
  );
  if (inserted.rowCount === 0) return conversations(db, author, row);
  const userIds = peer === null ? [author.userId] : [author.userId, peer];
  for (const userId of userIds) {
    await db.query(
      `INSERT INTO members (conversation_id, user_id, role) VALUES ($1, $2, 'admin')`,
      [next.id, userId],
    );
  }
  return { kind: 'written', notify: { userIds, collections: CONVERSATION_SCOPED } };
};

const members: PushHandler = async (db, author, row) => {
  const next = { ...row.newDocumentState };
  if (next.id !== `${next.conversationId}|${next.userId}`) {
    return reject('INVALID_ROW', 'id must be <conversationId>|<userId>');
  }
  // Pushing a deletion means removal: the row itself stays so the member learns of it.
  next.removed = next.removed === true || next._deleted;
  next._deleted = false;
  const normalized: PushRow = { ...row, newDocumentState: next };
  const conversationId = next.conversationId as string;
  const conversation = await selectOne(
    db,
    'SELECT kind FROM conversations WHERE id = $1 FOR UPDATE',
    [conversationId],
  );
  const mine = conversation === null ? null : await membership(db, conversationId, author.userId);
  if (mine === null || !mine.active) return NOT_MEMBER;
  const stored = await selectOne(
    db,
    `SELECT *, rev::text AS rev_text FROM members
      WHERE conversation_id = $1 AND user_id = $2 FOR UPDATE`,
    [conversationId, next.userId],
  );
  const current = stored === null ? null : memberDocument(stored);
  const action = compare(current, normalized, ['role', 'removed']);
  if (action === 'same') return UNCHANGED;
  if (action === 'conflict') return { kind: 'conflict', master: current as WireDocument };
  if (action === 'missing') return reject('NOT_FOUND', 'no such member');
  if (conversation?.kind === 'direct') {
    return reject('DIRECT_MEMBERS_FIXED', 'a direct conversation keeps its two members');
  }
  const leaving =
    current !== null &&
    next.userId === author.userId &&
    next.removed === true &&
    current.removed === false &&
    current.role === next.role;
  if (!leaving && mine.role !== 'admin') {
    return reject('NOT_ADMIN', 'only admins add, remove or change members');
  }
  if (current === null) {
    if (next.removed) return reject('INVALID_ROW', 'a member cannot be added removed');
    const user = await selectOne(db, 'SELECT 1 FROM users WHERE id = $1 AND NOT deleted', [
      next.userId,
    ]);
    if (user === null) return reject('INVALID_REFERENCE', 'userId is not a user');
    await db.query('INSERT INTO members (conversation_id, user_id, role) VALUES ($1, $2, $3)', [
      conversationId,
      next.userId,
      next.role,
    ]);
  } else {
    await db.query(
      `UPDATE members SET role = $3,
              removed_at = CASE WHEN $4::boolean THEN coalesce(removed_at, now()) END
        WHERE conversation_id = $1 AND user_id = $2`,
      [conversationId, next.userId, next.role, next.removed],
    );
  }
  return {
    kind: 'written',
    notify: { userIds: await membersOf(db, conversationId), collections: CONVERSATION_SCOPED },
  };
};

const messages: PushHandler = async (db, author, row) => {
  const next = row.newDocumentState;
  const stored = await selectOne(
    db,
    `SELECT m.*, m.rev::text AS rev_text, d.user_id AS sender_user_id
       FROM messages m JOIN devices d ON d.id = m.sender_device_id
      WHERE m.id = $1 FOR UPDATE OF m`,
    [next.id],
  );
  const current = stored === null ? null : messageDocument(stored);
  // A deleted message keeps one zero byte: compare deletions without their envelope.
  const fields =
    current?._deleted && next._deleted
      ? ['conversationId', 'senderDeviceId']
      : ['conversationId', 'senderDeviceId', 'envelope'];
  const action = compare(current, row, fields);
  if (current !== null && stored !== null) {
    const mine = await membership(db, current.conversationId as string, author.userId);
    if (mine === null || !mine.active) return NOT_MEMBER;
    if (action === 'same') return UNCHANGED;
    if (action === 'conflict') return { kind: 'conflict', master: current };
    if (stored.sender_user_id !== author.userId) {
      return reject('NOT_OWNER', 'only its sender edits or deletes a message');
    }
    for (const field of ['conversationId', 'senderDeviceId']) {
      if (current[field] !== next[field])
        return reject('IMMUTABLE_FIELD', `${field} never changes`);
    }
    if (current._deleted) return reject('IMMUTABLE_FIELD', 'a deleted message stays deleted');
    if (next._deleted) {
      await db.query('UPDATE messages SET deleted = true, envelope = $2 WHERE id = $1', [
        next.id,
        ZERO_BYTE,
      ]);
    } else {
      await db.query('UPDATE messages SET envelope = $2, edited_at = now() WHERE id = $1', [
        next.id,
        Buffer.from(next.envelope as string, 'base64'),
      ]);
    }
    return {
      kind: 'written',
      notify: {
        userIds: await membersOf(db, current.conversationId as string),
        collections: ['messages'],
      },
    };
  }
  if (action === 'missing') return reject('NOT_FOUND', 'no such message');
  if (next.senderDeviceId !== author.deviceId) {
    return reject('WRONG_SENDER', 'senderDeviceId must be the device you are signed in as');
  }
  const conversationId = next.conversationId as string;
  const mine = await membership(db, conversationId, author.userId);
  if (mine === null || !mine.active) return NOT_MEMBER;
  const inserted = await db.query(
    `INSERT INTO messages (id, conversation_id, sender_device_id, envelope, deleted)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
    [
      next.id,
      conversationId,
      author.deviceId,
      next._deleted ? ZERO_BYTE : Buffer.from(next.envelope as string, 'base64'),
      next._deleted,
    ],
  );
  // Another push of the same id committed first: decide again against what it stored.
  if (inserted.rowCount === 0) return messages(db, author, row);
  return {
    kind: 'written',
    notify: { userIds: await membersOf(db, conversationId), collections: ['messages'] },
  };
};

const receipts: PushHandler = async (db, author, row) => {
  const next = row.newDocumentState;
  if (next.id !== `${next.conversationId}|${next.userId}`) {
    return reject('INVALID_ROW', 'id must be <conversationId>|<userId>');
  }
  if (next.userId !== author.userId) return reject('FORBIDDEN', 'you write only your own receipts');
  if (next._deleted) return reject('INVALID_ROW', 'receipts are not deleted');
  const conversationId = next.conversationId as string;
  const mine = await membership(db, conversationId, author.userId);
  if (mine === null || !mine.active) return NOT_MEMBER;
  const stored = await selectOne(
    db,
    `SELECT *, rev::text AS rev_text FROM receipts
      WHERE conversation_id = $1 AND user_id = $2 FOR UPDATE`,
    [conversationId, author.userId],
  );
  const current = stored === null ? null : receiptDocument(stored);
  const action = compare(current, row, ['deliveredUpTo', 'readUpTo']);
  if (action === 'same') return UNCHANGED;
  if (action === 'conflict') return { kind: 'conflict', master: current as WireDocument };
  if (action === 'missing') return reject('NOT_FOUND', 'no such receipt');
  for (const field of ['deliveredUpTo', 'readUpTo']) {
    const messageId = next[field];
    if (messageId === null) continue;
    const found = await selectOne(
      db,
      'SELECT 1 FROM messages WHERE id = $1 AND conversation_id = $2',
      [messageId, conversationId],
    );
    if (found === null)
      return reject('INVALID_REFERENCE', `${field} is not a message of this conversation`);
  }
  await db.query(
    `INSERT INTO receipts (conversation_id, user_id, delivered_up_to, read_up_to)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (conversation_id, user_id)
     DO UPDATE SET delivered_up_to = EXCLUDED.delivered_up_to, read_up_to = EXCLUDED.read_up_to`,
    [conversationId, author.userId, next.deliveredUpTo, next.readUpTo],
  );
  return {
    kind: 'written',
    notify: { userIds: await membersOf(db, conversationId), collections: ['receipts'] },
  };
};

const keyEnvelopes: PushHandler = async (db, author, row) => {
  const next = row.newDocumentState;
  const stored = await selectOne(
    db,
    'SELECT *, rev::text AS rev_text FROM key_envelopes WHERE id = $1 FOR UPDATE',
    [next.id],
  );
  const current = stored === null ? null : keyEnvelopeDocument(stored);
  if (current !== null) {
    if (
      current.senderDeviceId !== author.deviceId &&
      current.recipientDeviceId !== author.deviceId
    ) {
      return reject('FORBIDDEN', 'this key envelope is neither from nor to this device');
    }
    const action = compare(current, row, [
      'conversationId',
      'epoch',
      'recipientDeviceId',
      'senderDeviceId',
      'envelope',
    ]);
    if (action === 'same') return UNCHANGED;
    return reject('IMMUTABLE_FIELD', 'key envelopes never change');
  }
  if (row.assumedMasterState !== null) return reject('NOT_FOUND', 'no such key envelope');
  if (next.senderDeviceId !== author.deviceId) {
    return reject('WRONG_SENDER', 'senderDeviceId must be the device you are signed in as');
  }
  if (next._deleted) return reject('INVALID_ROW', 'a key envelope cannot be created deleted');
  const conversationId = next.conversationId as string;
  const mine = await membership(db, conversationId, author.userId);
  if (mine === null || !mine.active) return NOT_MEMBER;
  const recipient = await selectOne(
    db,
    `SELECT d.user_id FROM devices d
       JOIN members mb ON mb.user_id = d.user_id AND mb.conversation_id = $2
      WHERE d.id = $1 AND d.revoked_at IS NULL AND mb.removed_at IS NULL`,
    [next.recipientDeviceId, conversationId],
  );
  if (recipient === null) {
    return reject('INVALID_REFERENCE', 'recipient is not an active device of a current member');
  }
  const inserted = await db.query(
    `INSERT INTO key_envelopes (id, conversation_id, epoch, recipient_device_id, sender_device_id, envelope)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [
      next.id,
      conversationId,
      next.epoch,
      next.recipientDeviceId,
      author.deviceId,
      Buffer.from(next.envelope as string, 'base64'),
    ],
  );
  if (inserted.rowCount === 0) {
    const byId = await selectOne(db, 'SELECT 1 FROM key_envelopes WHERE id = $1', [next.id]);
    if (byId !== null) return keyEnvelopes(db, author, row);
    return reject('INVALID_ROW', 'this recipient already has an envelope for this epoch');
  }
  return {
    kind: 'written',
    notify: { userIds: [recipient.user_id as string], collections: ['keyEnvelopes'] },
  };
};

const readOnly: PushHandler = async () =>
  reject('READ_ONLY', 'this collection changes over the HTTP API only');

export const PUSH_HANDLERS: Record<CollectionName, PushHandler> = {
  users: readOnly,
  devices: readOnly,
  conversations,
  members,
  messages,
  receipts,
  keyEnvelopes,
};

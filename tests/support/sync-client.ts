import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createWasmNacl } from '@anochat/crypto-native';
import { loadNaclWasm } from '@anochat/crypto-native/node';
import {
  encodeBase64,
  type LocalDevice,
  sealMessage,
  wrapConversationKey,
} from '@anochat/protocol';
import type { MessagePayload } from '@anochat/schemas/e2e/payload';
import type {
  Checkpoint,
  CollectionName,
  PullResponse,
  PushResponse,
  StreamEvent,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import { io, type Socket } from 'socket.io-client';
import { type Account, deviceKeysOf, register, type TestIdentity } from './api.ts';
import { uuidv7 } from './ids.ts';

export interface SyncClient {
  userId: string;
  deviceId: string;
  token: string;
  socket: Socket;
  streams: StreamEvent[];
  /** This device's keys and ids, to seal and sign what it pushes. */
  device: LocalDevice;
  /** Its user's identity key, which certifies and revokes the user's devices. */
  identity: TestIdentity;
  /** The credentials it registered with, for a login from another device (syncUser only). */
  account?: Account;
}

/** A real socket.io-client connection; resolves once connected, rejects with the connect_error. */
export function connectSocket(
  baseUrl: string,
  auth: unknown,
  /** Listeners to attach before the connection is up (the server may emit as it accepts it). */
  listen?: (socket: Socket) => void,
): Promise<Socket> {
  const socket = io(baseUrl, {
    auth: auth as object,
    transports: ['websocket'],
    reconnection: false,
  });
  listen?.(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Registers a user (a new device) and connects it. */
export async function syncUser(baseUrl: string): Promise<SyncClient> {
  const account = await register(baseUrl);
  const { session } = account;
  const streams: StreamEvent[] = [];
  const token = session.accessToken;
  const socket = io(baseUrl, { auth: { token }, transports: ['websocket'], reconnection: false });
  socket.on('stream', (event: StreamEvent) => streams.push(event));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const device: LocalDevice = {
    userId: session.user.id,
    deviceId: session.device.id,
    ...deviceKeysOf(session.device),
  };
  return {
    userId: session.user.id,
    deviceId: session.device.id,
    token,
    socket,
    streams,
    device,
    identity: account.identity,
    account,
  };
}

export function emit<T>(socket: Socket, event: string, payload: unknown): Promise<T> {
  return socket.timeout(10_000).emitWithAck(event, payload) as Promise<T>;
}

export async function pull(
  client: SyncClient,
  collection: CollectionName,
  checkpoint: Checkpoint | null,
  batchSize = 50,
): Promise<PullResponse> {
  const answer = await emit<PullResponse & { error?: unknown }>(client.socket, 'pull', {
    collection,
    checkpoint,
    batchSize,
  });
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  return answer;
}

/** Pulls until a page comes back empty: every document in arrival order and the last checkpoint. */
export async function pullAll(
  client: SyncClient,
  collection: CollectionName,
  from: Checkpoint | null = null,
  batchSize = 50,
): Promise<{ documents: WireDocument[]; checkpoint: Checkpoint | null }> {
  const documents: WireDocument[] = [];
  let checkpoint = from;
  for (;;) {
    const page = await pull(client, collection, checkpoint, batchSize);
    documents.push(...page.documents);
    checkpoint = page.checkpoint;
    if (page.documents.length === 0) return { documents, checkpoint };
  }
}

export async function push(
  client: SyncClient,
  collection: CollectionName,
  rows: { assumedMasterState: WireDocument | null; newDocumentState: WireDocument }[],
): Promise<PushResponse> {
  const answer = await emit<PushResponse & { error?: unknown }>(client.socket, 'push', {
    collection,
    rows,
  });
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  return answer;
}

/** The push went through: no conflict, no row refused (`stored` holds what the server set). */
export function assertAccepted(answer: PushResponse): void {
  assert.deepEqual(
    { conflicts: answer.conflicts, rejected: answer.rejected },
    { conflicts: [], rejected: [] },
  );
}

/** Pushes new rows (no assumed master state) and asserts none was refused or in conflict. */
export async function create(
  client: SyncClient,
  collection: CollectionName,
  documents: WireDocument[],
): Promise<void> {
  const answer = await push(
    client,
    collection,
    documents.map((newDocumentState) => ({ assumedMasterState: null, newDocumentState })),
  );
  assertAccepted(answer);
}

/** Random bytes in base64: an opaque value (a title) or an envelope the server must refuse. */
export const envelope = (text: string = randomUUID()) => Buffer.from(text).toString('base64');

/** The WebAssembly provider: it signs fast enough for tests that push thousands of messages. */
const nacl = createWasmNacl(await loadNaclWasm());

/** One random key per conversation (epoch 0), shared by the test's devices as key envelopes would. */
const conversationKeys = new Map<string, Uint8Array>();
export function conversationKeyOf(conversationId: string, epoch = 0) {
  const name = `${conversationId}/${epoch}`;
  let key = conversationKeys.get(name);
  if (key === undefined) {
    key = nacl.randomBytes(32);
    conversationKeys.set(name, key);
  }
  return { conversationId, epoch, key };
}

/** A real message envelope (base64) sealed under the conversation's key and signed by `sender`. */
export function sealedMessage(
  sender: SyncClient,
  message: { id: string; conversationId: string; text?: string; payload?: MessagePayload },
): string {
  const payload = message.payload ?? { type: 'text', text: message.text ?? randomUUID() };
  return encodeBase64(
    sealMessage(
      nacl,
      { id: message.id, conversationKey: conversationKeyOf(message.conversationId), payload },
      sender.device,
    ),
  );
}

/** The same message row with a newly sealed text (an edit in place, as its sender would push it). */
export function resealed(sender: SyncClient, message: WireDocument, text: string): WireDocument {
  const { id, conversationId } = message as WireDocument & { conversationId: string };
  return { ...message, envelope: sealedMessage(sender, { id, conversationId, text }) };
}

/** A key envelope row: the conversation's key wrapped by `sender` for `recipient`'s device. */
export function keyEnvelopeDoc(
  sender: SyncClient,
  recipient: SyncClient,
  conversationId: string,
  epoch = 0,
): WireDocument {
  const recipientDevice = {
    id: recipient.deviceId,
    userId: recipient.userId,
    boxPublicKey: recipient.device.box.publicKey,
    signPublicKey: recipient.device.sign.publicKey,
    certifiedAt: Date.now(),
  };
  const wrapped = wrapConversationKey(
    nacl,
    conversationKeyOf(conversationId, epoch),
    sender.device,
    recipientDevice,
    new Set([recipient.userId]),
  );
  return {
    id: randomUUID(),
    conversationId,
    epoch,
    recipientDeviceId: recipient.deviceId,
    senderDeviceId: sender.deviceId,
    envelope: encodeBase64(wrapped),
    _deleted: false,
  };
}

export function groupDoc(creator: SyncClient, id = randomUUID()): WireDocument {
  return {
    id,
    kind: 'group',
    titleCiphertext: envelope('title'),
    createdBy: creator.userId,
    directPeerId: null,
    _deleted: false,
  };
}

export function memberDoc(
  conversationId: string,
  userId: string,
  role: 'admin' | 'member' = 'member',
  removed = false,
): WireDocument {
  return {
    id: `${conversationId}|${userId}`,
    conversationId,
    userId,
    role,
    removed,
    accepted: false,
    _deleted: false,
  };
}

/**
 * `client` accepts its message request in the conversation (docs/protocol.md, "Message requests
 * and blocks"), as RxDB would: a first push without a master state gets the stored membership
 * back as a conflict, the second changes it.
 */
export async function acceptRequest(client: SyncClient, conversationId: string): Promise<void> {
  const id = `${conversationId}|${client.userId}`;
  const accepting = { ...memberDoc(conversationId, client.userId), accepted: true };
  const probe = await push(client, 'members', [
    { assumedMasterState: null, newDocumentState: accepting },
  ]);
  assert.deepEqual(probe.rejected, []);
  const master = probe.conflicts.find((document) => document.id === id);
  // No conflict: the stored membership already equals an accepted one.
  if (master === undefined) return;
  const answer = await push(client, 'members', [
    { assumedMasterState: master, newDocumentState: { ...master, accepted: true } },
  ]);
  assertAccepted(answer);
}

/** A new message row with a real sealed and signed envelope. */
export function messageDoc(
  sender: SyncClient,
  conversationId: string,
  text?: string,
): WireDocument {
  const id = uuidv7();
  return {
    id,
    conversationId,
    senderDeviceId: sender.deviceId,
    envelope: sealedMessage(sender, {
      id,
      conversationId,
      ...(text === undefined ? {} : { text }),
    }),
    _deleted: false,
  };
}

/** A group created by `admin` with the others as members, each of whom accepts it. */
export async function createGroup(admin: SyncClient, others: SyncClient[]): Promise<string> {
  const conversation = groupDoc(admin);
  await create(admin, 'conversations', [conversation]);
  if (others.length > 0) {
    await create(
      admin,
      'members',
      others.map((other) => memberDoc(conversation.id, other.userId)),
    );
    for (const other of others) await acceptRequest(other, conversation.id);
  }
  return conversation.id;
}

/** Waits until `predicate` (which may be async: a query) holds, polling; fails naming `what`. */
export async function until(
  what: string,
  predicate: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) assert.fail(`not in time: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until `predicate` holds, polling. */
export async function eventually(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

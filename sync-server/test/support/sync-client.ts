import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type {
  Checkpoint,
  CollectionName,
  PullResponse,
  PushResponse,
  StreamEvent,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import { io, type Socket } from 'socket.io-client';
import { register } from './api.ts';

export interface SyncClient {
  userId: string;
  deviceId: string;
  token: string;
  socket: Socket;
  streams: StreamEvent[];
}

/** A real socket.io-client connection; resolves once connected, rejects with the connect_error. */
export function connectSocket(baseUrl: string, auth: unknown): Promise<Socket> {
  const socket = io(baseUrl, {
    auth: auth as object,
    transports: ['websocket'],
    reconnection: false,
  });
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
  return { userId: session.user.id, deviceId: session.device.id, token, socket, streams };
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
  assert.deepEqual(answer, { conflicts: [], rejected: [] });
}

export const envelope = (text: string = randomUUID()) => Buffer.from(text).toString('base64');

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
    _deleted: false,
  };
}

export function messageDoc(
  sender: SyncClient,
  conversationId: string,
  text?: string,
): WireDocument {
  return {
    id: randomUUID(),
    conversationId,
    senderDeviceId: sender.deviceId,
    envelope: envelope(text),
    _deleted: false,
  };
}

/** A group created by `admin` with the others as members. */
export async function createGroup(admin: SyncClient, others: SyncClient[]): Promise<string> {
  const conversation = groupDoc(admin);
  await create(admin, 'conversations', [conversation]);
  if (others.length > 0) {
    await create(
      admin,
      'members',
      others.map((other) => memberDoc(conversation.id, other.userId)),
    );
  }
  return conversation.id;
}

/** Waits until `predicate` holds, polling. */
export async function eventually(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * What the sync benchmark's suites share: the WebAssembly NaCl, sealed message rows (through the
 * protocol's client core), and socket.io clients of seeded devices that push, pull and make groups.
 */
import { randomUUID } from 'node:crypto';
import { createWasmNacl } from '@anochat/crypto-native';
import { loadNaclWasm } from '@anochat/crypto-native/node';
import { encodeBase64 } from '@anochat/protocol';
import { sealMessageEnvelope } from '@anochat/protocol/client';
import type {
  Checkpoint,
  PullResponse,
  PushResponse,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import { uuidv7 } from '@anochat/test-support/ids';
import type { SeededDevice } from '@anochat/test-support/seeded-devices';
import type pg from 'pg';
import { io, type Socket } from 'socket.io-client';

export type Device = SeededDevice;

export interface Client extends Device {
  socket: Socket;
}

/** Messages a pull asks for at once, as the app does. */
export const SYNC_BATCH = 200;
export const ENVELOPE_BYTES = 256;
/** About 200 characters of text: the sealed envelope is about ENVELOPE_BYTES. */
const TEXT = 'x'.repeat(200);

export const nacl = createWasmNacl(await loadNaclWasm());
const conversationKeys = new Map<string, Uint8Array>();
const keyOf = (conversationId: string) => {
  let key = conversationKeys.get(conversationId);
  if (key === undefined) {
    key = nacl.randomBytes(32);
    conversationKeys.set(conversationId, key);
  }
  return { conversationId, epoch: 0, key };
};
const title = () => encodeBase64(nacl.randomBytes(64));
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function emit<T>(
  socket: Socket,
  event: string,
  payload: unknown,
  timeoutMs = 30_000,
): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

export async function push(
  socket: Socket,
  collection: string,
  documents: WireDocument[],
): Promise<PushResponse> {
  const answer = await emit<PushResponse & { error?: unknown }>(socket, 'push', {
    collection,
    rows: documents.map((newDocumentState) => ({ assumedMasterState: null, newDocumentState })),
  });
  if (answer.error !== undefined) throw new Error(`push refused: ${JSON.stringify(answer.error)}`);
  if (answer.rejected.length > 0 || answer.conflicts.length > 0) {
    throw new Error(`push not clean: ${JSON.stringify(answer).slice(0, 500)}`);
  }
  return answer;
}

export async function pull(
  socket: Socket,
  collection: string,
  checkpoint: Checkpoint | null,
  batchSize: number,
): Promise<PullResponse> {
  const answer = await emit<PullResponse & { error?: unknown }>(socket, 'pull', {
    collection,
    checkpoint,
    batchSize,
  });
  if (answer.error !== undefined) throw new Error(`pull refused: ${JSON.stringify(answer.error)}`);
  return answer;
}

/** A real message row: sealed under the conversation's key and signed by the sender's device. */
export function messageDoc(sender: Device, conversationId: string): WireDocument {
  const id = uuidv7();
  return {
    id,
    conversationId,
    senderDeviceId: sender.deviceId,
    envelope: sealMessageEnvelope(nacl, sender.local, keyOf(conversationId), id, {
      type: 'text',
      text: TEXT,
    }),
    _deleted: false,
  };
}

export function connect(baseUrl: string, device: Device): Promise<Client> {
  const socket = io(baseUrl, {
    auth: { token: device.token },
    transports: ['websocket'],
    reconnection: false,
    timeout: 60_000,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ ...device, socket }));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Connects every device, at most `parallel` handshakes at a time. */
export async function connectAll(
  baseUrl: string,
  devices: Device[],
  parallel = 50,
): Promise<Client[]> {
  const clients: Client[] = new Array(devices.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, devices.length) }, async () => {
      while (next < devices.length) {
        const index = next++;
        clients[index] = await connect(baseUrl, devices[index] as Device);
      }
    }),
  );
  return clients;
}

/**
 * A group created by `admin` through the socket API, with `others` pushed as members. A stranger's
 * invitation is a message request: the members' acceptance is written with SQL, like the seeded
 * accounts (accepting over the socket is not what this benchmark measures).
 */
export async function createGroup(admin: Client, others: Device[], pool: pg.Pool): Promise<string> {
  const id = randomUUID();
  await push(admin.socket, 'conversations', [
    {
      id,
      kind: 'group',
      titleCiphertext: title(),
      createdBy: admin.userId,
      directPeerId: null,
      _deleted: false,
    },
  ]);
  for (let i = 0; i < others.length; i += 100) {
    await push(
      admin.socket,
      'members',
      others.slice(i, i + 100).map((other) => ({
        id: `${id}|${other.userId}`,
        conversationId: id,
        userId: other.userId,
        role: 'member',
        removed: false,
        accepted: false,
        _deleted: false,
      })),
    );
  }
  await pool.query('UPDATE members SET accepted_at = now() WHERE conversation_id = $1', [id]);
  return id;
}

export function closeAll(clients: Client[]): void {
  for (const client of clients) client.socket.close();
}

import { parentPort, workerData } from 'node:worker_threads';
import { createWasmNacl } from '@anochat/crypto-native';
import { loadNaclWasm } from '@anochat/crypto-native/node';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { startAccount } from '../../app/src/account.ts';
import { createHttpClient } from '../../app/src/api/http-client.ts';
import { createServerApi } from '../../app/src/api/server-api.ts';
import { openAttachmentStore } from '../../app/src/attachments/attachment-store.ts';
import { startAttachments } from '../../app/src/attachments/attachments.ts';
import { createClientCrypto } from '../../app/src/crypto/client-crypto.ts';
import { openAppDatabase } from '../../app/src/database/app-database.ts';
import { createMemorySecretStore } from '../../app/src/platform/memory-secret-store.ts';
import { createSessionService } from '../../app/src/session/session-service.ts';
import { createSessionStore, type StoredSession } from '../../app/src/session/session-store.ts';
import type {
  ClientRequest,
  ClientSetup,
  ClientSnapshot,
  WorkerMessage,
} from './client-protocol.ts';

/**
 * One device of a chaos run, in its own worker thread (RxDB's open-source build allows 13 open
 * collections per thread; the app has 10): the app's own modules as account.ts assembles them
 * (local database on RxDB's memory storage, client crypto on the WebAssembly build, session
 * service, sync engine and socket transport), talking to the sync servers through this device's
 * fault proxy. It writes what the harness tells it to and reports what its store holds.
 */
const setup = workerData as ClientSetup;
const port = parentPort;
if (port === null) throw new Error('client-worker runs as a worker thread');

function post(message: WorkerMessage) {
  port?.postMessage(message);
}

const trace = process.env.CHAOS_TRACE === '1';
function traceLine(line: string) {
  if (trace)
    process.stdout.write(
      `${new Date().toISOString().slice(11, 23)} client ${setup.index} ${line}\n`,
    );
}

const warnings: string[] = [];
console.warn = (...args: unknown[]) => {
  if (warnings.length < 200) warnings.push(args.map(String).join(' ').slice(0, 300));
};
console.error = console.warn;

const nacl = createWasmNacl(await loadNaclWasm());
const database = await openAppDatabase({
  name: `chaos${setup.index}`,
  storage: getRxStorageMemory(),
});
const crypto = createClientCrypto(nacl, database, createMemorySecretStore());
await crypto.adoptDevice(
  {
    keys: setup.keys,
    username: setup.username,
    identitySeed: setup.identitySeed,
    archiveKey: setup.archiveKey,
    publicKeys: { boxPublicKey: '', signPublicKey: '', certificate: '' },
  },
  { userId: setup.session.user.id, deviceId: setup.session.device.id },
);
const store = createSessionStore(database);
const signedIn: StoredSession = {
  userId: setup.session.user.id,
  username: setup.session.user.username,
  displayName: setup.session.user.displayName,
  deviceId: setup.session.device.id,
  accessToken: setup.session.accessToken,
  accessTokenExpiresAt: Date.now() + setup.session.accessTokenExpiresIn * 1000,
  refreshToken: setup.session.refreshToken,
};
await store.write(signedIn);
const session = createSessionService({
  api: createServerApi(createHttpClient(setup.serverUrl)),
  store,
  crypto,
  deviceName: `chaos ${setup.index}`,
  onSessionEnded: () => post({ kind: 'signed-out', reason: 'session ended (refresh refused)' }),
});
await session.restore();

// When each message first reached this store, and first became readable here.
const stored = new Map<string, number>();
const readable = new Map<string, number>();
database.messages.$.subscribe((event) => {
  if (!stored.has(event.documentId)) stored.set(event.documentId, Date.now());
});
database.messageViews.$.subscribe((event) => {
  const view = event.documentData as { kind?: string };
  if (view.kind === 'text' && !readable.has(event.documentId)) {
    readable.set(event.documentId, Date.now());
    traceLine(`readable ${(view as { text?: string }).text}`);
  }
});

const account = startAccount({
  database,
  crypto,
  session,
  signedIn,
  serverUrl: setup.serverUrl,
  api: createServerApi(createHttpClient(setup.serverUrl)),
  // A worker has no screen, no notification centre and no network events of its own: the fault
  // proxy, not the platform, decides when it is cut off.
  platform: {
    network: { online: () => true, subscribe: () => () => undefined },
    lifecycle: { state: () => 'active', subscribe: () => () => undefined },
    notifications: {
      permission: () => 'denied',
      requestPermission: async () => 'denied',
      show: () => undefined,
      setBadge: () => undefined,
      onOpened: () => () => undefined,
    },
    webPush: null,
  },
  isOnScreen: () => false,
  // Node has no IndexedDB: the attachment store lives in fake-indexeddb (no attachments are sent).
  startAttachments: (services) =>
    startAttachments(services, {
      store: openAttachmentStore(`attachments-${signedIn.deviceId}`, { indexedDB, IDBKeyRange }),
      mediaInfo: async () => ({}),
    }),
});

// The connection's history: how often it came and went, and for how long it was down.
const link = { connects: 0, disconnects: 0, connectErrors: 0, downSince: Date.now(), downMs: 0 };
account.transport.socket.on('connect', () => {
  link.connects += 1;
  link.downMs += Date.now() - link.downSince;
  traceLine(`connect (down ${Date.now() - link.downSince} ms)`);
});
account.transport.socket.on('disconnect', (reason) => {
  link.disconnects += 1;
  link.downSince = Date.now();
  traceLine(`disconnect: ${reason}`);
});
account.transport.socket.on('connect_error', (error) => {
  link.connectErrors += 1;
  traceLine(`connect_error: ${error.message}`);
});
account.transport.socket.on(
  'stream',
  (event: { collection: string; resync?: boolean; documents?: unknown[] }) => {
    traceLine(
      `stream ${event.collection} ${event.resync ? 'RESYNC' : `${event.documents?.length} documents`}`,
    );
  },
);

async function snapshot(): Promise<ClientSnapshot> {
  const [messages, views, failures, status] = await Promise.all([
    database.messages.find().exec(),
    database.messageViews.find().exec(),
    database.failures.find().exec(),
    new Promise<string>((resolve) => {
      const subscription = account.engine.status$.subscribe((value) => {
        resolve(value.kind);
        queueMicrotask(() => subscription.unsubscribe());
      });
    }),
  ]);
  return {
    messages: messages.map((doc) => ({
      id: doc.id,
      conversationId: doc.conversationId,
      rev: doc.rev ?? null,
    })),
    views: views.map((view) => ({
      id: view.id,
      kind: view.kind,
      text: view.text,
      sortKey: view.sortKey,
      synced: view.synced,
    })),
    failures: failures.map((failure) => `${failure.id}: ${failure.code}`),
    stored: [...stored],
    readable: [...readable],
    status,
    link: {
      connects: link.connects,
      disconnects: link.disconnects,
      connectErrors: link.connectErrors,
      downMs: link.downMs + (account.transport.socket.connected ? 0 : Date.now() - link.downSince),
    },
    warnings: warnings.splice(0),
  };
}

async function handle(request: ClientRequest): Promise<unknown> {
  switch (request.op) {
    case 'openDirect':
      return account.conversations.openDirect(request.peerUserId);
    case 'createGroup':
      return account.conversations.createGroup(request.title, request.memberUserIds);
    case 'hasKeys': {
      const answers = await Promise.all(request.conversationIds.map((id) => crypto.hasKey(id)));
      return answers.every(Boolean);
    }
    case 'acceptRequests': {
      let all = true;
      for (const conversationId of request.conversationIds) {
        const membership = await database.members
          .findOne(`${conversationId}|${setup.session.user.id}`)
          .exec();
        if (membership === null) all = false;
        else if (!membership.accepted && !membership.removed) {
          await account.requests.accept(conversationId);
          all = false;
        }
      }
      return all;
    }
    case 'send': {
      const at = Date.now();
      const id = await account.chat.send(request.conversationId, request.text);
      traceLine(`sent ${request.text} as ${id}`);
      return { id, at };
    }
    case 'snapshot':
      return snapshot();
    case 'stop':
      await account.stop();
      await database.close();
      return null;
  }
}

port.on('message', (message: { id: number; request: ClientRequest }) => {
  handle(message.request).then(
    (result) => post({ kind: 'answer', id: message.id, result }),
    (error: unknown) =>
      post({
        kind: 'answer',
        id: message.id,
        error: `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`,
      }),
  );
});
post({ kind: 'ready' });

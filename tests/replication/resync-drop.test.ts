import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { StreamEvent } from '@anochat/schemas/rxdb/sync';
import { register } from '@anochat/test-support/api';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  create,
  createGroup,
  messageDoc,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { io } from 'socket.io-client';
import {
  type AppDatabase,
  type MessageDoc,
  openAppDatabase,
} from '../../app/src/database/app-database.ts';
import { createSyncEngine, type SyncEngine } from '../../app/src/replication/sync-engine.ts';
import {
  createSyncTransport,
  type SyncTransport,
} from '../../app/src/replication/sync-transport.ts';
import { type FaultProxy, startFaultProxy } from '../chaos/fault-proxy.ts';
import { createPrng } from '../chaos/prng.ts';
import { startRxdbClient } from './rxdb-client.ts';

/**
 * RxDB 17.6.0 drops a RESYNC that waits in its downstream queue behind a documents event (both
 * wait while a push runs; rxdb-resync-drop.repro.mjs shows it without a server). The server keeps
 * that collection out of live mode until a pull comes, so before the fix the device received
 * nothing more. Each test reproduces the drop on purpose: it holds a push, lets a documents event
 * and a RESYNC queue behind it, and then checks that what was written after still arrives.
 */

async function until(
  what: string,
  predicate: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) assert.fail(`not in time: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Pushes wait at the gate while it is closed; `entered` tells that one is waiting. */
function pushGate() {
  let release = () => {};
  let opened: Promise<void> = Promise.resolve();
  let waiting = 0;
  return {
    close() {
      opened = new Promise((resolve) => {
        release = resolve;
      });
    },
    open: () => release(),
    async pass() {
      waiting += 1;
      await opened;
      waiting -= 1;
    },
    get entered() {
      return waiting > 0;
    },
  };
}

const documentsOf = (events: StreamEvent[], from: number) =>
  events
    .slice(from)
    .flatMap((e) => (e.collection === 'messages' && 'documents' in e ? e.documents : []));
const resyncsOf = (events: StreamEvent[], from: number) =>
  events.slice(from).filter((e) => e.collection === 'messages' && 'resync' in e).length;

/** Writes one message as `author` (its own connection), as another person's device would. */
async function writeAs(author: SyncClient, group: string): Promise<string> {
  const message = messageDoc(author, group);
  await create(author, 'messages', [message]);
  return message.id;
}

/**
 * A pull from this connection that RxDB did not ask for: the server, which had streamed documents
 * since the connection's last pull, answers it and follows with RESYNC (docs/protocol.md).
 */
async function provokeResync(socket: SyncTransport['socket'], events: StreamEvent[]) {
  const before = resyncsOf(events, 0);
  await socket.timeout(5_000).emitWithAck('pull', {
    collection: 'messages',
    checkpoint: null,
    batchSize: 200,
  });
  await until('the server sent RESYNC', () => resyncsOf(events, 0) > before);
}

describe('a plain RxDB 17.6 client that drops a RESYNC catches up through the server', () => {
  // The server's watchdog repeats a RESYNC to a collection that did not pull after it.
  const suite = useSyncServer({ DATABASE_POOL_MAX: '8', SYNC_RESYNC_REPEAT_MS: '250' });

  it('gets what was written after the dropped RESYNC (the server sends RESYNC again)', async () => {
    const [alice, bob] = [
      await syncUser(suite.server.baseUrl),
      await syncUser(suite.server.baseUrl),
    ];
    const group = await createGroup(alice, [bob]);
    const gate = pushGate();
    const client = await startRxdbClient(`drop${randomUUID()}`, alice.socket, ['messages'], {
      beforePush: () => gate.pass(),
    });
    try {
      await client.replications.messages?.awaitInitialReplication();
      const local = async () =>
        ((await client.collections.messages?.find().exec()) ?? []).map((doc) => doc.primary);
      const first = await writeAs(bob, group);
      await until('the collection is live', async () => (await local()).includes(first));

      gate.close();
      const { _deleted, ...own } = messageDoc(alice, group);
      await client.collections.messages?.insert(own);
      await until('a push is held', () => gate.entered);
      const streamed = alice.streams.length;
      const queued = await writeAs(bob, group);
      await until('its documents were streamed', () =>
        documentsOf(alice.streams, streamed).some((doc) => doc.id === queued),
      );
      const resyncsBefore = resyncsOf(alice.streams, 0);
      await provokeResync(alice.socket, alice.streams);
      const later = await writeAs(bob, group);
      gate.open();

      await until('the message written after the RESYNC arrived', async () =>
        (await local()).includes(later),
      );
      assert.ok(
        resyncsOf(alice.streams, 0) >= resyncsBefore + 2,
        'the server sent the RESYNC again',
      );
      assert.deepEqual(
        (await local()).sort(),
        [first, own.id, queued, later].sort(),
        'every message once',
      );
    } finally {
      await client.close();
      alice.socket.close();
      bob.socket.close();
    }
  });

  it('repeats RESYNC to a collection that never pulls', async () => {
    const { session } = await register(suite.server.baseUrl);
    const silent = io(suite.server.baseUrl, {
      auth: { token: session.accessToken },
      transports: ['websocket'],
      reconnection: false,
      autoConnect: false,
    });
    let resyncs = 0;
    silent.on('stream', (event: StreamEvent) => {
      if (event.collection === 'messages' && 'resync' in event) resyncs += 1;
    });
    silent.connect();
    try {
      // The connection's own RESYNC, then the repeats. Their doubling waits are checked on a mock
      // clock (sync-server/test/resync-watchdog.test.ts): measured here they move with the load.
      await until('three repeats', () => resyncs >= 4);
    } finally {
      silent.close();
    }
  });
});

describe('the app replication catches up by itself when RxDB drops a RESYNC', () => {
  // No help from the server: a RESYNC it sends is not repeated.
  const suite = useSyncServer({ DATABASE_POOL_MAX: '8', SYNC_RESYNC_REPEAT_MS: '250' });
  let alice: SyncClient;
  let bob: SyncClient;
  let group: string;
  let database: AppDatabase;
  let engine: SyncEngine;
  let transport: SyncTransport;
  let proxy: FaultProxy;
  const gate = pushGate();
  const events: StreamEvent[] = [];
  let disconnects = 0;

  const localIds = async () => (await database.messages.find().exec()).map((doc) => doc.id);

  before(async () => {
    [alice, bob] = [await syncUser(suite.server.baseUrl), await syncUser(suite.server.baseUrl)];
    group = await createGroup(alice, [bob]);
    const serverPort = Number(new URL(suite.server.baseUrl).port);
    proxy = await startFaultProxy({ target: () => serverPort, prng: createPrng(1) });
    database = await openAppDatabase({
      name: `drop${randomUUID().slice(0, 8)}`,
      storage: getRxStorageMemory(),
    });
    const real = createSyncTransport({
      url: proxy.url,
      accessToken: async () => alice.token,
      refreshAccessToken: async () => alice.token,
      network: { online: () => true, subscribe: () => () => undefined },
    });
    real.socket.on('stream', (event: StreamEvent) => events.push(event));
    real.socket.on('disconnect', () => {
      disconnects += 1;
    });
    // The app's transport, with every push waiting at the gate first (a slow link).
    transport = {
      ...real,
      async push<T>(payload: Parameters<SyncTransport['push']>[0]): Promise<T> {
        await gate.pass();
        return real.push<T>(payload);
      },
    };
    engine = createSyncEngine({
      database,
      transport,
      identifier: `${suite.server.baseUrl}/${alice.deviceId}`,
      deviceId: alice.deviceId,
    });
    engine.start();
  });
  after(async () => {
    gate.open();
    await engine?.stop();
    await database?.close();
    await proxy?.close();
    alice?.socket.close();
    bob?.socket.close();
  });

  async function holdAPush(): Promise<string> {
    gate.close();
    const { _deleted, ...own } = messageDoc(alice, group);
    await database.messages.insert(own as MessageDoc);
    await until('a push is held', () => gate.entered);
    return own.id;
  }

  async function documentsQueued(): Promise<string> {
    const from = events.length;
    const id = await writeAs(bob, group);
    await until('its documents were streamed', () =>
      documentsOf(events, from).some((doc) => doc.id === id),
    );
    return id;
  }

  async function live(): Promise<string> {
    const id = await writeAs(bob, group);
    await until('the collection is live', async () => (await localIds()).includes(id));
    return id;
  }

  it('pulls after a RESYNC that RxDB dropped behind a documents event', async () => {
    const first = await live();

    const own = await holdAPush();
    const queued = await documentsQueued();
    await provokeResync(transport.socket, events);
    const later = await writeAs(bob, group);
    gate.open();

    await until('the message written after the RESYNC arrived', async () =>
      (await localIds()).includes(later),
    );
    for (const id of [first, own, queued, later]) assert.ok((await localIds()).includes(id));
  });

  it('catches up after a reconnect that lost a documents event and whose RESYNC was dropped', async () => {
    await live();
    const own = await holdAPush();
    const queued = await documentsQueued();
    // The next documents event is cut in the middle of its frame: lost with the connection.
    let cut = false;
    proxy.cutWhen((direction, text) => {
      if (
        cut ||
        direction !== 'down' ||
        !text.startsWith('42["stream",{"collection":"messages","documents"')
      ) {
        return false;
      }
      cut = true;
      return true;
    });
    const disconnectsBefore = disconnects;
    const lost = await writeAs(bob, group);
    await until('the documents frame was cut', () => cut && disconnects > disconnectsBefore);
    proxy.cutWhen(null);
    await until('reconnected', () => transport.socket.connected);
    const later = await writeAs(bob, group);
    gate.open();

    await until('everything written arrived', async () => {
      const ids = await localIds();
      return [own, queued, lost, later].every((id) => ids.includes(id));
    });
    await engine.awaitInSync();
    const ids = await localIds();
    assert.equal(new Set(ids).size, ids.length, 'each message once');
  });
});

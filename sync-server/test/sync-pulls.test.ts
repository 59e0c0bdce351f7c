import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type {
  CollectionName,
  PullResponse,
  PullsResponse,
  StreamEvent,
  SyncErrorAck,
} from '@anochat/schemas/rxdb/sync';
import { register } from '@anochat/test-support/api';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  create,
  createGroup,
  emit,
  eventually,
  messageDoc,
  pull,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import { io, type Socket } from 'socket.io-client';

// A short first wait for the RESYNC watchdog, so the test of a device that never pulls is quick.
const suite = useSyncServer({ SYNC_RESYNC_REPEAT_MS: '300' });
const sockets: Socket[] = [];
after(() => {
  for (const socket of sockets) socket.close();
});
async function user(): Promise<SyncClient> {
  const client = await syncUser(suite.server.baseUrl);
  sockets.push(client.socket);
  return client;
}

const pulls = (client: SyncClient, payload: unknown) =>
  emit<PullsResponse & Partial<SyncErrorAck>>(client.socket, 'pulls', payload);
const request = (collection: CollectionName, batchSize = 50) => ({
  collection,
  checkpoint: null,
  batchSize,
});

/**
 * A connection that says it pulls every collection as it connects (`token`: of a new device
 * unless given), with these pulls in its handshake if any. Every `stream` and `pulled` event is
 * kept, in the order they came.
 */
async function connectPullingOnConnect(
  handshakePulls?: unknown,
  token?: string,
): Promise<{ socket: Socket; streams: StreamEvent[]; events: [string, unknown][] }> {
  const accessToken = token ?? (await register(suite.server.baseUrl)).session.accessToken;
  const socket = io(suite.server.baseUrl, {
    auth: {
      token: accessToken,
      pullsOnConnect: true,
      ...(handshakePulls === undefined ? {} : { pulls: handshakePulls }),
    },
    transports: ['websocket'],
    reconnection: false,
    autoConnect: false,
  });
  sockets.push(socket);
  const streams: StreamEvent[] = [];
  const events: [string, unknown][] = [];
  socket.on('stream', (event: StreamEvent) => streams.push(event));
  socket.onAny((name: string, payload: unknown) => events.push([name, payload]));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
    socket.connect();
  });
  return { socket, streams, events };
}

describe('sync pulls: several collections in one round trip', () => {
  it('answers each pull as `pull` would, in the order asked', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    await create(alice, 'messages', [messageDoc(alice, group)]);
    // A pull serves rows below the snapshot's xmin: wait until no open transaction elsewhere in
    // the cluster hides the message.
    while ((await pull(bob, 'messages', null)).documents.length < 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const answer = await pulls(bob, {
      pulls: [request('messages'), request('conversations'), request('members')],
    });
    assert.equal(answer.error, undefined);
    const separately = [
      await pull(bob, 'messages', null),
      await pull(bob, 'conversations', null),
      await pull(bob, 'members', null),
    ];
    assert.deepEqual(answer.results, separately);
    assert.equal((answer.results[0] as PullResponse).documents.length, 1);
  });

  it('turns every pulled collection live: commits are streamed after a short page', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    await pulls(bob, { pulls: [request('messages'), request('receipts')] });
    const from = bob.streams.length;
    const message = messageDoc(alice, group);
    await create(alice, 'messages', [message]);
    await eventually(() =>
      bob.streams
        .slice(from)
        .some(
          (event) =>
            event.collection === 'messages' &&
            'documents' in event &&
            event.documents.some((doc) => doc.id === message.id),
        ),
    );
  });

  it('refuses a malformed request as a whole, with a clear error', async () => {
    const bob = await user();
    const cases: [unknown, string][] = [
      [{ pulls: [] }, 'VALIDATION_FAILED'],
      [{ pulls: 'messages' }, 'VALIDATION_FAILED'],
      [{ pulls: [request('messages'), request('messages')] }, 'VALIDATION_FAILED'],
      [{ pulls: Array.from({ length: 9 }, () => request('messages')) }, 'VALIDATION_FAILED'],
      [{ pulls: [request('messages')], extra: 1 }, 'VALIDATION_FAILED'],
      [{ pulls: [request('nope' as CollectionName)] }, 'UNKNOWN_COLLECTION'],
      [{ pulls: [request('messages', 201)] }, 'BATCH_TOO_LARGE'],
      [
        { pulls: [{ ...request('messages'), checkpoint: { rev: 'x', id: 'y' } }] },
        'BAD_CHECKPOINT',
      ],
    ];
    for (const [payload, code] of cases) {
      const answer = await pulls(bob, payload);
      assert.equal(answer.error?.code, code, JSON.stringify(payload));
      assert.ok((answer.error?.message ?? '').length > 0);
    }
    // The connection is still fine afterwards.
    assert.deepEqual((await pull(bob, 'messages', null)).documents, []);
  });

  it('sends no RESYNC to a device that pulls as it connects, until it fails to pull', async () => {
    const { socket, streams } = await connectPullingOnConnect();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(streams, [], 'no RESYNC at connection');
    // It does not pull: the watchdog asks, for every collection.
    await eventually(() => streams.filter((event) => 'resync' in event).length >= 8, 5_000);
    assert.ok(socket.connected);
  });

  it('a device that pulls as it connects gets nothing more than its pulls answered', async () => {
    const { socket, streams } = await connectPullingOnConnect();
    const answer = (await socket.timeout(5_000).emitWithAck('pulls', {
      pulls: [request('messages'), request('conversations')],
    })) as PullsResponse;
    assert.equal(answer.results.length, 2);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const resynced = new Set(
      streams.filter((event) => 'resync' in event).map((event) => event.collection),
    );
    assert.ok(!resynced.has('messages') && !resynced.has('conversations'), [...resynced].join());
  });

  it('answers the pulls sent with the handshake as the connection opens, then streams from there', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const first = messageDoc(alice, group);
    await create(alice, 'messages', [first]);
    const { checkpoint } = await pull(bob, 'messages', null, 50);

    // Bob again, from his checkpoint: one message more since then.
    const second = messageDoc(alice, group);
    await create(alice, 'messages', [second]);
    const bobAgain = await connectPullingOnConnect(
      [
        { collection: 'messages', checkpoint, batchSize: 50 },
        { collection: 'conversations', checkpoint: null, batchSize: 50 },
      ],
      bob.token,
    );
    await eventually(() => bobAgain.events.some(([name]) => name === 'pulled'));
    // Presence is Alice's, and comes when it comes; of the replication events, the answer is first.
    const [name, answer] = bobAgain.events.filter(([event]) => event !== 'presence')[0] as [
      string,
      PullsResponse,
    ];
    assert.equal(name, 'pulled', 'the first replication event of the connection');
    assert.deepEqual(answer, {
      results: [
        await pull(bob, 'messages', checkpoint, 50),
        await pull(bob, 'conversations', null, 50),
      ],
    });
    assert.deepEqual(
      (answer.results[0] as PullResponse).documents.map((document) => document.id),
      [second.id],
    );
    // Both are live now: the next message is streamed without any pull on this connection.
    const third = messageDoc(alice, group);
    await create(alice, 'messages', [third]);
    await eventually(() =>
      bobAgain.streams.some(
        (event) => 'documents' in event && event.documents.some((d) => d.id === third.id),
      ),
    );
  });

  it('answers malformed pulls in the handshake with an error, and the connection stays', async () => {
    const { socket, events } = await connectPullingOnConnect([{ collection: 'nope' }]);
    await eventually(() => events.some(([name]) => name === 'pulled'));
    const [, answer] = events.find(([name]) => name === 'pulled') as [string, SyncErrorAck];
    assert.equal(answer.error.code, 'UNKNOWN_COLLECTION');
    assert.ok(socket.connected);
  });
});

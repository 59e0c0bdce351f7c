import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { CollectionName, StreamEvent, WireDocument } from '@anochat/schemas/rxdb/sync';
import { testBackend } from '@anochat/test-support/embedded-database';
import { StreamConsumer } from '@anochat/test-support/stream-consumer';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  acceptRequest,
  create,
  createGroup,
  eventually,
  memberDoc,
  messageDoc,
  pull,
  pullAll,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';

const suite = useSyncServer({ DATABASE_POOL_MAX: '12' });
const clients: SyncClient[] = [];
after(() => {
  for (const client of clients) client.socket.close();
});
async function user(): Promise<SyncClient> {
  const client = await syncUser(suite.server.baseUrl);
  clients.push(client);
  return client;
}

type DocumentsEvent = Extract<StreamEvent, { documents: WireDocument[] }>;
const documentEvents = (client: SyncClient, collection: CollectionName, from = 0) =>
  client.streams
    .slice(from)
    .filter(
      (event): event is DocumentsEvent => event.collection === collection && 'documents' in event,
    );
const resyncEvents = (client: SyncClient, collection: CollectionName, from = 0) =>
  client.streams.slice(from).filter((e) => e.collection === collection && 'resync' in e);
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

describe('sync live stream: documents, once a device has pulled to the end', () => {
  it('streams a commit to live member devices as the next pull page; nobody else gets it', async () => {
    const [alice, bob, carol, dave] = [await user(), await user(), await user(), await user()];
    const group = await createGroup(alice, [bob, dave]);
    // Bob and Carol pulled until a short page: live. Dave, a member, has not pulled yet.
    const bobBefore = await pullAll(bob, 'messages');
    await pullAll(carol, 'messages');
    const seen = {
      bob: bob.streams.length,
      carol: carol.streams.length,
      dave: dave.streams.length,
    };

    const message = messageDoc(alice, group);
    await create(alice, 'messages', [message]);
    await eventually(() => documentEvents(bob, 'messages', seen.bob).length === 1);
    const [event] = documentEvents(bob, 'messages', seen.bob);
    assert.deepEqual(
      event?.documents.map((d) => d.id),
      [message.id],
    );
    // Exactly what a pull from Bob's position answers, checkpoint included.
    const page = await pull(bob, 'messages', bobBefore.checkpoint, 50);
    assert.deepEqual(event, { collection: 'messages', ...page });
    await settle();
    // Only documents count: the RESYNC watchdog keeps asking collections that were never pulled.
    assert.deepEqual(
      documentEvents(carol, 'messages', seen.carol),
      [],
      'a non-member hears nothing',
    );
    assert.deepEqual(
      documentEvents(dave, 'messages', seen.dave),
      [],
      'a device that never pulled is not live yet',
    );
    assert.deepEqual(
      (await pullAll(dave, 'messages')).documents.map((d) => d.id),
      [message.id],
    );
  });

  it('streams a commit held back by an older open transaction once it is visible, not before', {
    skip:
      testBackend === 'embedded' &&
      'the embedded database is one session: no commit can happen while another transaction is open',
  }, async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const { checkpoint } = await pullAll(bob, 'messages');
    const blocker = await suite.server.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT pg_current_xact_id()');
      const before = bob.streams.length;
      const message = messageDoc(alice, group);
      await create(alice, 'messages', [message]);
      await settle();
      assert.deepEqual(documentEvents(bob, 'messages', before), [], 'held back: nothing streamed');
      assert.deepEqual((await pull(bob, 'messages', checkpoint, 10)).documents, []);

      await blocker.query('COMMIT');
      await eventually(() => documentEvents(bob, 'messages', before).length === 1);
      assert.deepEqual(
        documentEvents(bob, 'messages', before)[0]?.documents.map((d) => d.id),
        [message.id],
      );
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      blocker.release();
    }
  });

  it('follows a pull that crossed streamed documents with RESYNC, then streams again', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const { checkpoint } = await pullAll(bob, 'messages');
    const start = bob.streams.length;
    await create(alice, 'messages', [messageDoc(alice, group)]);
    await eventually(() => documentEvents(bob, 'messages', start).length === 1);

    // A pull sent before the streamed page was applied: RxDB may apply that page after this
    // answer, moving its checkpoint back, so the server asks for one more pull.
    const crossing = bob.streams.length;
    await pull(bob, 'messages', checkpoint, 50);
    await eventually(() => resyncEvents(bob, 'messages', crossing).length === 1);
    const { checkpoint: latest } = await pullAll(bob, 'messages', checkpoint);
    const afterResync = bob.streams.length;
    const next = messageDoc(alice, group);
    await create(alice, 'messages', [next]);
    await eventually(() => documentEvents(bob, 'messages', afterResync).length === 1);
    const event = documentEvents(bob, 'messages', afterResync)[0];
    assert.deepEqual(
      event?.documents.map((d) => d.id),
      [next.id],
    );
    assert.deepEqual(resyncEvents(bob, 'messages', afterResync), []);
    assert.deepEqual(event, {
      collection: 'messages',
      ...(await pull(bob, 'messages', latest, 50)),
    });
  });

  it('brings a newly added member the conversation, its members and its history', async () => {
    const [alice, bob, dave] = [await user(), await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const history = [messageDoc(alice, group), messageDoc(bob, group)];
    await create(alice, 'messages', [history[0] as WireDocument]);
    await create(bob, 'messages', [history[1] as WireDocument]);
    const collections = ['conversations', 'members', 'messages', 'users'] as const;
    for (const collection of collections) await pullAll(dave, collection);
    const start = dave.streams.length;

    await create(alice, 'members', [memberDoc(group, dave.userId)]);
    const streamed = (collection: CollectionName) => [
      ...new Set(
        documentEvents(dave, collection, start).flatMap((event) =>
          event.documents.map((d) => d.id),
        ),
      ),
    ];
    // An invitation from a stranger is a request: Dave sees the group and its members, but its
    // history comes only with his acceptance.
    // Each collection streams on its own: wait for both before judging either.
    await eventually(
      () => streamed('members').length === 3 && streamed('conversations').length > 0,
    );
    assert.deepEqual(streamed('conversations'), [group]);
    assert.deepEqual(streamed('messages'), []);
    await acceptRequest(dave, group);
    await eventually(() => streamed('messages').length === 2);
    assert.deepEqual(streamed('messages').sort(), history.map((d) => d.id).sort());
    assert.deepEqual(streamed('conversations'), [group]);
    assert.deepEqual(
      streamed('members').sort(),
      [alice, bob, dave].map((u) => `${group}|${u.userId}`).sort(),
    );
    await eventually(() => streamed('users').length === 2);
    assert.deepEqual(streamed('users').sort(), [alice.userId, bob.userId].sort());
  });

  it('keeps an RxDB-like replica equal to the server through stream events alone', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const replica = new StreamConsumer(bob, 'messages', 5);
    await replica.start();
    const sent: WireDocument[] = [];
    for (let round = 0; round < 12; round += 1) {
      const batch = [messageDoc(alice, group), messageDoc(alice, group)];
      sent.push(...batch);
      await create(alice, 'messages', batch);
    }
    await eventually(() => replica.documents.size === sent.length);
    await replica.idle();
    assert.ok(
      replica.arrivals.some((arrival) => arrival.via === 'stream'),
      'documents came through the stream',
    );
    assert.deepEqual([...replica.documents.keys()].sort(), sent.map((d) => d.id).sort());
    // Its checkpoint is the end: a pull from it has nothing more.
    assert.deepEqual((await pull(bob, 'messages', replica.checkpoint, 50)).documents, []);
  });
});

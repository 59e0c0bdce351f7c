import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  acceptRequest,
  create,
  createGroup,
  envelope,
  memberDoc,
  messageDoc,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import { type RxdbClient, startRxdbClient } from './rxdb-client.ts';

// The real server (PostgreSQL, crypto-native, socket.io) and real RxDB 17 clients talking to it.
const suite = useSyncServer({ DATABASE_POOL_MAX: '8' });

/** Polls an async condition (RxDB queries are async). */
async function until(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const localIds = async (client: RxdbClient, collection: string) =>
  ((await client.collections[collection]?.find().exec()) ?? []).map((doc) => doc.primary).sort();

async function serverMessageIds(conversationId: string): Promise<string[]> {
  const { rows } = await suite.server.pool.query<{ id: string }>(
    'SELECT id FROM messages WHERE conversation_id = $1 ORDER BY id',
    [conversationId],
  );
  return rows.map((row) => row.id);
}

describe('a real RxDB 17 client replicating through the sync server', () => {
  let alice: SyncClient;
  let bob: SyncClient;
  let group: string;
  let aliceDb: RxdbClient;
  let bobDb: RxdbClient;
  const written: string[] = [];

  async function write(client: RxdbClient, author: SyncClient, count: number) {
    // Sealed and signed by the author's device, as the app does before writing to RxDB.
    const documents = Array.from({ length: count }, () => {
      const { _deleted, ...document } = messageDoc(author, group);
      return document;
    });
    written.push(...documents.map((doc) => doc.id));
    const result = await client.collections.messages?.bulkInsert(documents);
    assert.deepEqual(result?.error, []);
  }

  before(async () => {
    alice = await syncUser(suite.server.baseUrl);
    bob = await syncUser(suite.server.baseUrl);
    group = await createGroup(alice, []);
    // Two admins, so both may change the title (and so collide).
    await create(alice, 'members', [memberDoc(group, bob.userId, 'admin')]);
    await acceptRequest(bob, group);
    aliceDb = await startRxdbClient(`alice${randomUUID()}`, alice.socket, [
      'conversations',
      'messages',
    ]);
    bobDb = await startRxdbClient(`bob${randomUUID()}`, bob.socket, ['conversations', 'messages']);
    for (const client of [aliceDb, bobDb]) {
      for (const replication of Object.values(client.replications)) {
        await replication.awaitInitialReplication();
      }
    }
  });
  after(async () => {
    await aliceDb?.close();
    await bobDb?.close();
    alice?.socket.close();
    bob?.socket.close();
  });

  it('replicates messages both ways, live through stream$, each stored once', async () => {
    assert.deepEqual(await localIds(bobDb, 'conversations'), [group]);
    const streamedBefore = bobDb.received.documents;
    await Promise.all([write(aliceDb, alice, 30), write(bobDb, bob, 20)]);
    const expected = [...written].sort();
    await until(async () => (await localIds(aliceDb, 'messages')).length === expected.length);
    await until(async () => (await localIds(bobDb, 'messages')).length === expected.length);
    assert.deepEqual(await localIds(aliceDb, 'messages'), expected);
    assert.deepEqual(await localIds(bobDb, 'messages'), expected);
    assert.deepEqual(await serverMessageIds(group), expected);
    // The other side's messages arrived as stream documents, not only through pulls.
    assert.ok(bobDb.received.documents > streamedBefore, 'bob got documents through stream$');
    // Every local copy carries the server's revision once it came back from the server.
    await until(async () => {
      const docs = (await bobDb.collections.messages?.find().exec()) ?? [];
      return docs.every((doc) => typeof doc.get('rev') === 'string');
    });
  });

  it('resolves a concurrent title change with the real master state (conflict)', async () => {
    const bobConversations = bobDb.replications.conversations;
    assert.ok(bobConversations);
    await bobConversations.pause();
    const aliceDoc = await aliceDb.collections.conversations?.findOne(group).exec();
    await aliceDoc?.incrementalPatch({ titleCiphertext: envelope('alice title') });
    await aliceDb.replications.conversations?.awaitInSync();
    const stored = async () => {
      const { rows } = await suite.server.pool.query<{ title: Buffer }>(
        'SELECT title_ciphertext AS title FROM conversations WHERE id = $1',
        [group],
      );
      return rows[0]?.title.toString('base64');
    };
    assert.equal(await stored(), envelope('alice title'));

    // Bob, still on the old revision, changes it too, then reconnects his replication.
    const conflictsBefore = bobDb.received.conflicts;
    const bobDoc = await bobDb.collections.conversations?.findOne(group).exec();
    await bobDoc?.incrementalPatch({ titleCiphertext: envelope('bob title') });
    await bobConversations.start();
    await until(async () => {
      const doc = await bobDb.collections.conversations?.findOne(group).exec();
      return doc?.get('titleCiphertext') === envelope('alice title');
    });
    await bobConversations.awaitInSync();
    assert.equal(bobDb.received.conflicts, conflictsBefore + 1, 'the server returned the conflict');
    assert.equal(await stored(), envelope('alice title'), 'the stale write did not overwrite');
    const aliceNow = await aliceDb.collections.conversations?.findOne(group).exec();
    assert.equal(aliceNow?.get('titleCiphertext'), envelope('alice title'));
  });

  it('catches up after a reconnect through RESYNC: nothing lost, nothing duplicated', async () => {
    const disconnected = new Promise((resolve) => bob.socket.once('disconnect', resolve));
    bob.socket.disconnect();
    await disconnected;
    await write(aliceDb, alice, 15);
    await aliceDb.replications.messages?.awaitInSync();
    const expected = [...written].sort();
    assert.deepEqual(await serverMessageIds(group), expected);
    assert.equal((await localIds(bobDb, 'messages')).length, expected.length - 15);

    const resyncsBefore = bobDb.received.resyncs;
    bob.socket.connect();
    await until(async () => (await localIds(bobDb, 'messages')).length === expected.length);
    assert.ok(bobDb.received.resyncs > resyncsBefore, 'the reconnect brought RESYNC');
    assert.deepEqual(await localIds(bobDb, 'messages'), expected);
    assert.deepEqual(await localIds(aliceDb, 'messages'), expected);
    assert.deepEqual(await serverMessageIds(group), expected);
  });
});

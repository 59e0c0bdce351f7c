import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PullResponse } from '@anochat/schemas/rxdb/sync';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  create,
  createGroup,
  messageDoc,
  pull,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import { createPullBatcher } from '../../app/src/replication/pull-batcher.ts';
import {
  createSyncTransport,
  type SyncTransport,
} from '../../app/src/replication/sync-transport.ts';

/** The app's pull batcher over its real transport, against the real server. */
const suite = useSyncServer();

describe('pulls asked for together leave together', () => {
  let alice: SyncClient;
  let bob: SyncClient;
  let transport: SyncTransport;
  const sent: string[] = [];

  before(async () => {
    [alice, bob] = [await syncUser(suite.server.baseUrl), await syncUser(suite.server.baseUrl)];
    const group = await createGroup(alice, [bob]);
    await create(alice, 'messages', [messageDoc(alice, group), messageDoc(alice, group)]);
    // A pull serves rows below the snapshot's xmin: wait until an open transaction elsewhere in
    // the cluster no longer hides them.
    while ((await pull(bob, 'messages', null)).documents.length < 2) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    transport = createSyncTransport({
      url: suite.server.baseUrl,
      accessToken: async () => bob.token,
      refreshAccessToken: async () => bob.token,
      network: { online: () => true, subscribe: () => () => undefined },
    });
    transport.socket.onAnyOutgoing((event: string) => sent.push(event));
  });
  after(() => {
    transport?.stop();
    alice?.socket.close();
    bob?.socket.close();
  });

  it('asked while offline, three pulls go as one `pulls` once connected, each answered as alone', async () => {
    const batcher = createPullBatcher(transport);
    const asked = (['messages', 'conversations', 'members'] as const).map((collection) =>
      batcher.pull({ collection, checkpoint: null, batchSize: 50 }),
    );
    transport.start();
    const answers = await Promise.all(asked);
    assert.deepEqual(sent, ['pulls']);
    assert.deepEqual(answers, [
      await pull(bob, 'messages', null),
      await pull(bob, 'conversations', null),
      await pull(bob, 'members', null),
    ]);
    assert.equal((answers[0] as PullResponse).documents.length, 2);
  });

  it('a pull alone goes as `pull`', async () => {
    const batcher = createPullBatcher(transport);
    sent.length = 0;
    const answer = await batcher.pull({ collection: 'messages', checkpoint: null, batchSize: 1 });
    assert.deepEqual(sent, ['pull']);
    assert.equal((answer as PullResponse).documents.length, 1);
  });
});

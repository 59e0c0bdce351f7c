import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { useSyncServer } from '@anochat/test-support/suite';
import { createGroup, messageDoc, syncUser } from '@anochat/test-support/sync-client';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { filter, merge, Subject } from 'rxjs';
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
import { TransportError } from '../../app/src/replication/transport-error.ts';

// The app's own replication modules (real RxDB, the app's schemas and conflict handlers) against
// the real server, with a transport that loses one push answer after the server committed it.
const suite = useSyncServer();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate: () => Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await sleep(50);
  }
  return false;
}

describe('the app’s replication when a push answer is lost after the server stored the rows', () => {
  let database: AppDatabase | undefined;
  let engine: SyncEngine | undefined;
  after(async () => {
    await engine?.stop();
    await database?.close();
  });

  it('ends with the server’s fields on the message (not pending), though a pull carried it while the retry was in flight', async () => {
    const alice = await syncUser(suite.server.baseUrl);
    const group = await createGroup(alice, []);
    alice.socket.close();

    const transport = createSyncTransport({
      url: suite.server.baseUrl,
      accessToken: async () => alice.token,
      refreshAccessToken: async () => alice.token,
      network: { online: () => true, subscribe: () => () => undefined },
    });
    const { _deleted, ...message } = messageDoc(alice, group);
    const carries = (documents: { id: string }[] = []) =>
      documents.some((document) => document.id === message.id);
    // The order of the race, forced: a pull starts, then the message is written and pushed; the
    // push commits but its answer is lost; the pull reads the stored row and answers while the
    // retried push is in flight. RxDB sets that row aside (it still has a local write not
    // acknowledged) and moves its checkpoint past it, so no later pull brings it again.
    const signal = () => {
      let done: () => void = () => undefined;
      const promise = new Promise<void>((resolve) => {
        done = resolve;
      });
      return { promise, done };
    };
    const pullStarted = signal();
    const firstPushCommitted = signal();
    const retryInFlight = signal();
    const resyncs = new Subject<'RESYNC'>();
    let racing = false;
    let messagePushes = 0;
    const lossy: SyncTransport = {
      ...transport,
      stream$(collection) {
        const events = transport.stream$(collection);
        if (collection !== 'messages') return events;
        return merge(
          events.pipe(filter((event) => event === 'RESYNC' || !carries(event.documents))),
          resyncs,
        );
      },
      async push<T>(payload: Parameters<SyncTransport['push']>[0]): Promise<T> {
        if (payload.collection !== 'messages') return transport.push<T>(payload);
        messagePushes += 1;
        if (messagePushes === 1) {
          await transport.push(payload);
          firstPushCommitted.done();
          throw new TransportError('DISCONNECTED', 'the answer was lost on the way back');
        }
        const answer = transport.push<T>(payload);
        retryInFlight.done();
        await sleep(500);
        return answer;
      },
      async request<T>(event: string, payload: unknown): Promise<T> {
        const { collection } = payload as { collection?: string };
        const racingPull = racing && event === 'pull' && collection === 'messages';
        if (racingPull) {
          racing = false;
          pullStarted.done();
          await firstPushCommitted.promise;
        }
        const answer = await transport.request<T>(event, payload);
        if (racingPull) await retryInFlight.promise;
        return answer;
      },
    };

    database = await openAppDatabase({
      name: `lost${randomUUID().slice(0, 8)}`,
      storage: getRxStorageMemory(),
    });
    engine = createSyncEngine({
      database,
      transport: lossy,
      identifier: `test/${alice.deviceId}`,
      deviceId: alice.deviceId,
    });
    engine.start();
    await engine.awaitInSync();
    racing = true;
    resyncs.next('RESYNC');
    await pullStarted.promise;
    await database.messages.insert(message as MessageDoc);

    const arrived = await until(async () => {
      const local = await database?.messages.findOne(message.id).exec();
      return local?.get('rev') !== undefined;
    });
    const local = (await database.messages.findOne(message.id).exec())?.toJSON();
    const { rows } = await suite.server.pool.query<{ rev: string; created_at: Date }>(
      'SELECT rev::text AS rev, created_at FROM messages WHERE id = $1',
      [message.id],
    );

    assert.ok(messagePushes >= 2, 'the push was retried');
    assert.ok(arrived, `the message stayed pending: ${JSON.stringify(local)}`);
    assert.equal(local?.rev, rows[0]?.rev);
    assert.equal(local?.createdAt, rows[0]?.created_at.toISOString());
  });
});

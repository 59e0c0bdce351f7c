import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  create,
  createGroup,
  messageDoc,
  type SyncClient,
  syncUser,
  until,
} from '@anochat/test-support/sync-client';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { type AppDatabase, openAppDatabase } from '../../app/src/database/app-database.ts';
import { createSyncEngine, type SyncEngine } from '../../app/src/replication/sync-engine.ts';
import { createSyncTransport } from '../../app/src/replication/sync-transport.ts';
import { type FaultProxy, startFaultProxy } from '../chaos/fault-proxy.ts';
import { createPrng } from '../chaos/prng.ts';

/**
 * On a far link every round trip after a reconnect is time nothing arrives. The app sends its
 * pulls with the handshake (the checkpoints RxDB holds), and the server answers them as the
 * connection opens (`pulled`): what was written while the device was cut off arrives with the
 * connection, without a pull of its own.
 */
describe('the app catches up with its reconnection', () => {
  const suite = useSyncServer({ DATABASE_POOL_MAX: '8' });
  let alice: SyncClient;
  let bob: SyncClient;
  let group: string;
  let database: AppDatabase;
  let engine: SyncEngine;
  let proxy: FaultProxy;

  const localIds = async () => (await database.messages.find().exec()).map((doc) => doc.id);
  async function writeAsBob(): Promise<string> {
    const message = messageDoc(bob, group);
    await create(bob, 'messages', [message]);
    return message.id;
  }

  before(async () => {
    [alice, bob] = [await syncUser(suite.server.baseUrl), await syncUser(suite.server.baseUrl)];
    group = await createGroup(alice, [bob]);
    const serverPort = Number(new URL(suite.server.baseUrl).port);
    // 300 ms round trips.
    proxy = await startFaultProxy({
      target: () => serverPort,
      prng: createPrng(1),
      link: { latencyMs: 150 },
      recordFrames: true,
    });
    database = await openAppDatabase({
      name: `handshake${randomUUID().slice(0, 8)}`,
      storage: getRxStorageMemory(),
    });
    engine = createSyncEngine({
      database,
      transport: createSyncTransport({
        url: proxy.url,
        accessToken: async () => alice.token,
        refreshAccessToken: async () => alice.token,
        network: { online: () => true, subscribe: () => () => undefined },
      }),
      identifier: `${suite.server.baseUrl}/${alice.deviceId}`,
      deviceId: alice.deviceId,
    });
    engine.start();
  });
  after(async () => {
    await engine?.stop();
    await database?.close();
    await proxy?.close();
    alice?.socket.close();
    bob?.socket.close();
  });

  it('gets what was written while cut off in the answer to its handshake, without a pull', async () => {
    const first = await writeAsBob();
    await until('live', async () => (await localIds()).includes(first));
    await engine.awaitInSync();

    const connectionsBefore = proxy.timeline.connections.length;
    proxy.reset();
    const missed = await writeAsBob();
    await until('the message written while cut off arrived', async () =>
      (await localIds()).includes(missed),
    );

    const reconnection = proxy.timeline.frames.filter(
      (frame) => frame.connection > connectionsBefore,
    );
    const carrier = reconnection.find(
      (frame) => frame.direction === 'down' && frame.text.includes(missed),
    );
    assert.ok(carrier?.text.startsWith('42["pulled"'), `arrived in: ${carrier?.text.slice(0, 40)}`);
    const pullsBefore = reconnection.filter(
      (frame) =>
        frame.direction === 'up' &&
        /^42\d*\["pulls?"/.test(frame.text) &&
        frame.sentAt <= (carrier?.sentAt ?? 0),
    );
    assert.deepEqual(pullsBefore, [], 'no pull of its own before it');

    // Still live afterwards, each message once.
    const later = await writeAsBob();
    await until('live again', async () => (await localIds()).includes(later));
    const ids = await localIds();
    assert.equal(new Set(ids).size, ids.length);
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  createGroup,
  messageDoc,
  type SyncClient,
  syncUser,
  until,
} from '@anochat/test-support/sync-client';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import {
  type AppDatabase,
  type MessageDoc,
  openAppDatabase,
} from '../../app/src/database/app-database.ts';
import { createSyncEngine, type SyncEngine } from '../../app/src/replication/sync-engine.ts';
import { createSyncTransport } from '../../app/src/replication/sync-transport.ts';
import { type FaultProxy, startFaultProxy } from '../chaos/fault-proxy.ts';
import { createPrng } from '../chaos/prng.ts';

/**
 * What a device wrote while cut off, or pushed just before its connection dropped unanswered, goes
 * with its next handshake (`auth.pushes`): stored as the connection opens, one round trip sooner
 * than a push sent once connected, and still exactly once.
 */
describe('the app sends what is waiting with its reconnection', () => {
  const suite = useSyncServer({ DATABASE_POOL_MAX: '8' });
  let alice: SyncClient;
  let group: string;
  let database: AppDatabase;
  let engine: SyncEngine;
  let proxy: FaultProxy;

  async function writeAsAlice(): Promise<string> {
    const { _deleted, ...message } = messageDoc(alice, group);
    await database.messages.insert(message as MessageDoc);
    return message.id;
  }
  const confirmed = async (id: string) =>
    (await database.messages.findOne(id).exec())?.get('rev') !== undefined;
  const rowsOnServer = async (id: string) =>
    (await suite.server.pool.query('SELECT 1 FROM messages WHERE id = $1', [id])).rowCount;
  /** Up frames carrying this id, on connection `from` (numbered from 1) and later ones. */
  const carriers = (id: string, from: number) =>
    proxy.timeline.frames.filter(
      (frame) =>
        frame.connection >= from && frame.direction === 'up' && frame.text.includes(`"id":"${id}"`),
    );
  const currentConnection = () => proxy.timeline.connections.length;

  before(async () => {
    alice = await syncUser(suite.server.baseUrl);
    group = await createGroup(alice, []);
    const serverPort = Number(new URL(suite.server.baseUrl).port);
    proxy = await startFaultProxy({
      target: () => serverPort,
      prng: createPrng(2),
      link: { latencyMs: 150 },
      recordFrames: true,
    });
    database = await openAppDatabase({
      name: `handshakepush${randomUUID().slice(0, 8)}`,
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
    await engine.awaitInSync();
  });
  after(async () => {
    await engine?.stop();
    await database?.close();
    await proxy?.close();
    alice?.socket.close();
  });

  it('a message written while cut off goes with the handshake, not as a push once connected', async () => {
    const connectionsBefore = currentConnection();
    proxy.offline();
    const written = await writeAsAlice();
    // RxDB hands the push to the transport, which holds it while there is no connection.
    await new Promise((resolve) => setTimeout(resolve, 500));
    proxy.online();

    await until('confirmed by the server', () => confirmed(written));
    const sent = carriers(written, connectionsBefore);
    assert.ok(sent.length > 0, 'it went up');
    assert.ok(
      sent.every((frame) => frame.text.startsWith('40')),
      `carried by: ${sent.map((frame) => frame.text.slice(0, 12)).join(', ')}`,
    );
    assert.equal(await rowsOnServer(written), 1);
  });

  it('a push whose answer was lost goes again with the next handshake, and is stored once', async () => {
    const connectionsBefore = currentConnection();
    proxy.loseNextPushAnswer();
    const written = await writeAsAlice();

    await until('confirmed by the server', () => confirmed(written));
    const sent = carriers(written, connectionsBefore);
    assert.deepEqual(
      sent.map((frame) => (frame.text.startsWith('40') ? 'handshake' : 'push event')),
      ['push event', 'handshake'],
    );
    assert.notEqual(sent[0]?.connection, sent[1]?.connection);
    assert.equal(proxy.faults['lost-answer'], 1);
    assert.equal(await rowsOnServer(written), 1);
  });
});

import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { PresenceEvent, TypingEvent } from '@anochat/schemas/rxdb/ephemeral';
import type { PushResponse } from '@anochat/schemas/rxdb/sync';
import { request, revocationOf } from '@anochat/test-support/api';
import { type ChildSyncServer, spawnSyncServer } from '@anochat/test-support/child-sync-server';
import { startTestCryptoServer } from '@anochat/test-support/crypto-server';
import { createTestDatabase, type TestDatabase } from '@anochat/test-support/database';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  assertAccepted,
  connectSocket,
  create,
  createGroup,
  emit,
  eventually,
  messageDoc,
  pull,
  pullAll,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import { startTestSyncServer, type TestSyncServer } from '@anochat/test-support/sync-server';
import { createClient } from 'redis';
import type { Socket } from 'socket.io-client';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Every ephemeral event a socket received (`stream` events are in SyncClient.streams). */
interface Observed {
  typing: TypingEvent[];
  presence: PresenceEvent[];
}
function observe(socket: Socket): Observed {
  const seen: Observed = { typing: [], presence: [] };
  socket.on('typing', (event: TypingEvent) => seen.typing.push(event));
  socket.on('presence', (event: PresenceEvent) => seen.presence.push(event));
  return seen;
}

type Client = SyncClient & { seen: Observed };
async function userOn(baseUrl: string): Promise<Client> {
  const client = await syncUser(baseUrl);
  return { ...client, seen: observe(client.socket) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const settle = () => sleep(300);
/** Shorter than the default so that these tests wait less; the rule is the same. */
const OFFLINE_GRACE_MS = 1_000;

interface ErrorAck {
  error?: { code: string; message: string };
  ok?: boolean;
}

function assertRefused(answer: ErrorAck, code: string): void {
  assert.ok(answer.error, JSON.stringify(answer));
  assert.equal(answer.error.code, code, JSON.stringify(answer));
  assert.equal(typeof answer.error.message, 'string');
  assert.deepEqual(Object.keys(answer), ['error']);
}

// Instance A runs in this process; instance B is a child process (src/main.ts), so each has its own
// socket.io server and Redis adapter and nothing is shared but PostgreSQL and Redis.
describe('fan-out across two instances through Redis', () => {
  const keyPrefix = `anochat-test-${randomBytes(6).toString('hex')}`;
  const redisEnv = {
    REDIS_URL,
    REDIS_KEY_PREFIX: keyPrefix,
    PRESENCE_OFFLINE_GRACE_MS: String(OFFLINE_GRACE_MS),
  };
  let database: TestDatabase;
  let crypto: Awaited<ReturnType<typeof startTestCryptoServer>>;
  let a: TestSyncServer;
  let b: ChildSyncServer;
  const clients: Client[] = [];
  const sockets: Socket[] = [];
  const on = async (server: { baseUrl: string }) => {
    const client = await userOn(server.baseUrl);
    clients.push(client);
    return client;
  };

  before(async () => {
    database = await createTestDatabase();
    crypto = await startTestCryptoServer();
    a = await startTestSyncServer(database.url, crypto.address, redisEnv);
    b = await spawnSyncServer(database.url, crypto.address, redisEnv);
  });
  after(async () => {
    for (const socket of [...sockets, ...clients.map((client) => client.socket)]) socket.close();
    await b?.stop();
    await a?.stop().catch(() => undefined);
    await crypto?.cleanup();
    await database?.drop();
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.close();
  });

  it('a message pushed on A is streamed to the live member on B; a non-member hears nothing', async () => {
    const alice = await on(a);
    const [bob, carol] = [await on(b), await on(b)];
    const group = await createGroup(alice, [bob]);
    // Pulled to the end: their messages stream is live on B.
    const { checkpoint } = await pullAll(bob, 'messages');
    await pullAll(carol, 'messages');
    await settle();
    const [bobBefore, carolBefore] = [bob.streams.length, carol.streams.length];
    const message = messageDoc(alice, group);
    await create(alice, 'messages', [message]);
    const streamed = () =>
      bob.streams.slice(bobBefore).filter((e) => e.collection === 'messages' && 'documents' in e);
    await eventually(() => streamed().length === 1);
    // B served it from its own query: the same page a pull from Bob's position gives.
    const page = await pull(bob, 'messages', checkpoint, 10);
    assert.deepEqual(
      page.documents.map((doc) => doc.id),
      [message.id],
    );
    assert.deepEqual(streamed()[0], { collection: 'messages', ...page });
    await settle();
    assert.equal(carol.streams.length, carolBefore);
  });

  it('when the Redis subscription drops and comes back, a live device receives a change whose notice was lost', async () => {
    const alice = await on(a);
    const bob = await on(a);
    const group = await createGroup(alice, [bob]);
    await pullAll(bob, 'messages');
    await settle();
    // Committed while the subscription was down: nobody ever hears of it.
    const lost = messageDoc(alice, group);
    await a.pool.query(
      `INSERT INTO messages (id, conversation_id, sender_device_id, envelope, deleted)
       VALUES ($1, $2, $3, decode($4, 'base64'), false)`,
      [lost.id, group, alice.deviceId, lost.envelope],
    );
    const streamedIds = () =>
      bob.streams.flatMap((event) =>
        event.collection === 'messages' && 'documents' in event
          ? event.documents.map((doc) => doc.id)
          : [],
      );
    await settle();
    assert.ok(!streamedIds().includes(lost.id), 'no notice, no stream: the change is lost for now');

    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    const clientList = String(await redis.sendCommand(['CLIENT', 'LIST']));
    const subscribers = clientList
      .split('\n')
      .filter((line) => line.includes(` name=${keyPrefix}:subscriber `))
      .map((line) => /^id=(\d+) /.exec(line)?.[1] as string);
    assert.equal(subscribers.length, 2, 'one subscriber per instance');
    for (const id of subscribers) await redis.sendCommand(['CLIENT', 'KILL', 'ID', id]);
    await redis.close();

    await eventually(() => streamedIds().includes(lost.id));
  });

  it('typing on A reaches the member on B, not a non-member nor the sender', async () => {
    const alice = await on(a);
    const [bob, carol] = [await on(b), await on(b)];
    const group = await createGroup(alice, [bob]);
    const answer = await emit<ErrorAck>(alice.socket, 'typing', {
      conversationId: group,
      typing: true,
    });
    assert.deepEqual(answer, { ok: true });
    await eventually(() => bob.seen.typing.length === 1);
    assert.deepEqual(bob.seen.typing[0], {
      conversationId: group,
      userId: alice.userId,
      deviceId: alice.deviceId,
      typing: true,
    });
    // Back the other way, B to A.
    assert.deepEqual(
      await emit<ErrorAck>(bob.socket, 'typing', { conversationId: group, typing: false }),
      { ok: true },
    );
    await eventually(() => alice.seen.typing.length === 1);
    assert.equal(alice.seen.typing[0]?.typing, false);
    await settle();
    assert.equal(carol.seen.typing.length, 0);
    assert.equal(bob.seen.typing.length, 1);
  });

  it('refuses bad typing payloads and a non-member with the error shape', async () => {
    const alice = await on(a);
    const [bob, carol] = [await on(b), await on(b)];
    const group = await createGroup(alice, [bob]);
    for (const payload of [
      null,
      'typing',
      [group, true],
      {},
      { conversationId: group },
      { typing: true },
      { conversationId: group, typing: 'yes' },
      { conversationId: group.toUpperCase(), typing: true },
      { conversationId: 'not-a-uuid', typing: true },
      { conversationId: group, typing: true, extra: 1 },
    ]) {
      // A fresh window each time would be slower; stay under the rate limit instead.
      await new Promise((resolve) => setTimeout(resolve, 210));
      assertRefused(await emit<ErrorAck>(alice.socket, 'typing', payload), 'VALIDATION_FAILED');
    }
    assertRefused(
      await emit<ErrorAck>(carol.socket, 'typing', { conversationId: group, typing: true }),
      'NOT_MEMBER',
    );
    assertRefused(
      await emit<ErrorAck>(carol.socket, 'typing', { conversationId: randomUUID(), typing: true }),
      'NOT_MEMBER',
    );
    // A removed member is no longer a member.
    const members = await pull(alice, 'members', null, 50);
    const row = members.documents.find((doc) => doc.id === `${group}|${bob.userId}`);
    assert.ok(row);
    const removal = await emit<PushResponse>(alice.socket, 'push', {
      collection: 'members',
      rows: [{ assumedMasterState: row, newDocumentState: { ...row, removed: true } }],
    });
    assertAccepted(removal);
    assertRefused(
      await emit<ErrorAck>(bob.socket, 'typing', { conversationId: group, typing: true }),
      'NOT_MEMBER',
    );
    await settle();
    assert.equal(alice.seen.typing.length, 0);
  });

  it('drops typing above 5 per second per socket', async () => {
    const alice = await on(a);
    const bob = await on(b);
    const group = await createGroup(alice, [bob]);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        emit<ErrorAck>(alice.socket, 'typing', { conversationId: group, typing: true }),
      ),
    );
    const accepted = answers.filter((answer) => answer.ok === true).length;
    const limited = answers.filter((answer) => answer.error?.code === 'RATE_LIMITED').length;
    assert.equal(accepted + limited, 8, JSON.stringify(answers));
    assert.ok(accepted >= 5 && accepted <= 6, JSON.stringify(answers));
    await eventually(() => bob.seen.typing.length === accepted);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.deepEqual(
      await emit<ErrorAck>(alice.socket, 'typing', { conversationId: group, typing: false }),
      { ok: true },
    );
  });

  it('presence: online when the first connection comes up, offline after the last, across instances', async () => {
    const erin = await on(a);
    const frank = await on(b);
    const stranger = await on(a);
    await createGroup(erin, [frank]);
    // Frank has a second connection, on A: closing the one on B does not make him offline.
    const second = await connectSocket(a.baseUrl, { token: frank.token });
    sockets.push(second);
    await settle();
    const before = erin.seen.presence.length;
    frank.socket.close();
    await settle();
    assert.deepEqual(
      erin.seen.presence.slice(before).filter((event) => event.userId === frank.userId),
      [],
    );
    second.close();
    await eventually(() =>
      erin.seen.presence.slice(before).some((e) => e.userId === frank.userId && !e.online),
    );
    const offline = erin.seen.presence.slice(before).find((e) => e.userId === frank.userId);
    assert.ok(offline && offline.online === false);
    assert.ok(Math.abs(Date.parse(offline.lastSeen) - Date.now()) < 10_000, offline.lastSeen);

    // Back on B: online again, once, for his contacts only.
    const again = await connectSocket(b.baseUrl, { token: frank.token });
    sockets.push(again);
    await eventually(() =>
      erin.seen.presence.slice(before).some((e) => e.userId === frank.userId && e.online),
    );
    const third = await connectSocket(a.baseUrl, { token: frank.token });
    sockets.push(third);
    await settle();
    assert.deepEqual(
      erin.seen.presence.slice(before).filter((e) => e.userId === frank.userId),
      [offline, { userId: frank.userId, online: true }],
    );
    assert.equal(stranger.seen.presence.filter((e) => e.userId === frank.userId).length, 0);
    // Erin's own device does not hear about Erin.
    assert.equal(erin.seen.presence.filter((e) => e.userId === erin.userId).length, 0);
  });

  it('presence: a user who is back within the grace period is never shown offline, on either instance', async () => {
    const kate = await on(a);
    const liam = await on(b);
    await createGroup(kate, [liam]);
    await settle();
    const before = kate.seen.presence.length;
    const aboutLiam = () =>
      kate.seen.presence.slice(before).filter((event) => event.userId === liam.userId);

    // His link cuts and he reconnects, to the other instance, well within the grace period.
    liam.socket.close();
    await sleep(OFFLINE_GRACE_MS / 4);
    const back = await connectSocket(a.baseUrl, { token: liam.token });
    sockets.push(back);
    await sleep(OFFLINE_GRACE_MS + 500);
    assert.deepEqual(aboutLiam(), []);

    // This time he stays away: offline once the grace is over, last seen when he left.
    const leftAt = Date.now();
    back.close();
    await sleep(OFFLINE_GRACE_MS / 2);
    assert.deepEqual(aboutLiam(), [], 'not before the grace period is over');
    await eventually(() => aboutLiam().length > 0);
    const [offline] = aboutLiam();
    assert.ok(offline && offline.online === false, JSON.stringify(offline));
    assert.ok(
      Math.abs(Date.parse(offline.lastSeen) - leftAt) < OFFLINE_GRACE_MS / 2,
      offline.lastSeen,
    );
  });

  it('presence: a device that connects learns which of its contacts are online now, on any instance', async () => {
    const hana = await on(a);
    const ivan = await on(b);
    const stranger = await on(b);
    await createGroup(hana, [ivan]);
    await settle();
    // Hana opens the app again: the socket knows nothing yet, and nobody's presence changes.
    let seen: Observed = { typing: [], presence: [] };
    const reopened = await connectSocket(a.baseUrl, { token: hana.token }, (created) => {
      seen = observe(created);
    });
    sockets.push(reopened);
    await eventually(() => seen.presence.length > 0);
    await settle();
    assert.deepEqual(seen.presence, [{ userId: ivan.userId, online: true }]);
    assert.ok(stranger.socket.connected);
  });

  it('revoking a device on A disconnects its socket on B', async () => {
    const gina = await on(b);
    const disconnected = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('not disconnected in time')), 5_000);
      gina.socket.once('disconnect', (reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });
    const revocation = revocationOf(gina.identity, {
      signPublicKey: Buffer.from(gina.device.sign.publicKey).toString('base64'),
    });
    const response = await request(a.baseUrl, 'DELETE', `/api/devices/${gina.deviceId}`, {
      token: gina.token,
      body: { revocation },
    });
    assert.ok(response.status < 300, JSON.stringify(response.body));
    assert.equal(await disconnected, 'io server disconnect');
  });
});

describe('typing and presence on one instance without Redis (in memory)', () => {
  const suite = useSyncServer({ PRESENCE_OFFLINE_GRACE_MS: String(OFFLINE_GRACE_MS) });
  const clients: Client[] = [];
  after(() => {
    for (const client of clients) client.socket.close();
  });
  const on = async () => {
    const client = await userOn(suite.server.baseUrl);
    clients.push(client);
    return client;
  };

  it('relays typing to members and presence to contacts', async () => {
    const [alice, bob, carol] = [await on(), await on(), await on()];
    const group = await createGroup(alice, [bob]);
    assert.deepEqual(
      await emit<ErrorAck>(alice.socket, 'typing', { conversationId: group, typing: true }),
      { ok: true },
    );
    await eventually(() => bob.seen.typing.length === 1);
    assertRefused(
      await emit<ErrorAck>(carol.socket, 'typing', { conversationId: group, typing: true }),
      'NOT_MEMBER',
    );
    bob.socket.close();
    await eventually(() => alice.seen.presence.some((e) => e.userId === bob.userId && !e.online));
    const back = await connectSocket(suite.server.baseUrl, { token: bob.token });
    await eventually(() => alice.seen.presence.some((e) => e.userId === bob.userId && e.online));
    back.close();
    await settle();
    assert.equal(carol.seen.presence.length, 0);
    assert.equal(carol.seen.typing.length, 0);
  });
});

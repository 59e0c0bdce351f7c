import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  connectSocket,
  create,
  createGroup,
  emit,
  messageDoc,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import { TEST_JWT_SECRET } from '@anochat/test-support/sync-server';
import type { Socket } from 'socket.io-client';
import { createAccessTokens } from '../src/auth/access-tokens.ts';
import { createFairScheduler } from '../src/replication/transport/fair-scheduler.ts';

const suite = useSyncServer({
  SYNC_MAX_IN_FLIGHT_PER_SOCKET: '4',
  SYNC_MAX_CONNECTIONS_PER_DEVICE: '5',
  SYNC_MAX_CONNECTIONS_PER_USER: '7',
  DATABASE_POOL_MAX: '2',
});
const url = () => suite.server.baseUrl;
const opened: Socket[] = [];
after(() => {
  for (const socket of opened) socket.close();
});

async function tryConnect(token: string): Promise<Socket | string> {
  try {
    const socket = await connectSocket(url(), { token });
    opened.push(socket);
    return socket;
  } catch (error) {
    return (error as { data?: { code?: string } }).data?.code ?? String(error);
  }
}

describe('connections per device and per user', () => {
  it('accepts at most the per-device budget of sockets opened at once on one token, and more once one closes', async () => {
    const alice = await syncUser(url());
    opened.push(alice.socket);
    const attempts = await Promise.all(Array.from({ length: 12 }, () => tryConnect(alice.token)));
    const accepted = attempts.filter((attempt): attempt is Socket => typeof attempt !== 'string');
    // Alice's first socket counts too: 5 per device.
    assert.equal(accepted.length, 4);
    assert.deepEqual(
      attempts.filter((attempt) => typeof attempt === 'string'),
      Array(8).fill('TOO_MANY_CONNECTIONS'),
    );
    accepted[0]?.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(typeof (await tryConnect(alice.token)), 'object');
  });

  it("counts a user's devices together against the per-user budget", async () => {
    const bob = await syncUser(url());
    opened.push(bob.socket);
    const phone = await secondSession(bob);
    const fromLaptop = await Promise.all(Array.from({ length: 4 }, () => tryConnect(bob.token)));
    assert.ok(fromLaptop.every((attempt) => typeof attempt !== 'string'));
    // 5 laptop sockets; the phone may add 2 before the user's 7 are reached.
    const fromPhone = await Promise.all(Array.from({ length: 4 }, () => tryConnect(phone)));
    assert.equal(fromPhone.filter((attempt) => typeof attempt !== 'string').length, 2);
    assert.equal(fromPhone.filter((attempt) => attempt === 'TOO_MANY_CONNECTIONS').length, 2);
  });
});

describe('unanswered events per socket', () => {
  it('answers TOO_MANY_IN_FLIGHT beyond the budget, and serves the socket again once answers come', async () => {
    const carol = await syncUser(url());
    opened.push(carol.socket);
    const group = await createGroup(carol, []);
    await create(carol, 'messages', [messageDoc(carol, group)]);
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        emit<{ error?: { code: string }; documents?: unknown[] }>(
          carol.socket,
          index % 3 === 0 ? 'push' : 'pull',
          index % 3 === 0
            ? { collection: 'receipts', rows: [] }
            : { collection: 'messages', checkpoint: null, batchSize: 10 },
        ),
      ),
    );
    const refused = burst.filter((answer) => answer.error?.code === 'TOO_MANY_IN_FLIGHT');
    assert.ok(refused.length > 0, 'some events were refused');
    assert.ok(
      burst.every(
        (answer) => answer.error === undefined || answer.error.code === 'TOO_MANY_IN_FLIGHT',
      ),
    );
    const again = await emit<{ documents: unknown[] }>(carol.socket, 'pull', {
      collection: 'messages',
      checkpoint: null,
      batchSize: 10,
    });
    assert.equal(again.documents.length, 1);
  });
});

describe('database work takes turns per user', () => {
  it('runs the tasks of different users in turns, whatever their arrival order', async () => {
    const scheduler = createFairScheduler(1);
    const order: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const task = (name: string) => async () => {
      order.push(name);
      await gate;
    };
    const all = [
      ...['a1', 'a2', 'a3', 'a4'].map((name) => scheduler.run('alice', task(name))),
      scheduler.run('bob', task('b1')),
      scheduler.run('bob', task('b2')),
    ];
    assert.equal(scheduler.waiting, 5);
    release();
    await Promise.all(all);
    // a1 started at once; from then on Alice and Bob alternate while both have work waiting.
    assert.deepEqual(order, ['a1', 'a2', 'b1', 'a3', 'b2', 'a4']);
  });

  it("another user's pull is answered before a flooding user's backlog drains", async () => {
    const flooder = await syncUser(url());
    const other = await syncUser(url());
    opened.push(flooder.socket, other.socket);
    const group = await createGroup(flooder, []);
    await create(
      flooder,
      'messages',
      Array.from({ length: 20 }, () => messageDoc(flooder, group)),
    );
    const sockets = [flooder.socket];
    for (let i = 0; i < 4; i += 1) {
      const extra = await tryConnect(flooder.token);
      assert.equal(typeof extra, 'object');
      sockets.push(extra as Socket);
    }
    const finished: string[] = [];
    const pulls = (client: SyncClient | Socket, label: string) =>
      emit<{ documents?: unknown[]; error?: unknown }>(
        'socket' in client ? client.socket : client,
        'pull',
        { collection: 'messages', checkpoint: null, batchSize: 200 },
      ).then((answer) => {
        assert.equal(answer.error, undefined);
        finished.push(label);
      });
    // 5 sockets x 4 in flight = 20 pulls of the flooder queued first, then one of the other user.
    const flood = sockets.flatMap((socket) =>
      Array.from({ length: 4 }, () => pulls(socket, 'flooder')),
    );
    const sentAfter = finished.length;
    const theirs = pulls(other, 'other');
    await Promise.all([...flood, theirs]);
    // The flood had barely begun when the other pull came: most of it was still waiting.
    assert.ok(sentAfter <= 4, `${sentAfter} of the flood were done already`);
    // With two places and turns per user, it is served among the first few, not after all 20.
    const position = finished.indexOf('other');
    assert.ok(position >= 0 && position <= 4, `answered ${position + 1}th of ${finished.length}`);
  });
});

/** An access token of a second device of the same user (inserted as a login would make it). */
async function secondSession(client: SyncClient): Promise<string> {
  const { rows } = await suite.server.pool.query<{ id: string }>(
    `INSERT INTO devices (user_id, name, box_public_key, sign_public_key)
     VALUES ($1, 'phone', $2, $3) RETURNING id`,
    [client.userId, Buffer.alloc(32, 1), Buffer.alloc(32, 2)],
  );
  return createAccessTokens({
    secret: TEST_JWT_SECRET,
    previousSecrets: [],
    issuer: 'anochat-sync-server',
    audience: 'anochat-client',
    accessTokenTtlSeconds: 900,
  }).issue({ userId: client.userId, deviceId: rows[0]?.id as string }).token;
}

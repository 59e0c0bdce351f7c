import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { pushPayload } from '@anochat/schemas/api/push';
import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { assertError, login, request } from '@anochat/test-support/api';
import { horizonPassed } from '@anochat/test-support/e2e-user';
import { startPushService, type TestSubscription } from '@anochat/test-support/push-service';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  assertAccepted,
  connectSocket,
  create,
  createGroup,
  messageDoc,
  pullAll,
  push,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';

/**
 * Notifications (docs/protocol.md, "Mutes" and "Web Push"). The browsers' push services are
 * outside this machine: `startPushService` stands in for one (a local HTTP server that checks each
 * push's VAPID signature and decrypts its body itself, with node:crypto).
 */
function vapidKeys() {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
    format: 'jwk',
  });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x as string, 'base64url'),
    Buffer.from(jwk.y as string, 'base64url'),
  ]);
  return { publicKey: point.toString('base64url'), privateKey: jwk.d as string };
}
const vapid = vapidKeys();
const suite = useSyncServer({
  VAPID_PUBLIC_KEY: vapid.publicKey,
  VAPID_PRIVATE_KEY: vapid.privateKey,
  VAPID_SUBJECT: 'mailto:ops@anochat.invalid',
  PUSH_TEST_ALLOW_HTTP: 'true',
  // One push per device per hour: within a test, a device is never pushed twice by the clock.
  PUSH_COALESCE_SECONDS: '3600',
  RATE_LIMIT_PER_IP: '1000',
});

const pushService = await startPushService();
const clients: SyncClient[] = [];
after(async () => {
  for (const client of clients) client.socket.close();
  await pushService.close();
});

async function user(): Promise<SyncClient> {
  const client = await syncUser(suite.server.baseUrl);
  clients.push(client);
  return client;
}

/** Another device of the same user, signed in and connected. */
async function secondDevice(client: SyncClient): Promise<SyncClient> {
  const session = await login(
    suite.server.baseUrl,
    client.account as NonNullable<SyncClient['account']>,
  );
  const socket = await connectSocket(suite.server.baseUrl, { token: session.accessToken });
  const device = { ...client, deviceId: session.device.id, token: session.accessToken, socket };
  clients.push(device);
  return device;
}

async function subscribe(client: SyncClient): Promise<TestSubscription> {
  const subscription = pushService.subscribe();
  const answer = await request(suite.server.baseUrl, 'PUT', '/api/push/subscription', {
    token: client.token,
    body: { endpoint: subscription.endpoint, keys: subscription.keys },
  });
  assert.equal(answer.status, 204, JSON.stringify(answer.body));
  return subscription;
}

/** Stores a message of `sender` and waits until every push it started has been answered. */
async function send(sender: SyncClient, conversationId: string, text: string): Promise<void> {
  await create(sender, 'messages', [messageDoc(sender, conversationId, text)]);
  await suite.server.pushesSettled();
}

const subscriptionRows = async (deviceId: string) =>
  (
    await suite.server.pool.query('SELECT endpoint FROM push_subscriptions WHERE device_id = $1', [
      deviceId,
    ])
  ).rows;

describe('push subscription routes', () => {
  it('serve the VAPID public key a browser subscribes with', async () => {
    const answer = await request(suite.server.baseUrl, 'GET', '/api/push/vapid-public-key');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { publicKey: vapid.publicKey });
  });

  it('keep one subscription per device, replaced by the next, and delete it on request', async () => {
    const alice = await user();
    const first = await subscribe(alice);
    const second = await subscribe(alice);
    assert.deepEqual(await subscriptionRows(alice.deviceId), [{ endpoint: second.endpoint }]);
    assert.notEqual(first.endpoint, second.endpoint);
    for (let round = 0; round < 2; round += 1) {
      const answer = await request(suite.server.baseUrl, 'DELETE', '/api/push/subscription', {
        token: alice.token,
      });
      assert.equal(answer.status, 204);
    }
    assert.deepEqual(await subscriptionRows(alice.deviceId), []);
  });

  it('move an endpoint to the device that registers it last (one browser, a new account)', async () => {
    const [alice, bob] = [await user(), await user()];
    const subscription = await subscribe(alice);
    const answer = await request(suite.server.baseUrl, 'PUT', '/api/push/subscription', {
      token: bob.token,
      body: { endpoint: subscription.endpoint, keys: subscription.keys },
    });
    assert.equal(answer.status, 204);
    assert.deepEqual(await subscriptionRows(alice.deviceId), []);
    assert.deepEqual(await subscriptionRows(bob.deviceId), [{ endpoint: subscription.endpoint }]);
  });

  it('refuse requests without a valid access token', async () => {
    const subscription = pushService.subscribe();
    const body = { endpoint: subscription.endpoint, keys: subscription.keys };
    assertError(
      await request(suite.server.baseUrl, 'PUT', '/api/push/subscription', { body }),
      401,
      'UNAUTHENTICATED',
    );
    assertError(
      await request(suite.server.baseUrl, 'PUT', '/api/push/subscription', {
        body,
        token: 'not.a.token',
      }),
      401,
      'UNAUTHENTICATED',
    );
    assertError(
      await request(suite.server.baseUrl, 'DELETE', '/api/push/subscription'),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('refuse subscriptions that are not one, and store nothing', async () => {
    const alice = await user();
    const { endpoint, keys } = pushService.subscribe();
    const bad: unknown[] = [
      {},
      { endpoint },
      { endpoint, keys: { p256dh: keys.p256dh } },
      { endpoint, keys: { ...keys, p256dh: `${keys.p256dh.slice(1)}=` } },
      { endpoint, keys: { ...keys, auth: 'c2hvcnQ' } },
      { endpoint, keys: { ...keys, extra: 'x' } },
      { endpoint, keys, expirationTime: null },
      { endpoint: 'not a url', keys },
      { endpoint: 'ftp://push.example/x', keys },
      { endpoint: 'https://user:pass@push.example/x', keys },
      { endpoint: `https://push.example/${'x'.repeat(2048)}`, keys },
      { endpoint: 42, keys },
    ];
    for (const body of bad) {
      assertError(
        await request(suite.server.baseUrl, 'PUT', '/api/push/subscription', {
          body,
          token: alice.token,
        }),
        400,
        'VALIDATION_FAILED',
      );
    }
    assertError(
      await request(suite.server.baseUrl, 'PUT', '/api/push/subscription', {
        body: '{"endpoint":',
        token: alice.token,
      }),
      400,
      'MALFORMED_JSON',
    );
    assert.deepEqual(await subscriptionRows(alice.deviceId), []);
  });
});

describe('the push sender', () => {
  it('pushes each other member’s subscribed devices once, signed by the server, with no content', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const alicePhone = await secondDevice(alice);
    const bobPhone = await secondDevice(bob);
    const group = await createGroup(alice, [bob, carol]);
    const [aliceLaptop, bobLaptop, bobsPhone] = [
      await subscribe(alice),
      await subscribe(bob),
      await subscribe(bobPhone),
    ];
    const alicesPhone = await subscribe(alicePhone);

    await send(alice, group, 'the secret plan');
    // Bob's two devices; not Alice's (hers sent it: nothing arrived for her), not Carol (no subscription).
    for (const subscription of [bobLaptop, bobsPhone]) {
      const [pushed, ...more] = pushService.pushesTo(subscription.id);
      assert.equal(more.length, 0);
      assert.ok(pushed);
      assert.deepEqual(pushPayload.parse(JSON.parse(pushed.plaintext)), {
        type: 'message',
        conversationId: group,
      });
      assert.ok(!pushed.plaintext.includes('secret'));
      assert.equal(pushed.vapidKey, vapid.publicKey);
      assert.equal(pushed.claims.sub, 'mailto:ops@anochat.invalid');
      assert.equal(pushed.ttl, '86400');
      assert.equal(pushed.urgency, 'high');
    }
    assert.deepEqual(pushService.pushesTo(aliceLaptop.id), []);
    assert.deepEqual(pushService.pushesTo(alicesPhone.id), []);

    // A second message within the window is not pushed again; Bob's answer reaches Alice's devices.
    await send(alice, group, 'and another thing');
    assert.equal(pushService.pushesTo(bobLaptop.id).length, 1);
    await send(bob, group, 'ok');
    assert.equal(pushService.pushesTo(aliceLaptop.id).length, 1);
    assert.equal(pushService.pushesTo(alicesPhone.id).length, 1);
    assert.deepEqual(pushService.problems, []);
  });

  it('pushes nobody for an edit or a deletion', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const message = messageDoc(alice, group, 'first');
    await create(alice, 'messages', [message]);
    await horizonPassed(suite.server.pool);
    const [stored] = (await pullAll(alice, 'messages')).documents.filter(
      (row) => row.id === message.id,
    );
    const bobLaptop = await subscribe(bob);
    assertAccepted(
      await push(alice, 'messages', [
        {
          assumedMasterState: stored as WireDocument,
          newDocumentState: { ...(stored as WireDocument), _deleted: true },
        },
      ]),
    );
    await suite.server.pushesSettled();
    assert.deepEqual(pushService.pushesTo(bobLaptop.id), []);
  });

  it('leaves out a member who muted the conversation, until they unmute it', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const group = await createGroup(alice, [bob, carol]);
    const [bobLaptop, carolLaptop] = [await subscribe(bob), await subscribe(carol)];
    const mute: WireDocument = {
      id: `${carol.userId}|${group}`,
      userId: carol.userId,
      conversationId: group,
      until: null,
      _deleted: false,
    };
    await create(carol, 'mutes', [mute]);
    await send(alice, group, 'muted for Carol');
    assert.equal(pushService.pushesTo(bobLaptop.id).length, 1);
    assert.deepEqual(pushService.pushesTo(carolLaptop.id), []);

    await horizonPassed(suite.server.pool);
    const [stored] = (await pullAll(carol, 'mutes')).documents;
    assertAccepted(
      await push(carol, 'mutes', [
        {
          assumedMasterState: stored as WireDocument,
          newDocumentState: { ...mute, _deleted: true },
        },
      ]),
    );
    await send(alice, group, 'heard by Carol');
    assert.equal(pushService.pushesTo(carolLaptop.id).length, 1);
  });

  it('deletes a subscription its push service says is gone (410)', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const bobLaptop = await subscribe(bob);
    pushService.unsubscribe(bobLaptop.id);
    await send(alice, group, 'hello?');
    assert.deepEqual(await subscriptionRows(bob.deviceId), []);
  });
});

describe('mutes', () => {
  it('replicate to the muting user’s own devices only', async () => {
    const [alice, bob] = [await user(), await user()];
    const bobPhone = await secondDevice(bob);
    const group = await createGroup(alice, [bob]);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await create(bob, 'mutes', [
      {
        id: `${bob.userId}|${group}`,
        userId: bob.userId,
        conversationId: group,
        until,
        _deleted: false,
      },
    ]);
    await horizonPassed(suite.server.pool);
    const [onPhone] = (await pullAll(bobPhone, 'mutes')).documents;
    assert.equal(onPhone?.until, until);
    assert.equal(onPhone?.conversationId, group);
    assert.deepEqual((await pullAll(alice, 'mutes')).documents, []);
  });

  it('are refused for someone else, a conversation one is not in, or a malformed end', async () => {
    const [alice, bob, mallory] = [await user(), await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const row = (owner: SyncClient, until: string | null = null): WireDocument => ({
      id: `${owner.userId}|${group}`,
      userId: owner.userId,
      conversationId: group,
      until,
      _deleted: false,
    });
    const answer = await push(mallory, 'mutes', [
      { assumedMasterState: null, newDocumentState: row(bob) },
      { assumedMasterState: null, newDocumentState: row(mallory) },
    ]);
    assert.deepEqual(
      answer.rejected.map((rejected) => rejected.code),
      ['FORBIDDEN', 'NOT_MEMBER'],
    );
    const badEnd = await push(bob, 'mutes', [
      { assumedMasterState: null, newDocumentState: row(bob, 'tomorrow') },
    ]);
    assert.deepEqual(
      badEnd.rejected.map((rejected) => rejected.code),
      ['INVALID_ROW'],
    );
    await horizonPassed(suite.server.pool);
    assert.deepEqual((await pullAll(bob, 'mutes')).documents, []);
  });
});

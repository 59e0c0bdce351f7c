import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createDeviceRevocation, decodeMessageEnvelope, encodeBase64 } from '@anochat/protocol';
import { EPOCH_MAX_AGE_MS, EPOCH_MAX_MESSAGES } from '@anochat/schemas/e2e/limits';
import { request } from '@anochat/test-support/api';
import {
  type E2eUser,
  loginWithPassword,
  nacl,
  readConversation,
  receiveKeys,
  send,
  suiteUsers,
  textsOf,
} from '@anochat/test-support/e2e-user';
import { useSyncServer } from '@anochat/test-support/suite';
import { acceptRequest } from '@anochat/test-support/sync-client';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { createChatActions } from '../../app/src/chat/chat-actions.ts';
import { startMessageProjector } from '../../app/src/chat/message-projector.ts';
import { createConversationActions } from '../../app/src/conversations/conversation-actions.ts';
import { createEpochRotation } from '../../app/src/conversations/epoch-rotation.ts';
import { startKeyDistribution } from '../../app/src/conversations/key-distribution.ts';
import { createClientCrypto } from '../../app/src/crypto/client-crypto.ts';
import { type AppDatabase, openAppDatabase } from '../../app/src/database/app-database.ts';
import { createMemorySecretStore } from '../../app/src/platform/memory-secret-store.ts';
import { createSyncEngine } from '../../app/src/replication/sync-engine.ts';
import { createSyncTransport } from '../../app/src/replication/sync-transport.ts';

/**
 * The app's own modules (local RxDB database, client crypto, key distribution, epoch rotation,
 * chat actions, the sync engine and its socket transport) in Node, against the real sync server,
 * PostgreSQL and crypto-native: when a new epoch starts, and who gets its key. Alice runs the app;
 * Bob's devices are protocol clients of the test support (RxDB allows one app database here).
 */

const suite = useSyncServer({ DATABASE_POOL_MAX: '8' });
const people = suiteUsers(() => suite.server, 'correct horse battery');

/** How far the app devices' clock runs ahead of the real one. */
const clock = { aheadMs: 0 };

async function until(
  what: string,
  predicate: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) assert.fail(`not in time: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A signed-in app on one device of `user`, as account.ts assembles it. */
async function appOn(user: E2eUser) {
  const database: AppDatabase = await openAppDatabase({
    name: `epochs${randomBytes(6).toString('hex')}`,
    storage: getRxStorageMemory(),
  });
  const crypto = createClientCrypto(nacl, database, createMemorySecretStore());
  const { box, sign } = user.sync.device;
  await crypto.adoptDevice(
    {
      keys: { box, sign },
      username: user.username,
      identitySeed: user.identitySeed,
      archiveKey: user.archiveKey,
      publicKeys: { boxPublicKey: '', signPublicKey: '', certificate: '' },
    },
    { userId: user.sync.userId, deviceId: user.sync.deviceId },
  );
  const transport = createSyncTransport({
    url: suite.server.baseUrl,
    accessToken: async () => user.session.accessToken,
    refreshAccessToken: async () => user.session.accessToken,
    network: { online: () => true, subscribe: () => () => undefined },
  });
  const engine = createSyncEngine({
    database,
    transport,
    identifier: `${suite.server.baseUrl}/${user.sync.deviceId}`,
    deviceId: user.sync.deviceId,
  });
  const projector = startMessageProjector(database, crypto, () =>
    engine.resync(['users', 'devices']),
  );
  const distribution = startKeyDistribution(database, crypto, user.sync.userId);
  const rotation = createEpochRotation(database, crypto, {
    now: () => Date.now() + clock.aheadMs,
    turnMs: 300,
  });
  rotation.start();
  engine.start();
  return {
    database,
    crypto,
    chat: createChatActions(database, crypto, user.sync.deviceId, rotation),
    conversations: createConversationActions(database, crypto, user.sync.userId),
    async epochOf(conversationId: string) {
      return (await crypto.epochStatus(conversationId))?.epoch ?? null;
    },
    async texts(conversationId: string) {
      const views = await database.messageViews
        .find({ selector: { conversationId }, sort: [{ sortKey: 'asc' }] })
        .exec();
      return views.map((view) => view.text);
    },
    async stop() {
      rotation.stop();
      distribution.stop();
      projector.stop();
      await engine.stop();
      await database.close();
    },
  };
}

type App = Awaited<ReturnType<typeof appOn>>;

/** The epoch a stored message was sealed under, from its envelope's header. */
async function storedEpochOf(messageId: string): Promise<number> {
  const { rows } = await suite.server.pool.query<{
    envelope: Buffer;
    conversation_id: string;
    sender_device_id: string;
  }>('SELECT envelope, conversation_id, sender_device_id FROM messages WHERE id = $1', [messageId]);
  const row = rows[0];
  assert.ok(row, `message ${messageId} is not on the server`);
  const decoded = decodeMessageEnvelope(new Uint8Array(row.envelope), {
    id: messageId,
    conversationId: row.conversation_id,
    senderDeviceId: row.sender_device_id,
  });
  assert.ok(decoded.ok);
  return decoded.value.epoch;
}

async function envelopesOf(conversationId: string, epoch: number) {
  const { rows } = await suite.server.pool.query<{ recipient: string; sender: string }>(
    `SELECT recipient_device_id AS recipient, sender_device_id AS sender FROM key_envelopes
      WHERE conversation_id = $1 AND epoch = $2`,
    [conversationId, epoch],
  );
  return rows;
}

describe('epoch rotation in the app, against the real server', () => {
  let alice: E2eUser;
  let bob: E2eUser;
  let bobsPhone: E2eUser;
  let aliceApp: App;
  let group: string;
  /** What Bob's laptop opens of the group, after taking the key envelopes it was sent. */
  const bobReads = async () => {
    await receiveKeys(bob);
    return textsOf(await readConversation(bob, group));
  };

  before(async () => {
    alice = await people.register('alice');
    bob = await people.register('bob');
    const phone = await loginWithPassword(suite.server, bob.username, bob.password);
    assert.ok(phone.ok);
    bobsPhone = phone.value;
    people.closeAfterSuite(bobsPhone);
    aliceApp = await appOn(alice);
  });
  after(async () => {
    await aliceApp?.stop();
  });

  it('after a device of a member is revoked, the next message is sealed under an epoch that device has no key for', async () => {
    group = await aliceApp.conversations.createGroup('Epochs', [bob.sync.userId]);
    // Alice is a stranger to Bob: he accepts her invitation once her app has pushed it.
    await until('the invitation reaches the server', async () => {
      const { rowCount } = await suite.server.pool.query(
        'SELECT 1 FROM members WHERE conversation_id = $1 AND user_id = $2',
        [group, bob.sync.userId],
      );
      return rowCount === 1;
    });
    await acceptRequest(bob.sync, group);
    // Alice started epoch 0 and wraps it for Bob's devices as she learns of them.
    await until('epoch 0 reaches both of Bob’s devices', async () => {
      const recipients = (await envelopesOf(group, 0)).map((row) => row.recipient);
      return recipients.includes(bob.sync.deviceId) && recipients.includes(bobsPhone.sync.deviceId);
    });
    const before = await aliceApp.chat.send(group, 'before the revocation');
    await until('Bob reads it', async () => (await bobReads()).includes('before the revocation'));
    assert.equal(await storedEpochOfSoon(before), 0);

    const revocation = createDeviceRevocation(nacl, bob.identityKeys.secretKey, {
      username: bob.username,
      signPublicKey: bobsPhone.sync.device.sign.publicKey,
      revokedAt: Date.now(),
    });
    const revoked = await request(
      suite.server.baseUrl,
      'DELETE',
      `/api/devices/${bobsPhone.sync.deviceId}`,
      { token: bob.session.accessToken, body: { revocation: encodeBase64(revocation) } },
    );
    assert.equal(revoked.status, 204, JSON.stringify(revoked.body));
    // Sent while the epoch changes, under the key Bob's laptop has: it still opens.
    await send(bob, group, { type: 'text', text: 'sent as the phone is revoked' });

    // Alice's app starts epoch 1 without anyone writing (her device's turn comes first or second).
    await until('Alice seals under epoch 1', async () => (await aliceApp.epochOf(group)) === 1);
    const epoch1 = await envelopesOf(group, 1);
    assert.equal(new Set(epoch1.map((row) => row.sender)).size, 1, 'one device started it');
    assert.deepEqual(
      epoch1.map((row) => row.recipient).sort(),
      [alice.sync.deviceId, bob.sync.deviceId].sort(),
    );

    const afterRevocation = await aliceApp.chat.send(group, 'after the revocation');
    assert.equal(await storedEpochOfSoon(afterRevocation), 1);
    await until('Bob reads it', async () => (await bobReads()).includes('after the revocation'));
    await until('Alice reads the message sent in flight', async () =>
      (await aliceApp.texts(group)).includes('sent as the phone is revoked'),
    );
  });

  it('a week after an epoch began, the next message starts a new one', async () => {
    const sealedFirst = await aliceApp.chat.send(group, 'one more, same week');
    assert.equal(await aliceApp.epochOf(group), 1, 'not yet due');
    assert.equal(await storedEpochOfSoon(sealedFirst), 1);

    clock.aheadMs = EPOCH_MAX_AGE_MS + 60_000;
    // This message starts epoch 2; it is itself sealed under epoch 1, whose key the server has.
    const starting = await aliceApp.chat.send(group, 'a week later');
    assert.equal(await storedEpochOfSoon(starting), 1);
    await until('epoch 2 is stored and adopted', async () => (await aliceApp.epochOf(group)) === 2);
    clock.aheadMs = 0;
    const next = await aliceApp.chat.send(group, 'under the new key');
    assert.equal(await storedEpochOfSoon(next), 2);
    await until('Bob reads it', async () => (await bobReads()).includes('under the new key'));
    assert.deepEqual(
      (await envelopesOf(group, 2)).map((row) => row.recipient).sort(),
      [alice.sync.deviceId, bob.sync.deviceId].sort(),
    );
  });

  it('the 1,000th message of an epoch is the last one under its key', async () => {
    // What this device counts: opened messages of the epoch. Most of them are put straight into
    // the local read model here rather than sent one by one.
    const opened = (await aliceApp.database.messageViews
      .count({ selector: { conversationId: group, epoch: 2 } })
      .exec()) as number;
    const template = (
      await aliceApp.database.messageViews.find({ selector: { conversationId: group } }).exec()
    )[0]?.toMutableJSON();
    assert.ok(template);
    const filler = Array.from({ length: EPOCH_MAX_MESSAGES - 1 - opened }, (_, index) => {
      const id = `00000000-0000-7000-8000-${String(index).padStart(12, '0')}`;
      return { ...template, id, sortKey: `0|${id}`, newestFirstKey: `z|${id}`, epoch: 2 };
    });
    await aliceApp.database.messageViews.bulkInsert(filler);

    const thousandth = await aliceApp.chat.send(group, 'message 1,000 of epoch 2');
    assert.equal(await storedEpochOfSoon(thousandth), 2);
    assert.equal(await aliceApp.epochOf(group), 2, '999 before it: not due');
    await until('the 1,000th is counted', async () => {
      const count = await aliceApp.database.messageViews
        .count({ selector: { conversationId: group, epoch: 2 } })
        .exec();
      return count === EPOCH_MAX_MESSAGES;
    });
    await aliceApp.chat.send(group, 'this one starts epoch 3');
    await until('epoch 3 is adopted', async () => (await aliceApp.epochOf(group)) === 3);
    const under3 = await aliceApp.chat.send(group, 'under epoch 3');
    assert.equal(await storedEpochOfSoon(under3), 3);
  });
});

/** The epoch of a message once replication has stored it on the server. */
async function storedEpochOfSoon(messageId: string): Promise<number> {
  await until(`message ${messageId} stored`, async () => {
    const { rows } = await suite.server.pool.query('SELECT 1 FROM messages WHERE id = $1', [
      messageId,
    ]);
    return rows.length === 1;
  });
  return storedEpochOf(messageId);
}

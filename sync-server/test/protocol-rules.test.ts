import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { deviceKeysOf, newDevice } from '@anochat/test-support/api';
import { uuidv7 } from '@anochat/test-support/ids';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  connectSocket,
  create,
  createGroup,
  emit,
  keyEnvelopeDoc,
  memberDoc,
  messageDoc,
  pull,
  pullAll,
  push,
  resealed,
  type SyncClient,
  sealedMessage,
  syncUser,
} from '@anochat/test-support/sync-client';
import { TEST_JWT_SECRET } from '@anochat/test-support/sync-server';
import { createAccessTokens } from '../src/auth/access-tokens.ts';

const suite = useSyncServer();
const clients: SyncClient[] = [];
async function user(): Promise<SyncClient> {
  const client = await syncUser(suite.server.baseUrl);
  clients.push(client);
  return client;
}
after(() => {
  for (const client of clients) client.socket.close();
});

const newRow = (document: WireDocument) => ({
  assumedMasterState: null,
  newDocumentState: document,
});

function rejection(answer: { rejected: { id: string; code: string }[] }, id: string) {
  return answer.rejected.find((row) => row.id === id)?.code;
}

describe('message ids are time-ordered (UUIDv7)', () => {
  it('refuses a new message whose id is another UUID version, row by row', async () => {
    const alice = await user();
    const group = await createGroup(alice, []);
    const good = messageDoc(alice, group);
    const v4 = randomUUID();
    const badVersion = {
      id: v4,
      conversationId: group,
      senderDeviceId: alice.deviceId,
      envelope: sealedMessage(alice, { id: v4, conversationId: group }),
      _deleted: false,
    };
    // Version 7 in the version nibble but not the RFC variant: not a UUIDv7 either.
    const parts = uuidv7().split('-');
    parts[3] = `c${parts[3]?.slice(1)}`;
    const wrongVariant = parts.join('-');
    const badVariant = {
      ...badVersion,
      id: wrongVariant,
      envelope: sealedMessage(alice, { id: wrongVariant, conversationId: group }),
    };
    const answer = await push(alice, 'messages', [
      newRow(good),
      newRow(badVersion),
      newRow(badVariant),
    ]);
    assert.equal(rejection(answer, v4), 'ID_NOT_UUID_V7');
    assert.equal(rejection(answer, wrongVariant), 'ID_NOT_UUID_V7');
    assert.equal(rejection(answer, good.id), undefined);
    const stored = (await pullAll(alice, 'messages')).documents.map((document) => document.id);
    assert.deepEqual(stored, [good.id]);
  });
});

describe('only the sending device edits a message; any device of its user deletes it', () => {
  it('refuses an edit from another device of the sender with NOT_OWNER, and lets it delete', async () => {
    const alice = await user();
    const group = await createGroup(alice, []);
    const message = messageDoc(alice, group, 'first words');
    await create(alice, 'messages', [message]);
    const [stored] = (await pullAll(alice, 'messages')).documents as WireDocument[];
    assert.ok(stored);

    // Alice's phone: same user, another device, signing the edit with its own key.
    const phone = await secondDevice(alice);
    const edit = resealed(phone, { ...stored, senderDeviceId: alice.deviceId }, 'changed by phone');
    const refused = await push(phone, 'messages', [
      { assumedMasterState: stored, newDocumentState: edit },
    ]);
    assert.equal(rejection(refused, stored.id), 'NOT_OWNER');
    // A compact row (senderDeviceId left out) is refused the same way.
    const { senderDeviceId: _omitted, ...compact } = edit;
    const refusedCompact = await emit<{ rejected: { id: string; code: string }[] }>(
      phone.socket,
      'push',
      { collection: 'messages', rows: [{ assumedMasterState: stored, newDocumentState: compact }] },
    );
    assert.equal(rejection(refusedCompact, stored.id), 'NOT_OWNER');
    // The sending device edits; then the phone deletes.
    const byLaptop = resealed(alice, stored, 'changed by the laptop');
    const edited = await push(alice, 'messages', [
      { assumedMasterState: stored, newDocumentState: byLaptop },
    ]);
    assert.deepEqual(edited.rejected, []);
    const [current] = (await pullAll(alice, 'messages')).documents as WireDocument[];
    assert.ok(current);
    const deleted = await push(phone, 'messages', [
      { assumedMasterState: current, newDocumentState: { ...current, _deleted: true } },
    ]);
    assert.deepEqual(deleted.rejected, []);
  });
});

describe('a deleted conversation takes no more writes', () => {
  let alice: SyncClient;
  let bob: SyncClient;
  let group: string;
  let message: WireDocument;
  before(async () => {
    alice = await user();
    bob = await user();
    group = await createGroup(alice, [bob]);
    message = messageDoc(alice, group);
    await create(alice, 'messages', [message]);
    const [conversation] = (await pullAll(alice, 'conversations')).documents as WireDocument[];
    assert.ok(conversation);
    const answer = await push(alice, 'conversations', [
      { assumedMasterState: conversation, newDocumentState: { ...conversation, _deleted: true } },
    ]);
    assert.deepEqual(answer.rejected, []);
  });

  it('refuses new messages, edits, receipts, members and key envelopes with CONVERSATION_DELETED', async () => {
    const fresh = messageDoc(bob, group);
    assert.equal(
      rejection(await push(bob, 'messages', [newRow(fresh)]), fresh.id),
      'CONVERSATION_DELETED',
    );
    const [stored] = (await pullAll(alice, 'messages')).documents as WireDocument[];
    assert.ok(stored);
    const edit = resealed(alice, stored, 'edited after deletion');
    assert.equal(
      rejection(
        await push(alice, 'messages', [{ assumedMasterState: stored, newDocumentState: edit }]),
        stored.id,
      ),
      'CONVERSATION_DELETED',
    );
    const receipt = {
      id: `${group}|${bob.userId}`,
      conversationId: group,
      userId: bob.userId,
      deliveredUpTo: message.id,
      readUpTo: null,
      _deleted: false,
    };
    assert.equal(
      rejection(await push(bob, 'receipts', [newRow(receipt)]), receipt.id),
      'CONVERSATION_DELETED',
    );
    const carol = await user();
    const member = memberDoc(group, carol.userId);
    assert.equal(
      rejection(await push(alice, 'members', [newRow(member)]), member.id),
      'CONVERSATION_DELETED',
    );
    const envelope = keyEnvelopeDoc(alice, bob, group, 0);
    assert.equal(
      rejection(await push(alice, 'keyEnvelopes', [newRow(envelope)]), envelope.id),
      'CONVERSATION_DELETED',
    );
  });

  it('stays deleted: undeleting it or retitling it is refused', async () => {
    const [conversation] = (await pullAll(alice, 'conversations')).documents as WireDocument[];
    assert.ok(conversation?._deleted);
    const undelete = await push(alice, 'conversations', [
      { assumedMasterState: conversation, newDocumentState: { ...conversation, _deleted: false } },
    ]);
    assert.equal(rejection(undelete, group), 'CONVERSATION_DELETED');
    const retitle = await push(alice, 'conversations', [
      {
        assumedMasterState: conversation,
        newDocumentState: {
          ...conversation,
          titleCiphertext: Buffer.from('new').toString('base64'),
        },
      },
    ]);
    assert.equal(rejection(retitle, group), 'CONVERSATION_DELETED');
  });
});

describe('a checkpoint from the future', () => {
  it('is refused with CHECKPOINT_AHEAD; every checkpoint the server returned is accepted', async () => {
    const alice = await user();
    const group = await createGroup(alice, []);
    await create(alice, 'messages', [messageDoc(alice, group)]);
    const page = await pull(alice, 'messages', null, 10);
    assert.ok(page.checkpoint);
    const checkpointId = page.checkpoint.id;
    assert.equal((await pull(alice, 'messages', page.checkpoint, 10)).documents.length, 0);
    const { rows } = await suite.server.pool.query<{ next: string }>(
      'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next',
    );
    // Far ahead: transaction ids are shared by the whole cluster, which other suites and
    // processes may use heavily while this runs.
    for (const rev of [
      String(BigInt(rows[0]?.next ?? '0') + 1_000_000_000n),
      '18446744073709551615',
    ]) {
      const answer = await emit<{ error?: { code: string } }>(alice.socket, 'pull', {
        collection: 'messages',
        checkpoint: { rev, id: checkpointId },
        batchSize: 10,
      });
      assert.equal(answer.error?.code, 'CHECKPOINT_AHEAD', JSON.stringify(answer));
    }
  });
});

/** Another certified device of the same user, connected (inserted as a login would make it). */
async function secondDevice(owner: SyncClient): Promise<SyncClient> {
  const device = newDevice(owner.identity, 'phone');
  const { rows } = await suite.server.pool.query<{ id: string }>(
    `INSERT INTO devices (user_id, name, box_public_key, sign_public_key, certificate)
     VALUES ($1, 'phone', $2, $3, $4) RETURNING id`,
    [
      owner.userId,
      Buffer.from(device.boxPublicKey, 'base64'),
      Buffer.from(device.signPublicKey, 'base64'),
      Buffer.from(device.certificate, 'base64'),
    ],
  );
  const deviceId = rows[0]?.id as string;
  const token = createAccessTokens({
    secret: TEST_JWT_SECRET,
    previousSecrets: [],
    issuer: 'anochat-sync-server',
    audience: 'anochat-client',
    accessTokenTtlSeconds: 900,
  }).issue({ userId: owner.userId, deviceId }).token;
  const socket = await connectSocket(suite.server.baseUrl, { token });
  const client: SyncClient = {
    ...owner,
    deviceId,
    token,
    socket,
    streams: [],
    device: { userId: owner.userId, deviceId, ...deviceKeysOf(device) },
  };
  clients.push(client);
  return client;
}

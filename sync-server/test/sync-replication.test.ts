import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { PushResponse, WireDocument } from '@anochat/schemas/rxdb/sync';
import { request } from '@anochat/test-support/api';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  acceptRequest,
  assertAccepted,
  connectSocket,
  create,
  createGroup,
  emit,
  envelope,
  eventually,
  keyEnvelopeDoc,
  memberDoc,
  messageDoc,
  pullAll,
  push,
  resealed,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import { TEST_JWT_SECRET } from '@anochat/test-support/sync-server';
import jwt from 'jsonwebtoken';

// Every test registers its own users, more than the default 30 per minute from one address
// (rate limits have their own suite).
const suite = useSyncServer({
  DATABASE_POOL_MAX: '12',
  SYNC_TEST_PUSH_DELAY_MAX_MS: '0',
  RATE_LIMIT_PER_IP: '1000',
});
const url = () => suite.server.baseUrl;
const clients: SyncClient[] = [];
after(() => {
  for (const client of clients) client.socket.close();
});
async function user(): Promise<SyncClient> {
  const client = await syncUser(url());
  clients.push(client);
  return client;
}
const ids = (documents: WireDocument[]) => documents.map((document) => document.id).sort();

describe('sync handshake', () => {
  it('refuses a missing or forged token as UNAUTHORIZED and an expired one as TOKEN_EXPIRED', async () => {
    const alice = await user();
    await assert.rejects(connectSocket(url(), {}), (error: Error & { data?: { code: string } }) => {
      assert.equal(error.message, 'UNAUTHORIZED');
      assert.equal(error.data?.code, 'UNAUTHORIZED');
      return true;
    });
    await assert.rejects(connectSocket(url(), { token: 'not.a.jwt' }), { message: 'UNAUTHORIZED' });
    const expired = jwt.sign({ did: alice.deviceId }, TEST_JWT_SECRET, {
      algorithm: 'HS256',
      subject: alice.userId,
      issuer: 'anochat-sync-server',
      audience: 'anochat-client',
      expiresIn: -10,
    });
    await assert.rejects(
      connectSocket(url(), { token: expired }),
      (error: Error & { data?: { code: string } }) => {
        assert.equal(error.message, 'TOKEN_EXPIRED');
        assert.equal(error.data?.code, 'TOKEN_EXPIRED');
        return true;
      },
    );
  });

  it('ends a connection when its access token expires, telling the device TOKEN_EXPIRED', async () => {
    const alice = await user();
    const shortLived = jwt.sign({ did: alice.deviceId }, TEST_JWT_SECRET, {
      algorithm: 'HS256',
      subject: alice.userId,
      issuer: 'anochat-sync-server',
      audience: 'anochat-client',
      expiresIn: 2,
    });
    const socket = await connectSocket(url(), { token: shortLived });
    const told = new Promise<{ code: string }>((resolve) =>
      socket.once('session_expired', resolve),
    );
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    assert.equal(socket.connected, true);
    assert.deepEqual(await told, {
      code: 'TOKEN_EXPIRED',
      message: 'access token expired: refresh it and reconnect',
    });
    assert.equal(await closed, 'io server disconnect');
  });

  it('sends RESYNC for every collection on connect', async () => {
    const alice = await user();
    await eventually(() => alice.streams.length >= 10);
    assert.deepEqual(alice.streams.map((event) => event.collection).sort(), [
      'blocks',
      'conversations',
      'devices',
      'keyArchive',
      'keyEnvelopes',
      'members',
      'messages',
      'mutes',
      'receipts',
      'users',
    ]);
    assert.ok(alice.streams.every((event) => 'resync' in event && event.resync === true));
  });

  it('disconnects the sockets of a revoked device, and refuses it afterwards', async () => {
    const alice = await user();
    const disconnected = new Promise((resolve) => alice.socket.once('disconnect', resolve));
    const response = await request(url(), 'POST', '/api/auth/logout', { token: alice.token });
    assert.equal(response.status, 204);
    await disconnected;
    await assert.rejects(connectSocket(url(), { token: alice.token }), { message: 'UNAUTHORIZED' });
  });
});

describe('sync visibility', () => {
  it('own profile and device, co-members only; key envelopes only to this device', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const conversation = await createGroup(alice, [bob]);
    assert.deepEqual(
      ids((await pullAll(alice, 'users')).documents),
      [alice.userId, bob.userId].sort(),
    );
    assert.deepEqual(ids((await pullAll(carol, 'users')).documents), [carol.userId]);
    const aliceDevices = (await pullAll(alice, 'devices')).documents;
    assert.deepEqual(ids(aliceDevices), [alice.deviceId, bob.deviceId].sort());
    assert.equal(aliceDevices.find((d) => d.id === bob.deviceId)?.name, null);
    assert.deepEqual(
      (await pullAll(carol, 'devices')).documents.map((d) => d.id),
      [carol.deviceId],
    );

    const secret = messageDoc(alice, conversation);
    await create(alice, 'messages', [secret]);
    await create(alice, 'keyEnvelopes', [keyEnvelopeDoc(alice, bob, conversation)]);
    assert.equal((await pullAll(bob, 'keyEnvelopes')).documents.length, 1);
    assert.equal((await pullAll(alice, 'keyEnvelopes')).documents.length, 0);
    for (const collection of ['conversations', 'members', 'messages', 'receipts'] as const) {
      assert.deepEqual((await pullAll(carol, collection)).documents, [], collection);
    }
    assert.deepEqual(ids((await pullAll(bob, 'messages')).documents), [secret.id]);
  });

  it('a member added later receives the group, its members and earlier messages below its checkpoint', async () => {
    const [alice, bob, dave] = [await user(), await user(), await user()];
    const conversation = await createGroup(alice, [bob]);
    const earlier = [messageDoc(alice, conversation), messageDoc(bob, conversation)];
    await create(alice, 'messages', [earlier[0] as WireDocument]);
    await create(bob, 'messages', [earlier[1] as WireDocument]);
    // Dave catches up on everything he can see, with activity elsewhere moving his checkpoint on.
    const other = await createGroup(dave, []);
    await create(dave, 'messages', [messageDoc(dave, other)]);
    const before = {
      messages: await pullAll(dave, 'messages'),
      conversations: await pullAll(dave, 'conversations'),
      members: await pullAll(dave, 'members'),
      users: await pullAll(dave, 'users'),
    };
    assert.equal(before.messages.documents.length, 1);
    const { rows: revs } = await suite.server.pool.query<{ rev: string }>(
      'SELECT max(rev)::text AS rev FROM messages WHERE conversation_id = $1',
      [conversation],
    );
    // Dave's checkpoint is already past the earlier messages' revisions.
    assert.ok(BigInt(before.messages.checkpoint?.rev ?? 0) > BigInt(revs[0]?.rev ?? 0));

    const streamsBefore = dave.streams.length;
    await create(alice, 'members', [memberDoc(conversation, dave.userId)]);
    // A stranger's invitation is a request: the history arrives once Dave accepts it.
    await acceptRequest(dave, conversation);
    await eventually(() =>
      dave.streams.slice(streamsBefore).some((e) => e.collection === 'messages'),
    );

    const after = {
      messages: await pullAll(dave, 'messages', before.messages.checkpoint),
      conversations: await pullAll(dave, 'conversations', before.conversations.checkpoint),
      members: await pullAll(dave, 'members', before.members.checkpoint),
      users: await pullAll(dave, 'users', before.users.checkpoint),
    };
    assert.deepEqual(ids(after.messages.documents), ids(earlier));
    assert.deepEqual(ids(after.conversations.documents), [conversation]);
    assert.deepEqual(
      ids(after.members.documents),
      [alice, bob, dave].map((u) => `${conversation}|${u.userId}`).sort(),
    );
    assert.deepEqual(ids(after.users.documents), [alice.userId, bob.userId].sort());
  });

  it('a removed member learns of its removal and receives nothing new', async () => {
    const [alice, bob] = [await user(), await user()];
    const conversation = await createGroup(alice, [bob]);
    const old = messageDoc(alice, conversation);
    await create(alice, 'messages', [old]);
    const start = {
      messages: await pullAll(bob, 'messages'),
      members: await pullAll(bob, 'members'),
      conversations: await pullAll(bob, 'conversations'),
    };
    const current = start.members.documents.find((d) => d.userId === bob.userId) as WireDocument;
    const removal = await push(alice, 'members', [
      { assumedMasterState: current, newDocumentState: { ...current, removed: true } },
    ]);
    assertAccepted(removal);
    // After the removal: a new message, an edit and a title change Bob must not see.
    await create(alice, 'messages', [messageDoc(alice, conversation)]);
    const storedOld = (await pullAll(alice, 'messages')).documents.find((d) => d.id === old.id);
    await push(alice, 'messages', [
      {
        assumedMasterState: storedOld as WireDocument,
        newDocumentState: resealed(alice, storedOld as WireDocument, 'edited'),
      },
    ]);
    const conv = (await pullAll(alice, 'conversations')).documents[0] as WireDocument;
    await push(alice, 'conversations', [
      { assumedMasterState: conv, newDocumentState: { ...conv, titleCiphertext: envelope('new') } },
    ]);

    const members = await pullAll(bob, 'members', start.members.checkpoint);
    assert.deepEqual(
      members.documents.map((d) => [d.userId, d.removed]),
      [[bob.userId, true]],
    );
    assert.deepEqual((await pullAll(bob, 'messages', start.messages.checkpoint)).documents, []);
    assert.deepEqual(
      (await pullAll(bob, 'conversations', start.conversations.checkpoint)).documents,
      [],
    );
    // Nor can Bob write there any more.
    const refused = await push(bob, 'messages', [
      { assumedMasterState: null, newDocumentState: messageDoc(bob, conversation) },
    ]);
    assert.equal(refused.rejected[0]?.code, 'NOT_MEMBER');
  });
});

describe('sync push authorization: each forbidden row refused alone, with its reason', () => {
  it('checks sender, membership, ownership, admin rights and direct conversations', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const direct = {
      id: randomUUID(),
      kind: 'direct',
      titleCiphertext: null,
      createdBy: alice.userId,
      directPeerId: bob.userId,
      _deleted: false,
    };
    await create(alice, 'conversations', [direct]);
    await acceptRequest(bob, direct.id);
    const aliceMessage = messageDoc(alice, group);
    await create(alice, 'messages', [aliceMessage]);
    const stored = (await pullAll(bob, 'messages')).documents.find(
      (d) => d.id === aliceMessage.id,
    ) as WireDocument;
    const bobMembers = (await pullAll(bob, 'members')).documents;
    const bobInGroup = bobMembers.find(
      (d) => d.conversationId === group && d.userId === bob.userId,
    ) as WireDocument;
    const groupDoc = (await pullAll(bob, 'conversations')).documents.find(
      (d) => d.id === group,
    ) as WireDocument;

    const good = messageDoc(bob, group);
    const cases: [string, WireDocument | null, WireDocument, string][] = [
      [
        'as another device',
        null,
        { ...messageDoc(bob, group), senderDeviceId: alice.deviceId },
        'WRONG_SENDER',
      ],
      [
        'into a foreign conversation',
        null,
        messageDoc(bob, await createGroup(carol, [])),
        'NOT_MEMBER',
      ],
      [
        'editing another user’s message',
        stored,
        { ...stored, envelope: envelope('x') },
        'NOT_OWNER',
      ],
      ['deleting another user’s message', stored, { ...stored, _deleted: true }, 'NOT_OWNER'],
    ];
    const answer = await push(bob, 'messages', [
      ...cases.map(([, assumedMasterState, newDocumentState]) => ({
        assumedMasterState,
        newDocumentState,
      })),
      { assumedMasterState: null, newDocumentState: good },
    ]);
    assert.deepEqual(answer.conflicts, []);
    assert.deepEqual(
      answer.rejected.map((r) => r.code),
      cases.map(([, , , code]) => code),
    );
    assert.ok(answer.rejected.every((r) => r.message.length > 0));
    assert.ok((await pullAll(alice, 'messages')).documents.some((d) => d.id === good.id));

    const membership = await push(bob, 'members', [
      { assumedMasterState: null, newDocumentState: memberDoc(group, carol.userId) },
      { assumedMasterState: bobInGroup, newDocumentState: { ...bobInGroup, role: 'admin' } },
      { assumedMasterState: null, newDocumentState: memberDoc(direct.id, carol.userId) },
    ]);
    assert.deepEqual(
      membership.rejected.map((r) => r.code),
      ['NOT_ADMIN', 'NOT_ADMIN', 'DIRECT_MEMBERS_FIXED'],
    );
    const title = await push(bob, 'conversations', [
      {
        assumedMasterState: groupDoc,
        newDocumentState: { ...groupDoc, titleCiphertext: envelope('t') },
      },
    ]);
    assert.deepEqual(
      title.rejected.map((r) => r.code),
      ['NOT_ADMIN'],
    );
    const aliceDirect = await push(alice, 'members', [
      { assumedMasterState: null, newDocumentState: memberDoc(direct.id, carol.userId) },
    ]);
    assert.deepEqual(
      aliceDirect.rejected.map((r) => r.code),
      ['DIRECT_MEMBERS_FIXED'],
    );
    const readOnly = await push(bob, 'users', [
      {
        assumedMasterState: null,
        newDocumentState: {
          id: bob.userId,
          username: 'x',
          displayName: 'y',
          identityPublicKey: null,
          _deleted: false,
        },
      },
    ]);
    assert.deepEqual(
      readOnly.rejected.map((r) => r.code),
      ['READ_ONLY'],
    );
    // Bob leaves by himself: allowed to a plain member.
    const leave = await push(bob, 'members', [
      { assumedMasterState: bobInGroup, newDocumentState: { ...bobInGroup, removed: true } },
    ]);
    assertAccepted(leave);
  });

  it('an admin makes a member admin, who then renames and adds; unmade, they are refused again', async () => {
    const [alice, bob, carol, dave] = [await user(), await user(), await user(), await user()];
    const group = await createGroup(alice, [bob, carol]);
    const memberRow = async (client: SyncClient, userId: string) =>
      (await pullAll(client, 'members')).documents.find(
        (d) => d.conversationId === group && d.userId === userId,
      ) as WireDocument;
    const bobRow = await memberRow(alice, bob.userId);
    const promoted = await push(alice, 'members', [
      { assumedMasterState: bobRow, newDocumentState: { ...bobRow, role: 'admin' } },
    ]);
    assertAccepted(promoted);
    assert.equal((await memberRow(carol, bob.userId)).role, 'admin');

    const conversation = (await pullAll(bob, 'conversations')).documents.find(
      (d) => d.id === group,
    ) as WireDocument;
    const renamed = { ...conversation, titleCiphertext: envelope('renamed by bob') };
    assertAccepted(
      await push(bob, 'conversations', [
        { assumedMasterState: conversation, newDocumentState: renamed },
      ]),
    );
    const carolRow = await memberRow(bob, carol.userId);
    assertAccepted(
      await push(bob, 'members', [
        { assumedMasterState: null, newDocumentState: memberDoc(group, dave.userId) },
        { assumedMasterState: carolRow, newDocumentState: { ...carolRow, role: 'admin' } },
      ]),
    );
    const seen = (await pullAll(carol, 'conversations')).documents.find((d) => d.id === group);
    assert.equal(seen?.titleCiphertext, renamed.titleCiphertext);

    // Carol, now an admin too, unmakes Bob; his next change is refused and changes nothing.
    const bobAdmin = await memberRow(carol, bob.userId);
    assertAccepted(
      await push(carol, 'members', [
        { assumedMasterState: bobAdmin, newDocumentState: { ...bobAdmin, role: 'member' } },
      ]),
    );
    const current = (await pullAll(bob, 'conversations')).documents.find(
      (d) => d.id === group,
    ) as WireDocument;
    const refused = await push(bob, 'conversations', [
      {
        assumedMasterState: current,
        newDocumentState: { ...current, titleCiphertext: envelope('again') },
      },
    ]);
    assert.deepEqual(
      refused.rejected.map((r) => r.code),
      ['NOT_ADMIN'],
    );
    const after = (await pullAll(alice, 'conversations')).documents.find((d) => d.id === group);
    assert.equal(after?.titleCiphertext, renamed.titleCiphertext);
  });

  it('returns the real master state on a stale assumedMasterState', async () => {
    const [alice] = [await user()];
    const group = await createGroup(alice, []);
    const message = messageDoc(alice, group);
    await create(alice, 'messages', [message]);
    const v1 = (await pullAll(alice, 'messages')).documents[0] as WireDocument;
    const two = resealed(alice, v1, 'two');
    await push(alice, 'messages', [{ assumedMasterState: v1, newDocumentState: two }]);
    const stale = await push(alice, 'messages', [
      { assumedMasterState: v1, newDocumentState: resealed(alice, v1, 'three') },
    ]);
    assert.equal(stale.conflicts.length, 1);
    assert.equal(stale.conflicts[0]?.envelope, two.envelope);
    assert.notEqual(stale.conflicts[0]?.rev, v1.rev);
  });
});

describe('sync push authorization of receipts and key envelopes', () => {
  const receipt = (conversationId: string, userId: string, readUpTo: string | null) => ({
    id: `${conversationId}|${userId}`,
    conversationId,
    userId,
    deliveredUpTo: readUpTo,
    readUpTo,
    _deleted: false,
  });

  it('a user writes only their own receipts, in their conversations, pointing at its messages', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const elsewhere = await createGroup(carol, []);
    const message = messageDoc(alice, group);
    await create(alice, 'messages', [message]);
    const foreignMessage = messageDoc(carol, elsewhere);
    await create(carol, 'messages', [foreignMessage]);

    const cases: [string, WireDocument, string][] = [
      ['for another user', receipt(group, alice.userId, message.id), 'FORBIDDEN'],
      ['in a foreign conversation', receipt(elsewhere, bob.userId, null), 'NOT_MEMBER'],
      [
        'naming a message of another conversation',
        receipt(group, bob.userId, foreignMessage.id),
        'INVALID_REFERENCE',
      ],
    ];
    const answer = await push(bob, 'receipts', [
      ...cases.map(([, newDocumentState]) => ({ assumedMasterState: null, newDocumentState })),
    ]);
    assert.deepEqual(
      answer.rejected.map((r) => r.code),
      cases.map(([, , code]) => code),
    );
    await create(bob, 'receipts', [receipt(group, bob.userId, message.id)]);
    const seenByAlice = (await pullAll(alice, 'receipts')).documents;
    assert.deepEqual(
      seenByAlice.map((d) => [d.userId, d.readUpTo]),
      [[bob.userId, message.id]],
    );
  });

  it('a receipt only moves forward: a device that knows less is answered with the later positions, and what it moved forward is kept', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    // One push each, so that each message has its own time.
    const sent: WireDocument[] = [];
    for (const text of ['first', 'second', 'third']) {
      const message = messageDoc(alice, group, text);
      await create(alice, 'messages', [message]);
      sent.push(message);
    }
    const [first, second, third] = sent.map((message) => message.id) as [string, string, string];
    const id = `${group}|${bob.userId}`;
    const positions = (delivered: string | null, read: string | null) => ({
      id,
      conversationId: group,
      userId: bob.userId,
      deliveredUpTo: delivered,
      readUpTo: read,
      _deleted: false,
    });
    const seenByAlice = async () =>
      (await pullAll(alice, 'receipts')).documents
        .filter((document) => document.id === id)
        .map((document) => [document.deliveredUpTo, document.readUpTo]);
    await create(bob, 'receipts', [positions(second, second)]);

    // Bob's new login, which has not pulled his receipt yet: it knows only the first message and
    // has read nothing. The server keeps the later positions and tells the device.
    const stale = await push(bob, 'receipts', [
      { assumedMasterState: null, newDocumentState: positions(first, null) },
    ]);
    assert.deepEqual(stale.rejected, []);
    assert.deepEqual(
      stale.conflicts.map((master) => [master.deliveredUpTo, master.readUpTo]),
      [[second, second]],
    );
    assert.deepEqual(await seenByAlice(), [[second, second]]);

    // The same device then receives the third message: delivery moves on, reading stays.
    const mixed = await push(bob, 'receipts', [
      { assumedMasterState: null, newDocumentState: positions(third, null) },
    ]);
    assert.deepEqual(
      mixed.conflicts.map((master) => [master.deliveredUpTo, master.readUpTo]),
      [[third, second]],
    );
    assert.deepEqual(await seenByAlice(), [[third, second]]);
    const pulledRev = (await pullAll(alice, 'receipts')).documents.find((d) => d.id === id)?.rev;
    assert.equal(mixed.conflicts[0]?.rev, pulledRev);
  });

  it('key envelopes come from the signed-in device, go to a current member device, and never change', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const keyEnvelope = (sender: SyncClient, recipient: SyncClient, epoch = 0) =>
      keyEnvelopeDoc(sender, recipient, group, epoch);
    const delivered = keyEnvelope(alice, bob);
    await create(alice, 'keyEnvelopes', [delivered]);

    const cases: [string, WireDocument | null, WireDocument, string][] = [
      [
        'as another device',
        null,
        { ...keyEnvelope(alice, bob, 1), senderDeviceId: bob.deviceId },
        'WRONG_SENDER',
      ],
      ['to a device of a non-member', null, keyEnvelope(alice, carol, 1), 'INVALID_REFERENCE'],
      [
        'changing a delivered envelope',
        delivered,
        { ...delivered, envelope: keyEnvelope(alice, bob).envelope },
        'IMMUTABLE_FIELD',
      ],
    ];
    const answer = await push(alice, 'keyEnvelopes', [
      ...cases.map(([, assumedMasterState, newDocumentState]) => ({
        assumedMasterState,
        newDocumentState,
      })),
    ]);
    assert.deepEqual(
      answer.rejected.map((r) => r.code),
      cases.map(([, , , code]) => code),
    );
    const fromOutside = await push(carol, 'keyEnvelopes', [
      { assumedMasterState: null, newDocumentState: keyEnvelope(carol, bob, 1) },
    ]);
    assert.deepEqual(
      fromOutside.rejected.map((r) => r.code),
      ['NOT_MEMBER'],
    );

    const bobsEnvelopes = (await pullAll(bob, 'keyEnvelopes')).documents;
    assert.deepEqual(
      bobsEnvelopes.map((d) => [d.id, d.envelope]),
      [[delivered.id, delivered.envelope]],
    );
    assert.deepEqual((await pullAll(carol, 'keyEnvelopes')).documents, []);
  });
});

describe('sync idempotence', () => {
  it('stores a repeated push once and answers it without a conflict', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const rows = [messageDoc(alice, group), messageDoc(alice, group)].map((newDocumentState) => ({
      assumedMasterState: null,
      newDocumentState,
    }));
    const answers = await Promise.all([1, 2, 3].map(() => push(alice, 'messages', rows)));
    for (const answer of answers) assertAccepted(answer);
    assertAccepted(await push(alice, 'messages', rows));
    const { rows: counted } = await suite.server.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1',
      [group],
    );
    assert.equal(counted[0]?.n, 2);
    // An edit retried with its now stale assumed state is no conflict either.
    const v1 = (await pullAll(bob, 'messages')).documents[0] as WireDocument;
    const edit = [{ assumedMasterState: v1, newDocumentState: resealed(alice, v1, 'e') }];
    assertAccepted(await push(alice, 'messages', edit));
    assertAccepted(await push(alice, 'messages', edit));
  });
  it('answers a retried push (its first answer lost) with the server’s fields of every row, though nothing is written again', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const messages = [messageDoc(alice, group), messageDoc(alice, group)];
    const receipt = {
      id: `${group}|${alice.userId}`,
      conversationId: group,
      userId: alice.userId,
      deliveredUpTo: messages[1]?.id as string,
      readUpTo: null,
      _deleted: false,
    };
    const asNew = (documents: WireDocument[]) =>
      documents.map((newDocumentState) => ({ assumedMasterState: null, newDocumentState }));
    // The first pushes commit; their answers are never read (lost on the way back).
    await push(alice, 'messages', asNew(messages));
    await push(alice, 'receipts', asNew([receipt]));
    // A pull meanwhile carries the stored rows.
    const pulled = (await pullAll(alice, 'messages')).documents;
    const pulledReceipt = (await pullAll(alice, 'receipts')).documents.find(
      (document) => document.id === receipt.id,
    );
    // The retried pushes change nothing, and still say what the server stored for each row.
    const retried = await push(alice, 'messages', asNew(messages));
    assertAccepted(retried);
    assert.deepEqual(
      [...retried.stored].sort((a, b) => a.id.localeCompare(b.id)),
      messages
        .map((message) => pulled.find((document) => document.id === message.id) as WireDocument)
        .map(({ id, rev, createdAt, editedAt }) => ({ id, rev, createdAt, editedAt }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    );
    const retriedReceipt = await push(alice, 'receipts', asNew([receipt]));
    assertAccepted(retriedReceipt);
    assert.deepEqual(retriedReceipt.stored, [{ id: receipt.id, rev: pulledReceipt?.rev }]);
    const { rows: counted } = await suite.server.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1',
      [group],
    );
    assert.equal(counted[0]?.n, 2);
  });
});

describe('compact push rows', () => {
  it('a row without assumedMasterState, _deleted and its own senderDeviceId is stored in full', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const { senderDeviceId, _deleted, ...compact } = messageDoc(alice, group, 'compact');
    assert.equal(senderDeviceId, alice.deviceId);
    const answer = await emit<PushResponse>(alice.socket, 'push', {
      collection: 'messages',
      rows: [{ newDocumentState: compact }],
    });
    assertAccepted(answer);
    const [stored] = (await pullAll(bob, 'messages')).documents;
    assert.equal(stored?.id, compact.id);
    assert.equal(stored?.senderDeviceId, alice.deviceId);
    assert.equal(stored?._deleted, false);
    assert.equal(stored?.envelope, compact.envelope);
    // The answer carried what the server set, so the client need not wait for its echo.
    assert.deepEqual(answer.stored, [
      { id: compact.id, rev: stored?.rev, createdAt: stored?.createdAt, editedAt: null },
    ]);
  });

  it('a field that is present must still be valid: _deleted null or another sender is refused', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const withNull = await emit<{ error?: { code: string } }>(alice.socket, 'push', {
      collection: 'messages',
      rows: [{ newDocumentState: { ...messageDoc(alice, group), _deleted: null } }],
    });
    assert.equal(withNull.error?.code, 'VALIDATION_FAILED');
    const asBob = { ...messageDoc(alice, group), senderDeviceId: bob.deviceId };
    const answer = await push(alice, 'messages', [
      { assumedMasterState: null, newDocumentState: asBob },
    ]);
    assert.deepEqual(
      answer.rejected.map((row) => row.code),
      ['WRONG_SENDER'],
    );
    assert.equal((await pullAll(bob, 'messages')).documents.length, 0);
  });
});

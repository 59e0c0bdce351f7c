import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { PresenceEvent, TypingEvent } from '@anochat/schemas/rxdb/ephemeral';
import type { CollectionName, PushResponse, WireDocument } from '@anochat/schemas/rxdb/sync';
import { horizonPassed } from '@anochat/test-support/e2e-user';
import { countRows, useSyncServer } from '@anochat/test-support/suite';
import {
  acceptRequest,
  assertAccepted,
  connectSocket,
  create,
  createGroup,
  emit,
  eventually,
  groupDoc,
  memberDoc,
  messageDoc,
  pullAll,
  push,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';

/**
 * Contact with consent (docs/protocol.md, "Message requests and blocks"): whoever knows a username
 * can ask, but what they then see and send waits for the other person's acceptance, a block stops
 * them, and quotas bound how many they can ask. Small quotas here, so that the quota test reaches
 * them; every other test stays under them with fresh users.
 */
const QUOTAS = { conversations: 5, requests: 3 };
const suite = useSyncServer({
  // Who may see whose presence is tested here, not when: told at once, without the grace period.
  PRESENCE_OFFLINE_GRACE_MS: '0',
  DATABASE_POOL_MAX: '8',
  RATE_LIMIT_PER_IP: '1000',
  SYNC_CONVERSATIONS_PER_HOUR: String(QUOTAS.conversations),
  SYNC_REQUESTS_PER_HOUR: String(QUOTAS.requests),
});

type Client = SyncClient & { presence: PresenceEvent[]; typing: TypingEvent[] };
const clients: Client[] = [];
after(() => {
  for (const client of clients) client.socket.close();
});

async function user(): Promise<Client> {
  const client = await syncUser(suite.server.baseUrl);
  const observed: Client = { ...client, presence: [], typing: [] };
  client.socket.on('presence', (event: PresenceEvent) => observed.presence.push(event));
  client.socket.on('typing', (event: TypingEvent) => observed.typing.push(event));
  clients.push(observed);
  return observed;
}

/** Everything `client` pulls of a collection from the start, once every commit so far is visible. */
async function everything(client: SyncClient, collection: CollectionName) {
  await horizonPassed(suite.server.pool);
  return (await pullAll(client, collection)).documents;
}

function directDoc(creator: SyncClient, peer: SyncClient): WireDocument {
  return {
    id: randomUUID(),
    kind: 'direct',
    titleCiphertext: null,
    createdBy: creator.userId,
    directPeerId: peer.userId,
    _deleted: false,
  };
}

const codes = (answer: PushResponse) => answer.rejected.map((row) => row.code);
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

/** The device (re)connects: a second socket on its token, closed after the suite. */
async function reconnect(client: SyncClient) {
  const presence: PresenceEvent[] = [];
  // Listening from the start: the server tells a new connection at once who is online.
  const socket = await connectSocket(suite.server.baseUrl, { token: client.token }, (created) =>
    created.on('presence', (event: PresenceEvent) => presence.push(event)),
  );
  clients.push({ ...client, socket, presence, typing: [] });
  return { socket, presence };
}

async function membershipOf(client: SyncClient, conversationId: string, userId: string) {
  const members = await everything(client, 'members');
  return members.find((row) => row.id === `${conversationId}|${userId}`);
}

describe('message requests', () => {
  it('a stranger’s first message waits until the recipient accepts; nothing is delivered or read before', async () => {
    const [alice, bob] = [await user(), await user()];
    const direct = directDoc(alice, bob);
    await create(alice, 'conversations', [direct]);
    const hello = messageDoc(alice, direct.id, 'hi, we met at the conference');
    await create(alice, 'messages', [hello]);

    // Bob sees the request: the conversation, who asks, and their profile; not the message.
    assert.deepEqual(
      (await everything(bob, 'conversations')).map((row) => row.id),
      [direct.id],
    );
    const mine = await membershipOf(bob, direct.id, bob.userId);
    assert.equal(mine?.accepted, false);
    assert.equal(mine?.invitedBy, alice.userId);
    assert.equal((await membershipOf(bob, direct.id, alice.userId))?.accepted, true);
    assert.ok((await everything(bob, 'users')).some((row) => row.id === alice.userId));
    assert.deepEqual(await everything(bob, 'messages'), []);

    // Until he accepts he can neither mark anything delivered or read, nor write.
    const receipt = {
      id: `${direct.id}|${bob.userId}`,
      conversationId: direct.id,
      userId: bob.userId,
      deliveredUpTo: hello.id,
      readUpTo: hello.id,
      _deleted: false,
    };
    const early = await push(bob, 'receipts', [
      { assumedMasterState: null, newDocumentState: receipt },
    ]);
    assert.deepEqual(codes(early), ['REQUEST_PENDING']);
    const reply = await push(bob, 'messages', [
      { assumedMasterState: null, newDocumentState: messageDoc(bob, direct.id) },
    ]);
    assert.deepEqual(codes(reply), ['REQUEST_PENDING']);
    assert.deepEqual(
      (await everything(alice, 'receipts')).filter((row) => row.userId === bob.userId),
      [],
    );

    await acceptRequest(bob, direct.id);
    assert.deepEqual(
      (await everything(bob, 'messages')).map((row) => row.id),
      [hello.id],
    );
    assertAccepted(
      await push(bob, 'receipts', [{ assumedMasterState: null, newDocumentState: receipt }]),
    );
    assertAccepted(
      await push(bob, 'messages', [
        { assumedMasterState: null, newDocumentState: messageDoc(bob, direct.id) },
      ]),
    );
    assert.equal((await membershipOf(alice, direct.id, bob.userId))?.accepted, true);
  });

  it('the sender sees neither the recipient’s devices nor presence before acceptance, and both after', async () => {
    const [alice, bob] = [await user(), await user()];
    const direct = directDoc(alice, bob);
    await create(alice, 'conversations', [direct]);
    const devicesOf = async (viewer: SyncClient, owner: SyncClient) =>
      (await everything(viewer, 'devices')).filter((row) => row.userId === owner.userId);

    assert.deepEqual(await devicesOf(alice, bob), []);
    // Bob comes online (a second connection of his device): Alice hears nothing, nor does he of her.
    const early = await reconnect(bob);
    await settle();
    assert.deepEqual(
      alice.presence.filter((event) => event.userId === bob.userId),
      [],
    );
    early.socket.close();
    await settle();
    assert.deepEqual(
      alice.presence.filter((event) => event.userId === bob.userId),
      [],
    );
    assert.deepEqual(early.presence, []);

    await acceptRequest(bob, direct.id);
    assert.deepEqual(
      (await devicesOf(alice, bob)).map((row) => row.id),
      [bob.deviceId],
    );
    // Both are online as he accepts: each learns it of the other at once, without reconnecting.
    await eventually(() => alice.presence.some((e) => e.userId === bob.userId && e.online));
    await eventually(() => bob.presence.some((e) => e.userId === alice.userId && e.online));
    // The same reconnection now announces him, and tells him that Alice is online.
    const later = await reconnect(bob);
    await eventually(() => later.presence.some((e) => e.userId === alice.userId && e.online));
    later.socket.close();
    bob.socket.close();
    await eventually(() =>
      alice.presence.some((event) => event.userId === bob.userId && !event.online),
    );
  });

  it('someone the recipient knows is accepted at once: a second direct conversation, a group invite', async () => {
    const [alice, bob] = [await user(), await user()];
    const first = directDoc(alice, bob);
    await create(alice, 'conversations', [first]);
    await acceptRequest(bob, first.id);

    const second = directDoc(alice, bob);
    await create(alice, 'conversations', [second]);
    assert.equal((await membershipOf(bob, second.id, bob.userId))?.accepted, true);
    const message = messageDoc(alice, second.id);
    await create(alice, 'messages', [message]);
    assert.ok((await everything(bob, 'messages')).some((row) => row.id === message.id));

    // Alice started the first conversation, so she knows Bob: his group invite needs no answer.
    const group = groupDoc(bob);
    await create(bob, 'conversations', [group]);
    await create(bob, 'members', [memberDoc(group.id, alice.userId)]);
    assert.equal((await membershipOf(alice, group.id, alice.userId))?.accepted, true);
  });

  it('a group invite from a stranger is a request; until accepted its member may only accept or leave', async () => {
    const [carol, bob, dave] = [await user(), await user(), await user()];
    const group = groupDoc(carol);
    await create(carol, 'conversations', [group]);
    await create(carol, 'members', [memberDoc(group.id, bob.userId, 'admin')]);
    const earlier = messageDoc(carol, group.id);
    await create(carol, 'messages', [earlier]);
    assert.deepEqual(await everything(bob, 'messages'), []);
    assert.equal((await membershipOf(bob, group.id, bob.userId))?.invitedBy, carol.userId);

    // Even as an invited admin Bob changes nothing before accepting.
    const conversation = (await everything(bob, 'conversations')).find(
      (row) => row.id === group.id,
    ) as WireDocument;
    const refused = await Promise.all([
      push(bob, 'members', [
        { assumedMasterState: null, newDocumentState: memberDoc(group.id, dave.userId) },
      ]),
      push(bob, 'conversations', [
        {
          assumedMasterState: conversation,
          newDocumentState: { ...conversation, titleCiphertext: null },
        },
      ]),
    ]);
    assert.deepEqual(refused.map(codes), [['REQUEST_PENDING'], ['REQUEST_PENDING']]);

    // Declining is leaving; Carol sees him go, and nothing written in the group reaches him.
    const own = (await membershipOf(bob, group.id, bob.userId)) as WireDocument;
    assertAccepted(
      await push(bob, 'members', [
        { assumedMasterState: own, newDocumentState: { ...own, removed: true } },
      ]),
    );
    assert.equal((await membershipOf(carol, group.id, bob.userId))?.removed, true);
    await create(carol, 'messages', [messageDoc(carol, group.id)]);
    assert.deepEqual(await everything(bob, 'messages'), []);
  });

  it('a direct request may be declined (left), but an accepted direct conversation keeps its members', async () => {
    const [alice, bob, erin] = [await user(), await user(), await user()];
    const declined = directDoc(alice, bob);
    const accepted = directDoc(erin, bob);
    await create(alice, 'conversations', [declined]);
    await create(erin, 'conversations', [accepted]);
    await acceptRequest(bob, accepted.id);
    const leave = async (conversationId: string) => {
      const own = (await membershipOf(bob, conversationId, bob.userId)) as WireDocument;
      return push(bob, 'members', [
        { assumedMasterState: own, newDocumentState: { ...own, removed: true } },
      ]);
    };
    assertAccepted(await leave(declined.id));
    assert.deepEqual(codes(await leave(accepted.id)), ['DIRECT_MEMBERS_FIXED']);
    // A declined request stays declined: Alice writing on changes nothing for Bob.
    await create(alice, 'messages', [messageDoc(alice, declined.id)]);
    assert.deepEqual(
      (await everything(bob, 'messages')).filter((row) => row.conversationId === declined.id),
      [],
    );
  });

  it('one open request per person: another direct conversation waits until the first is answered', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const first = directDoc(alice, bob);
    await create(alice, 'conversations', [first]);
    const again = await push(alice, 'conversations', [
      { assumedMasterState: null, newDocumentState: directDoc(alice, bob) },
    ]);
    assert.deepEqual(codes(again), ['QUOTA_EXCEEDED']);
    assert.match(again.rejected[0]?.message ?? '', /still waits for their answer/);
    const twice = await push(alice, 'conversations', [
      { assumedMasterState: null, newDocumentState: directDoc(alice, carol) },
      { assumedMasterState: null, newDocumentState: directDoc(alice, carol) },
    ]);
    assert.deepEqual(codes(twice), ['QUOTA_EXCEEDED']);
    assert.equal((await everything(carol, 'conversations')).length, 1);

    // Bob declines; Alice may ask once more, and once he accepts she is known to him.
    const own = (await membershipOf(bob, first.id, bob.userId)) as WireDocument;
    assertAccepted(
      await push(bob, 'members', [
        { assumedMasterState: own, newDocumentState: { ...own, removed: true } },
      ]),
    );
    const third = directDoc(alice, bob);
    await create(alice, 'conversations', [third]);
    await acceptRequest(bob, third.id);
    const fourth = directDoc(alice, bob);
    await create(alice, 'conversations', [fourth]);
    assert.equal((await membershipOf(bob, fourth.id, bob.userId))?.accepted, true);
  });

  it('a member accepts only their own request, and cannot take an acceptance back', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const group = await createGroup(alice, [carol]);
    await create(alice, 'members', [memberDoc(group, bob.userId)]);
    const bobs = (await membershipOf(carol, group, bob.userId)) as WireDocument;
    // Carol (a member) and Alice (the admin) cannot accept for Bob: the server ignores it.
    for (const other of [carol, alice]) {
      const answer = await push(other, 'members', [
        { assumedMasterState: bobs, newDocumentState: { ...bobs, accepted: true } },
      ]);
      // The answer carries the server's fields, so the pushing device learns that nothing changed.
      assert.deepEqual(answer, {
        conflicts: [],
        rejected: [],
        stored: [{ id: bobs.id, accepted: false }],
      });
      assert.equal((await membershipOf(bob, group, bob.userId))?.accepted, false, other.userId);
    }
    await acceptRequest(bob, group);
    const own = (await membershipOf(bob, group, bob.userId)) as WireDocument;
    const undo = await push(bob, 'members', [
      { assumedMasterState: own, newDocumentState: { ...own, accepted: false } },
    ]);
    assert.deepEqual(undo, {
      conflicts: [],
      rejected: [],
      stored: [{ id: own.id, accepted: true }],
    });
    assert.equal((await membershipOf(bob, group, bob.userId))?.accepted, true);
  });
});

describe('blocks', () => {
  const blockDoc = (owner: SyncClient, blocked: SyncClient, deleted = false): WireDocument => ({
    id: `${owner.userId}|${blocked.userId}`,
    userId: owner.userId,
    blockedUserId: blocked.userId,
    _deleted: deleted,
  });

  it('a blocked user cannot start a conversation with the blocker or add them to a group', async () => {
    const [alice, bob] = [await user(), await user()];
    await create(bob, 'blocks', [blockDoc(bob, alice)]);
    const before = await countRows(suite.server, ['conversations', 'members']);
    const direct = await push(alice, 'conversations', [
      { assumedMasterState: null, newDocumentState: directDoc(alice, bob) },
    ]);
    assert.deepEqual(codes(direct), ['BLOCKED']);
    assert.deepEqual(await countRows(suite.server, ['conversations', 'members']), before);

    const group = await createGroup(alice, []);
    const add = await push(alice, 'members', [
      { assumedMasterState: null, newDocumentState: memberDoc(group, bob.userId) },
    ]);
    assert.deepEqual(codes(add), ['BLOCKED']);
    assert.equal((await membershipOf(alice, group, bob.userId)) ?? null, null);
    assert.deepEqual(
      (await everything(bob, 'conversations')).filter((row) => row.id === group),
      [],
    );
  });

  it('blocking leaves direct conversations and drops pending requests; the blocked user’s messages and typing stop, and they lose sight of devices and presence', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const direct = directDoc(alice, bob);
    await create(alice, 'conversations', [direct]);
    // Alice also invites Bob to a group while still a stranger: a request he has not answered.
    const invite = groupDoc(alice);
    await create(alice, 'conversations', [invite]);
    await create(alice, 'members', [memberDoc(invite.id, bob.userId)]);
    await acceptRequest(bob, direct.id);
    const group = await createGroup(carol, [alice, bob]);
    assert.ok((await everything(alice, 'devices')).some((row) => row.userId === bob.userId));

    await create(bob, 'blocks', [blockDoc(bob, alice)]);
    assert.equal((await membershipOf(bob, direct.id, bob.userId))?.removed, true);
    assert.equal((await membershipOf(bob, invite.id, bob.userId))?.removed, true);
    // The group Bob chose to be in with Alice stays as it is: he leaves it himself if he wants.
    assert.equal((await membershipOf(bob, group, bob.userId))?.removed, false);

    const afterBlock = messageDoc(alice, direct.id, 'are you there?');
    await create(alice, 'messages', [afterBlock]);
    assert.ok(!(await everything(bob, 'messages')).some((row) => row.id === afterBlock.id));

    // Typing in the shared group reaches Carol, not Bob.
    assert.deepEqual(await emit(alice.socket, 'typing', { conversationId: group, typing: true }), {
      ok: true,
    });
    await eventually(() => carol.typing.some((event) => event.userId === alice.userId));
    await settle();
    assert.deepEqual(
      bob.typing.filter((event) => event.userId === alice.userId),
      [],
    );

    // Bob's presence no longer reaches Alice, though it reaches Carol (both in the group).
    const seenBefore = alice.presence.length;
    const again = await reconnect(bob);
    bob.socket.close();
    again.socket.close();
    await eventually(() =>
      carol.presence.some((event) => event.userId === bob.userId && !event.online),
    );
    assert.deepEqual(
      alice.presence.slice(seenBefore).filter((event) => event.userId === bob.userId),
      [],
    );
  });

  it('a direct conversation left by a block shows the blocked user the blocker’s devices no more', async () => {
    const [alice, bob] = [await user(), await user()];
    const direct = directDoc(alice, bob);
    await create(alice, 'conversations', [direct]);
    await acceptRequest(bob, direct.id);
    const bobsDevices = async () =>
      (await everything(alice, 'devices')).filter((row) => row.userId === bob.userId);
    assert.equal((await bobsDevices()).length, 1);
    await create(bob, 'blocks', [blockDoc(bob, alice)]);
    // A pull from the start (a new device of Alice's) gets none of Bob's devices.
    assert.deepEqual(await bobsDevices(), []);
  });

  it('the block list is its owner’s alone; unblocking lets the other person ask again', async () => {
    const [alice, bob, mallory] = [await user(), await user(), await user()];
    await create(bob, 'blocks', [blockDoc(bob, alice)]);
    const forged = await push(mallory, 'blocks', [
      { assumedMasterState: null, newDocumentState: blockDoc(bob, mallory) },
      { assumedMasterState: null, newDocumentState: blockDoc(mallory, mallory) },
    ]);
    assert.deepEqual(codes(forged), ['FORBIDDEN', 'INVALID_ROW']);
    assert.deepEqual(await everything(alice, 'blocks'), []);
    assert.deepEqual(await everything(mallory, 'blocks'), []);
    const [stored] = await everything(bob, 'blocks');
    assert.equal(stored?.blockedUserId, alice.userId);

    assertAccepted(
      await push(bob, 'blocks', [
        {
          assumedMasterState: stored as WireDocument,
          newDocumentState: blockDoc(bob, alice, true),
        },
      ]),
    );
    assert.equal((await everything(bob, 'blocks'))[0]?._deleted, true);
    const direct = directDoc(alice, bob);
    await create(alice, 'conversations', [direct]);
    assert.equal((await membershipOf(bob, direct.id, bob.userId))?.accepted, false);
  });
});

describe('quotas on new conversations and requests', () => {
  it('requests above the hourly quota are refused with QUOTA_EXCEEDED and store nothing', async () => {
    const spammer = await user();
    const victims = await Promise.all(Array.from({ length: QUOTAS.requests + 2 }, () => user()));
    const before = await countRows(suite.server, ['conversations', 'members']);
    const answer = await push(
      spammer,
      'conversations',
      victims.map((victim) => ({
        assumedMasterState: null,
        newDocumentState: directDoc(spammer, victim),
      })),
    );
    assert.deepEqual(codes(answer), ['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED']);
    assert.match(answer.rejected[0]?.message ?? '', /at most 3 message requests an hour/);
    const after = await countRows(suite.server, ['conversations', 'members']);
    assert.deepEqual(after, {
      conversations: (before.conversations ?? 0) + QUOTAS.requests,
      members: (before.members ?? 0) + 2 * QUOTAS.requests,
    });
    const reached = await Promise.all(
      victims.map(async (victim) => (await everything(victim, 'conversations')).length),
    );
    assert.deepEqual(reached, [1, 1, 1, 0, 0]);

    // Group invites of strangers spend the same quota, which is now used up.
    const group = groupDoc(spammer);
    await create(spammer, 'conversations', [group]);
    const invite = await push(spammer, 'members', [
      {
        assumedMasterState: null,
        newDocumentState: memberDoc(group.id, (victims[4] as Client).userId),
      },
    ]);
    assert.deepEqual(codes(invite), ['QUOTA_EXCEEDED']);
  });

  it('new conversations above the hourly quota are refused, whoever they are with', async () => {
    const busy = await user();
    const groups = Array.from({ length: QUOTAS.conversations + 1 }, () => groupDoc(busy));
    const answer = await push(
      busy,
      'conversations',
      groups.map((newDocumentState) => ({ assumedMasterState: null, newDocumentState })),
    );
    assert.deepEqual(answer.rejected, [
      {
        id: (groups.at(-1) as WireDocument).id,
        code: 'QUOTA_EXCEEDED',
        message: `at most ${QUOTAS.conversations} new conversations an hour; retry later`,
      },
    ]);
    // A retry of a stored one is still answered (idempotence does not spend the quota).
    assertAccepted(
      await push(busy, 'conversations', [
        { assumedMasterState: null, newDocumentState: groups[0] as WireDocument },
      ]),
    );
  });
});

describe('the reported abuse, under the default quotas', () => {
  const defaults = useSyncServer({ DATABASE_POOL_MAX: '8', RATE_LIMIT_PER_IP: '1000' });
  const sockets: SyncClient[] = [];
  after(() => {
    for (const client of sockets) client.socket.close();
  });
  const someone = async () => {
    const client = await syncUser(defaults.server.baseUrl);
    sockets.push(client);
    return client;
  };
  const conversationsOf = async (client: SyncClient) => {
    await horizonPassed(defaults.server.pool);
    return (await pullAll(client, 'conversations')).documents.length;
  };

  it('300 chats opened at one person reach them as one request; 25 people reached by one sender get 20', async () => {
    const [spammer, victim] = [await someone(), await someone()];
    let stored = 0;
    for (let batch = 0; batch < 3; batch += 1) {
      const answer = await push(
        spammer,
        'conversations',
        Array.from({ length: 100 }, () => ({
          assumedMasterState: null,
          newDocumentState: directDoc(spammer, victim),
        })),
      );
      stored += 100 - answer.rejected.length;
    }
    assert.equal(stored, 1);
    assert.equal(await conversationsOf(victim), 1);

    const sender = await someone();
    const people = await Promise.all(Array.from({ length: 25 }, () => someone()));
    const answer = await push(
      sender,
      'conversations',
      people.map((person) => ({
        assumedMasterState: null,
        newDocumentState: directDoc(sender, person),
      })),
    );
    assert.deepEqual(codes(answer), Array(5).fill('QUOTA_EXCEEDED'));
    const reached = await Promise.all(people.map(conversationsOf));
    assert.equal(reached.filter((count) => count === 1).length, 20);
  });
});

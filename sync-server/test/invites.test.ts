import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import {
  type CreateInviteResponse,
  createInviteResponse,
  inviteListResponse,
  openInviteResponse,
  redeemInviteResponse,
} from '@anochat/schemas/api/invites';
import type { CollectionName, WireDocument } from '@anochat/schemas/rxdb/sync';
import { assertError, request } from '@anochat/test-support/api';
import { horizonPassed } from '@anochat/test-support/e2e-user';
import { countRows, useSyncServer } from '@anochat/test-support/suite';
import {
  assertAccepted,
  create,
  createGroup,
  eventually,
  groupDoc,
  keyEnvelopeDoc,
  messageDoc,
  pullAll,
  push,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';

const PER_USER = 8;
const suite = useSyncServer({
  RATE_LIMIT_PER_IP: '100000',
  RATE_LIMIT_PER_USERNAME: String(PER_USER),
  RATE_LIMIT_WINDOW_SECONDS: '600',
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

const call = (client: SyncClient | undefined, method: string, path: string, body?: unknown) =>
  request(url(), method, path, {
    ...(body === undefined ? {} : { body }),
    ...(client === undefined ? {} : { token: client.token }),
  });

async function invite(maker: SyncClient, body: unknown = {}): Promise<CreateInviteResponse> {
  const answer = await call(maker, 'POST', '/api/invites', body);
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return createInviteResponse.parse(answer.body);
}
const open = (client: SyncClient, token: unknown) =>
  call(client, 'POST', '/api/invites/open', { token });
const redeem = (client: SyncClient, token: unknown) =>
  call(client, 'POST', '/api/invites/redeem', { token });

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

async function block(owner: SyncClient, blocked: SyncClient): Promise<void> {
  await create(owner, 'blocks', [
    {
      id: `${owner.userId}|${blocked.userId}`,
      userId: owner.userId,
      blockedUserId: blocked.userId,
      _deleted: false,
    },
  ]);
}

/** The peer's membership in a direct conversation `creator` starts with them. */
async function peerAcceptance(creator: SyncClient, peer: SyncClient): Promise<boolean> {
  const direct = directDoc(creator, peer);
  await create(creator, 'conversations', [direct]);
  const members = await everything(creator, 'members');
  const row = members.find((member) => member.id === `${direct.id}|${peer.userId}`);
  assert.ok(row, 'the peer is a member');
  return row.accepted as boolean;
}

describe('invites to a direct conversation', () => {
  it('are random 256-bit tokens of which the server keeps only a hash', async () => {
    const alice = await user();
    const first = await invite(alice);
    const second = await invite(alice, { expiresInHours: 2 });
    assert.equal(first.token.length, 43);
    assert.notEqual(first.token, second.token);
    assert.equal(first.invite.conversationId, null);
    assert.equal(first.invite.revokedAt, null);
    const hours =
      (Date.parse(second.invite.expiresAt) - Date.parse(second.invite.createdAt)) / 3_600_000;
    assert.equal(hours, 2);
    const week = Date.parse(first.invite.expiresAt) - Date.parse(first.invite.createdAt);
    assert.equal(week, 7 * 24 * 3_600_000);
    const { rows } = await suite.server.pool.query<Record<string, unknown>>(
      'SELECT * FROM invites WHERE id = $1',
      [first.invite.id],
    );
    const stored = rows[0] ?? {};
    assert.deepEqual(stored.token_hash, createHash('sha256').update(first.token, 'utf8').digest());
    const anywhere = JSON.stringify(stored);
    assert.ok(!anywhere.includes(first.token), 'the token itself is not stored');
    const listed = await call(alice, 'GET', '/api/invites');
    assert.equal(listed.status, 200);
    assert.deepEqual(
      inviteListResponse.parse(listed.body).invites.map((listedInvite) => listedInvite.id),
      [second.invite.id, first.invite.id],
    );
  });

  it('tell who invites, and make the direct conversation the holder starts no message request', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const { token } = await invite(alice);
    const opened = await open(bob, token);
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const profile = {
      id: alice.userId,
      username: alice.account?.username,
      displayName: alice.account?.session.user.displayName,
      identityPublicKey: alice.account?.session.user.identityPublicKey,
    };
    assert.deepEqual(openInviteResponse.parse(opened.body), {
      kind: 'direct',
      inviter: profile,
      conversationId: null,
      expiresAt: (opened.body as { expiresAt: string }).expiresAt,
    });
    const redeemed = await redeem(bob, token);
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    assert.deepEqual(redeemInviteResponse.parse(redeemed.body), {
      kind: 'direct',
      inviter: profile,
      conversationId: null,
    });
    assert.equal(await peerAcceptance(bob, alice), true);
    // Someone who did not use the invite still asks.
    assert.equal(await peerAcceptance(carol, alice), false);
  });

  it('stop working once revoked or expired, and then count for nothing', async () => {
    const [alice, dave, erin, frank] = [await user(), await user(), await user(), await user()];
    const revoked = await invite(alice);
    assert.equal((await redeem(dave, revoked.token)).status, 200);
    const answer = await call(alice, 'DELETE', `/api/invites/${revoked.invite.id}`);
    assert.equal(answer.status, 204);
    // Revoking again changes nothing.
    assert.equal((await call(alice, 'DELETE', `/api/invites/${revoked.invite.id}`)).status, 204);
    assertError(await open(erin, revoked.token), 410, 'INVITE_REVOKED');
    assertError(await redeem(erin, revoked.token), 410, 'INVITE_REVOKED');
    // Dave used it before, but it no longer vouches for him.
    assert.equal(await peerAcceptance(dave, alice), false);

    const expired = await invite(alice, { expiresInHours: 1 });
    assert.equal((await redeem(frank, expired.token)).status, 200);
    await suite.server.pool.query(
      `UPDATE invites SET created_at = now() - interval '2 hours',
                          expires_at = now() - interval '1 second' WHERE id = $1`,
      [expired.invite.id],
    );
    assertError(await open(erin, expired.token), 410, 'INVITE_EXPIRED');
    assertError(await redeem(erin, expired.token), 410, 'INVITE_EXPIRED');
    assert.equal(await peerAcceptance(frank, alice), false);
    const listed = inviteListResponse.parse((await call(alice, 'GET', '/api/invites')).body);
    assert.deepEqual(listed.invites, []);
  });

  it('are revoked only by their maker; an unknown or malformed id is 404', async () => {
    const [alice, mallory] = [await user(), await user()];
    const { invite: made, token } = await invite(alice);
    assertError(await call(mallory, 'DELETE', `/api/invites/${made.id}`), 404, 'NOT_FOUND');
    assertError(await call(alice, 'DELETE', `/api/invites/${randomUUID()}`), 404, 'NOT_FOUND');
    assertError(await call(alice, 'DELETE', '/api/invites/not-a-uuid'), 404, 'NOT_FOUND');
    assertError(await call(undefined, 'DELETE', `/api/invites/${made.id}`), 401, 'UNAUTHENTICATED');
    assert.equal((await open(mallory, token)).status, 200);
  });

  it('answer 404 for an unknown token and refuse one’s own direct invite', async () => {
    const alice = await user();
    const { token } = await invite(alice);
    assertError(await open(alice, randomBytes(32).toString('base64url')), 404, 'NOT_FOUND');
    assertError(await redeem(alice, randomBytes(32).toString('base64url')), 404, 'NOT_FOUND');
    assertError(await redeem(alice, token), 400, 'VALIDATION_FAILED');
  });

  it('are refused to anyone blocked by their maker or blocking them', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const { token } = await invite(alice);
    await block(bob, alice);
    await block(alice, carol);
    for (const holder of [bob, carol]) {
      assertError(await open(holder, token), 403, 'BLOCKED');
      assertError(await redeem(holder, token), 403, 'BLOCKED');
    }
    // A refused use leaves nothing behind.
    const recorded = await suite.server.pool.query(
      'SELECT 1 FROM invite_redemptions WHERE user_id = ANY($1::uuid[])',
      [[bob.userId, carol.userId]],
    );
    assert.equal(recorded.rows.length, 0);
  });
});

describe('invites into a group', () => {
  it('are made by its admins only', async () => {
    const [alice, bob, stranger] = [await user(), await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const made = await invite(alice, { conversationId: group });
    assert.equal(made.invite.conversationId, group);
    assertError(
      await call(bob, 'POST', '/api/invites', { conversationId: group }),
      403,
      'NOT_ADMIN',
    );
    assertError(
      await call(stranger, 'POST', '/api/invites', { conversationId: group }),
      404,
      'NOT_FOUND',
    );
    assertError(
      await call(alice, 'POST', '/api/invites', { conversationId: randomUUID() }),
      404,
      'NOT_FOUND',
    );
    const direct = directDoc(alice, bob);
    await create(alice, 'conversations', [direct]);
    assertError(
      await call(alice, 'POST', '/api/invites', { conversationId: direct.id }),
      404,
      'NOT_FOUND',
    );
  });

  it('make the holder an accepted member, who receives the group and takes keys from the epoch’s owner like any added member', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const group = await createGroup(alice, [bob]);
    await create(alice, 'keyEnvelopes', [keyEnvelopeDoc(alice, bob, group)]);
    const before = messageDoc(alice, group, 'said before Carol came');
    await create(alice, 'messages', [before]);
    const { token } = await invite(alice, { conversationId: group });
    // Alice's device is live on members (it pulled to the end), as an app is.
    await everything(alice, 'members');

    const opened = openInviteResponse.parse((await open(carol, token)).body);
    assert.equal(opened.kind, 'group');
    assert.equal(opened.conversationId, group);
    const answer = await redeem(carol, token);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(redeemInviteResponse.parse(answer.body).conversationId, group);

    const members = await everything(carol, 'members');
    const mine = members.find((row) => row.id === `${group}|${carol.userId}`);
    assert.deepEqual(
      { role: mine?.role, removed: mine?.removed, accepted: mine?.accepted, by: mine?.invitedBy },
      { role: 'member', removed: false, accepted: true, by: alice.userId },
    );
    // The group's history reaches her as it reaches any added member: as ciphertext.
    const messages = await everything(carol, 'messages');
    assert.deepEqual(
      messages.map((row) => row.id),
      [before.id],
    );
    // Alice's device is told at once (the live stream), and the device that owns epoch 0 (hers)
    // wraps the key for Carol's device; the server holds no key and wraps none itself.
    await eventually(() =>
      alice.streams.some(
        (event) =>
          'documents' in event &&
          event.documents.some((row) => row.id === `${group}|${carol.userId}`),
      ),
    );
    const { rows } = await suite.server.pool.query(
      'SELECT 1 FROM key_envelopes WHERE recipient_device_id = $1',
      [carol.deviceId],
    );
    assert.equal(rows.length, 0);
    const taken = await push(bob, 'keyEnvelopes', [
      { assumedMasterState: null, newDocumentState: keyEnvelopeDoc(bob, carol, group) },
    ]);
    assert.deepEqual(
      taken.rejected.map((row) => row.code),
      ['EPOCH_TAKEN'],
    );
    await create(alice, 'keyEnvelopes', [keyEnvelopeDoc(alice, carol, group)]);
    assertAccepted(
      await push(carol, 'messages', [
        { assumedMasterState: null, newDocumentState: messageDoc(carol, group, 'hello all') },
      ]),
    );
    // Using the invite again changes nothing.
    const again = await redeem(carol, token);
    assert.equal(again.status, 200);
  });

  it('are void once their maker no longer administers the group, and refused to whom the maker blocks', async () => {
    const [alice, bob, carol, dave] = [await user(), await user(), await user(), await user()];
    const group = await createGroup(alice, [bob]);
    // Bob becomes an admin, makes an invite, and is made a member again.
    const members = await everything(alice, 'members');
    const bobs = members.find((row) => row.id === `${group}|${bob.userId}`) as WireDocument;
    assertAccepted(
      await push(alice, 'members', [
        { assumedMasterState: bobs, newDocumentState: { ...bobs, role: 'admin' } },
      ]),
    );
    const { token } = await invite(bob, { conversationId: group });
    const alices = await invite(alice, { conversationId: group });
    await block(alice, dave);
    assertError(await redeem(dave, alices.token), 403, 'BLOCKED');
    const promoted = (await everything(alice, 'members')).find(
      (row) => row.id === `${group}|${bob.userId}`,
    ) as WireDocument;
    assertAccepted(
      await push(alice, 'members', [
        { assumedMasterState: promoted, newDocumentState: { ...promoted, role: 'member' } },
      ]),
    );
    const before = await countRows(suite.server, ['members', 'invite_redemptions']);
    assertError(await open(carol, token), 410, 'INVITE_REVOKED');
    assertError(await redeem(carol, token), 410, 'INVITE_REVOKED');
    assert.deepEqual(await countRows(suite.server, ['members', 'invite_redemptions']), before);
  });

  it('of a deleted group are void', async () => {
    const [alice, carol] = [await user(), await user()];
    const conversation = groupDoc(alice);
    await create(alice, 'conversations', [conversation]);
    const { token } = await invite(alice, { conversationId: conversation.id });
    const stored = (await everything(alice, 'conversations')).find(
      (row) => row.id === conversation.id,
    ) as WireDocument;
    assertAccepted(
      await push(alice, 'conversations', [
        { assumedMasterState: stored, newDocumentState: { ...stored, _deleted: true } },
      ]),
    );
    assertError(await redeem(carol, token), 410, 'INVITE_REVOKED');
  });
});

describe('invite routes refuse bad input', () => {
  it('with 400 for every malformed body and 401 without a session', async () => {
    const alice = await user();
    const { token } = await invite(alice);
    const badCreates: [string, unknown][] = [
      ['an unknown field', { conversationId: null, forever: true }],
      ['a conversation id that is no uuid', { conversationId: 'group-1' }],
      ['no hours', { expiresInHours: 0 }],
      ['too many hours', { expiresInHours: 721 }],
      ['a fraction of an hour', { expiresInHours: 1.5 }],
      ['hours as text', { expiresInHours: '24' }],
      ['an array', []],
    ];
    for (const [name, body] of badCreates) {
      const answer = await call(alice, 'POST', '/api/invites', body);
      assert.equal(answer.status, 400, name);
      assertError(answer, 400, 'VALIDATION_FAILED');
    }
    const badTokens: [string, unknown][] = [
      ['no token', {}],
      ['a short token', { token: token.slice(1) }],
      ['a padded token', { token: `${token}=` }],
      ['standard base64', { token: `+/${token.slice(2)}` }],
      ['a number', { token: 42 }],
      ['an unknown field', { token, join: true }],
    ];
    for (const path of ['/api/invites/open', '/api/invites/redeem']) {
      for (const [name, body] of badTokens) {
        const answer = await call(alice, 'POST', path, body);
        assert.equal(answer.status, 400, `${path}: ${name}`);
        assertError(answer, 400, 'VALIDATION_FAILED');
      }
      assertError(await call(alice, 'POST', path, 'not json'), 400, 'MALFORMED_JSON');
      assertError(await call(undefined, 'POST', path, { token }), 401, 'UNAUTHENTICATED');
    }
    assertError(await call(undefined, 'POST', '/api/invites', {}), 401, 'UNAUTHENTICATED');
    assertError(await call(undefined, 'GET', '/api/invites'), 401, 'UNAUTHENTICATED');
  });

  it('rate-limit opening and using invites per user', async () => {
    const [alice, guesser] = [await user(), await user()];
    await invite(alice);
    for (let i = 0; i < PER_USER; i += 1) {
      assertError(await open(guesser, randomBytes(32).toString('base64url')), 404, 'NOT_FOUND');
    }
    const limited = await redeem(guesser, randomBytes(32).toString('base64url'));
    assertError(limited, 429, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });
});

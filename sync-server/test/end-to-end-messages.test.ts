import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  createDeviceRevocation,
  decodeBase64,
  encodeBase64,
  MESSAGE_HEADER_BYTES,
  newDeviceKeys,
  openKeyEnvelope,
  wrapConversationKey,
} from '@anochat/protocol';
import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { request } from '@anochat/test-support/api';
import {
  type E2eUser,
  keysOf,
  loginWithPassword,
  membershipView,
  nacl,
  openRow,
  pulled,
  readConversation,
  receiveKeys,
  sealedRow,
  send,
  startEpoch,
  suiteUsers,
  textsOf,
} from '@anochat/test-support/e2e-user';
import { uuidv7 } from '@anochat/test-support/ids';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  assertAccepted,
  connectSocket,
  createGroup,
  push,
} from '@anochat/test-support/sync-client';

/**
 * The server verifies but never reads: every forged or malformed envelope is refused by the server
 * with its reason, row by row, and the same bytes are refused by the receiving client's
 * openMessage / openKeyEnvelope. Real PostgreSQL, crypto-native gRPC, socket.io, protocol module.
 */

const suite = useSyncServer({ SYNC_TEST_PUSH_DELAY_MAX_MS: '0' });
const url = () => suite.server.baseUrl;

const people = suiteUsers(() => suite.server, 'pw');
const newUser = people.register;

/** The envelope of a row with one bit flipped at `offset` (negative: from the end). */
function flipped(row: WireDocument, offset: number): WireDocument {
  const bytes = decodeBase64(row.envelope as string) as Uint8Array;
  const at = offset < 0 ? bytes.length + offset : offset;
  bytes[at] = (bytes[at] as number) ^ 0x01;
  return { ...row, envelope: encodeBase64(bytes) };
}

const newRow = (newDocumentState: WireDocument) => ({ assumedMasterState: null, newDocumentState });

describe('messages: the server refuses forgeries row by row, and so does the receiving client', () => {
  let alice: E2eUser;
  let bob: E2eUser;
  let group: string;
  let other: string;
  before(async () => {
    [alice, bob] = [await newUser('alice'), await newUser('bob')];
    group = await createGroup(alice.sync, [bob.sync]);
    other = await createGroup(alice.sync, [bob.sync]);
    for (const conversation of [group, other]) {
      assert.deepEqual((await startEpoch(alice, conversation, 0)).rejected, []);
    }
    assert.ok((await receiveKeys(bob)).every((result) => result.ok));
  });

  it('a sealed message goes through and opens on the other side', async () => {
    await send(alice, group, { type: 'text', text: 'hello Bob' });
    assert.deepEqual(textsOf(await readConversation(bob, group)), ['hello Bob']);
  });

  it('each forged row is refused with its code; the good row of the same batch is stored', async () => {
    const stored = await send(alice, group, { type: 'text', text: 'already sent' });
    const good = sealedRow(alice, group, { type: 'text', text: 'good one' });
    const fresh = () => sealedRow(alice, group, { type: 'text', text: 'forged' });
    const mallory = newDeviceKeys(nacl);
    const cases: [name: string, row: WireDocument, server: string, client: string][] = [
      ['tampered ciphertext', flipped(fresh(), -1), 'BAD_SIGNATURE', 'BAD_SIGNATURE'],
      [
        'tampered signature',
        flipped(fresh(), MESSAGE_HEADER_BYTES - 1),
        'BAD_SIGNATURE',
        'BAD_SIGNATURE',
      ],
      [
        'moved to another conversation',
        { ...fresh(), conversationId: other },
        'BAD_SIGNATURE',
        'BAD_SIGNATURE',
      ],
      ['replayed under another id', { ...stored, id: uuidv7() }, 'BAD_SIGNATURE', 'BAD_SIGNATURE'],
      [
        'signed by a key that is not the device’s',
        sealedRow(
          { ...alice, sync: { ...alice.sync, device: { ...alice.sync.device, ...mallory } } },
          group,
          {
            type: 'text',
            text: 'from mallory',
          },
        ),
        'BAD_SIGNATURE',
        'BAD_SIGNATURE',
      ],
      [
        'sealed by another device than the row names',
        {
          ...sealedRow(bob, group, { type: 'text', text: 'bob' }),
          senderDeviceId: alice.sync.deviceId,
        },
        'BAD_SIGNATURE',
        'BAD_SIGNATURE',
      ],
      [
        'truncated',
        { ...fresh(), envelope: encodeBase64(new Uint8Array(60).fill(1)) },
        'MALFORMED_ENVELOPE',
        'MALFORMED',
      ],
      ['of an unknown version', flipped(fresh(), 0), 'MALFORMED_ENVELOPE', 'UNSUPPORTED_VERSION'],
    ];
    const answer = await push(alice.sync, 'messages', [
      ...cases.map(([, row]) => newRow(row)),
      newRow(good),
    ]);
    assert.deepEqual(answer.conflicts, []);
    assert.deepEqual(
      answer.rejected.map(({ id, code }) => [id, code]),
      cases.map(([, row, code]) => [row.id, code]),
    );
    for (const rejected of answer.rejected) assert.ok(rejected.message.length > 0);

    const view = await membershipView(bob, group);
    for (const [name, row, , clientCode] of cases) {
      const opened = openRow(bob, row, view);
      assert.equal(opened.ok ? 'opened' : opened.error.code, clientCode, name);
    }
    const texts = textsOf(await readConversation(bob, group));
    assert.ok(texts.includes('good one'));
    assert.ok(!texts.includes('forged') && !texts.includes('from mallory'));
  });

  it('an edit in place must be sealed and signed by the sending device; a deletion needs no signature', async () => {
    const original = await send(alice, group, { type: 'text', text: 'typo' });
    const [stored] = (await pulled(alice, 'messages')).documents.filter(
      (d) => d.id === original.id,
    );
    assert.ok(stored);
    const forgedEdit = flipped(
      sealedRow(alice, group, { type: 'text', text: 'fixed' }, { id: original.id }),
      -1,
    );
    const refused = await push(alice.sync, 'messages', [
      { assumedMasterState: stored, newDocumentState: forgedEdit },
    ]);
    assert.deepEqual(
      refused.rejected.map((r) => r.code),
      ['BAD_SIGNATURE'],
    );
    const edit = sealedRow(alice, group, { type: 'text', text: 'fixed' }, { id: original.id });
    assertAccepted(
      await push(alice.sync, 'messages', [{ assumedMasterState: stored, newDocumentState: edit }]),
    );
    const [edited] = (await pulled(alice, 'messages')).documents.filter(
      (d) => d.id === original.id,
    );
    const deletion = { ...(edited as WireDocument), envelope: 'AA==', _deleted: true };
    assertAccepted(
      await push(alice.sync, 'messages', [
        { assumedMasterState: edited as WireDocument, newDocumentState: deletion },
      ]),
    );
    const texts = textsOf(await readConversation(bob, group));
    assert.ok(!texts.includes('typo') && !texts.includes('fixed'));
  });
});

describe('devices: uncertified and revoked senders', () => {
  it('a device without a certificate cannot send; clients do not trust it either', async () => {
    const [alice, dave] = [await newUser('alice'), await newUser('dave')];
    const group = await createGroup(alice.sync, [dave.sync]);
    await startEpoch(alice, group, 0);
    await receiveKeys(dave);
    // A device from before end-to-end encryption (the column is nullable for those).
    await suite.server.pool.query('UPDATE devices SET certificate = NULL WHERE id = $1', [
      dave.sync.deviceId,
    ]);
    const row = sealedRow(dave, group, { type: 'text', text: 'from an uncertified device' });
    const answer = await push(dave.sync, 'messages', [newRow(row)]);
    assert.deepEqual(
      answer.rejected.map((r) => [r.id, r.code]),
      [[row.id, 'UNCERTIFIED_DEVICE']],
    );
    const opened = openRow(alice, row, await membershipView(alice, group));
    assert.equal(opened.ok ? 'opened' : opened.error.code, 'UNTRUSTED_DEVICE');
  });

  it('a revoked device is cut off by the server, and peers refuse what it signed', async () => {
    const [alice, bob] = [await newUser('alice'), await newUser('bob')];
    const restored = await loginWithPassword(suite.server, alice.username, alice.password);
    assert.ok(restored.ok);
    const phone = restored.value;
    people.closeAfterSuite(phone);
    const group = await createGroup(alice.sync, [bob.sync]);
    await startEpoch(alice, group, 0);
    await receiveKeys(phone);
    await receiveKeys(bob);
    const before = await send(phone, group, {
      type: 'text',
      text: 'sent before the phone was lost',
    });
    assert.deepEqual(textsOf(await readConversation(bob, group)), [
      'sent before the phone was lost',
    ]);

    const revocation = createDeviceRevocation(nacl, alice.identityKeys.secretKey, {
      username: alice.username,
      signPublicKey: phone.sync.device.sign.publicKey,
      revokedAt: Date.now(),
    });
    const disconnected = new Promise((resolve) => phone.sync.socket.once('disconnect', resolve));
    const revoked = await request(url(), 'DELETE', `/api/devices/${phone.sync.deviceId}`, {
      token: alice.sync.token,
      body: { revocation: encodeBase64(revocation) },
    });
    assert.equal(revoked.status, 204);
    await disconnected;
    // The server: the revoked device cannot connect, and nobody may push as it.
    await assert.rejects(connectSocket(url(), { token: phone.sync.token }), {
      message: 'UNAUTHORIZED',
    });
    const asPhone = sealedRow(phone, group, { type: 'text', text: 'after revocation' });
    const pushedByAlice = await push(alice.sync, 'messages', [newRow(asPhone)]);
    assert.deepEqual(
      pushedByAlice.rejected.map((r) => r.code),
      ['WRONG_SENDER'],
    );
    // The client: the revocation verifies under Alice's identity key, so Bob refuses the phone's
    // messages, even the one it sent before (signatures carry no trusted time).
    const view = await membershipView(bob, group);
    assert.ok(view.directory.revoked.has(phone.sync.deviceId));
    for (const row of [before, asPhone]) {
      const opened = openRow(bob, row, view);
      assert.equal(opened.ok ? 'opened' : opened.error.code, 'REVOKED_DEVICE');
    }
  });
});

describe('key envelopes: members only, signed, as signed', () => {
  it('an envelope for a non-member, a tampered one and a relabelled one are refused by both sides', async () => {
    const [alice, bob, carol] = [
      await newUser('alice'),
      await newUser('bob'),
      await newUser('carol'),
    ];
    const group = await createGroup(alice.sync, [bob.sync]);
    await startEpoch(alice, group, 0);
    const key = keysOf(alice, group).get(0) as Uint8Array;
    const trusted = (user: E2eUser) => ({
      id: user.sync.deviceId,
      userId: user.sync.userId,
      boxPublicKey: user.sync.device.box.publicKey,
      signPublicKey: user.sync.device.sign.publicKey,
      certifiedAt: Date.now(),
    });
    // A client that ignores membership (the protocol module refuses unless told otherwise).
    const wrap = (recipient: E2eUser, epoch: number) =>
      encodeBase64(
        wrapConversationKey(
          nacl,
          { conversationId: group, epoch, key },
          alice.sync.device,
          trusted(recipient),
          new Set([recipient.sync.userId]),
        ),
      );
    const row = (recipient: E2eUser, epoch: number, envelope = wrap(recipient, epoch)) => ({
      id: randomUUID(),
      conversationId: group,
      epoch,
      recipientDeviceId: recipient.sync.deviceId,
      senderDeviceId: alice.sync.deviceId,
      envelope,
      _deleted: false,
    });
    const forCarol = row(carol, 1);
    const tampered = flipped(row(bob, 1), -1);
    const relabelled = row(bob, 2, wrap(bob, 1));
    const good = row(bob, 1);
    const answer = await push(alice.sync, 'keyEnvelopes', [
      newRow(forCarol),
      newRow(tampered),
      newRow(relabelled),
      newRow(good),
    ]);
    assert.deepEqual(
      answer.rejected.map((r) => [r.id, r.code]),
      [
        [forCarol.id, 'INVALID_REFERENCE'],
        [tampered.id, 'BAD_SIGNATURE'],
        [relabelled.id, 'WRONG_EPOCH'],
      ],
    );
    assert.deepEqual(
      (await pulled(bob, 'keyEnvelopes')).documents.map((d) => d.epoch).sort(),
      [0, 1],
    );
    assert.deepEqual((await pulled(carol, 'keyEnvelopes')).documents, []);

    // The receiving clients, given the same bytes.
    const open = (
      user: E2eUser,
      forged: WireDocument,
      view: Awaited<ReturnType<typeof membershipView>>,
    ) => {
      const opened = openKeyEnvelope(
        nacl,
        decodeBase64(forged.envelope as string) as Uint8Array,
        user.sync.device,
        view,
        { conversationId: group, epoch: forged.epoch as number },
      );
      return opened.ok ? 'opened' : opened.error.code;
    };
    const bobsView = await membershipView(bob, group);
    assert.equal(open(carol, forCarol, await membershipView(carol, group)), 'NOT_A_MEMBER');
    assert.equal(open(bob, tampered, bobsView), 'BAD_SIGNATURE');
    assert.equal(open(bob, relabelled, bobsView), 'WRONG_EPOCH');
    assert.equal(open(bob, good, bobsView), 'opened');
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  decodeBase64,
  deriveAccountSecrets,
  encodeBase64,
  needsNewEpoch,
  openKeyBackup,
  wrapConversationKey,
} from '@anochat/protocol';
import { keyBackupResponse } from '@anochat/schemas/api/auth';
import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { assertError, request } from '@anochat/test-support/api';
import {
  archiveEntryDoc,
  type E2eUser,
  keysOf,
  loginWithPassword,
  membershipView,
  nacl,
  openRow,
  pulled,
  readConversation,
  receiveKeys,
  restoreArchive,
  send,
  shareEpoch,
  startEpoch,
  suiteUsers,
  TEST_ARGON2ID,
  textsOf,
} from '@anochat/test-support/e2e-user';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  acceptRequest,
  assertAccepted,
  createGroup,
  memberDoc,
  push,
} from '@anochat/test-support/sync-client';

/**
 * Who reads what over time: removed members, new members, a user's new device with only the
 * password, and the key archive that makes the last possible. Real server, crypto-native, socket.io.
 */

const suite = useSyncServer({ SYNC_TEST_PUSH_DELAY_MAX_MS: '0' });
const url = () => suite.server.baseUrl;

const people = suiteUsers(() => suite.server, 'correct horse');
const newUser = people.register;

const codeOf = (result: { ok: boolean; error?: { code: string } }) =>
  result.ok ? 'opened' : result.error?.code;

async function membershipOf(admin: E2eUser, conversationId: string, userId: string) {
  const { documents } = await pulled(admin, 'members');
  return documents.find(
    (d) => d.conversationId === conversationId && d.userId === userId,
  ) as WireDocument;
}

describe('epochs and membership', () => {
  it('a removed member cannot open the messages of the next epoch', async () => {
    const [alice, bob, carol] = [
      await newUser('alice'),
      await newUser('bob'),
      await newUser('carol'),
    ];
    const group = await createGroup(alice.sync, [bob.sync, carol.sync]);
    await startEpoch(alice, group, 0);
    await receiveKeys(bob);
    await receiveKeys(carol);
    await send(alice, group, { type: 'text', text: 'epoch 0, for all three' });
    assert.deepEqual(textsOf(await readConversation(carol, group)), ['epoch 0, for all three']);

    const carolInGroup = await membershipOf(alice, group, carol.sync.userId);
    const removal = await push(alice.sync, 'members', [
      { assumedMasterState: carolInGroup, newDocumentState: { ...carolInGroup, removed: true } },
    ]);
    assertAccepted(removal);
    assert.equal(
      needsNewEpoch({
        epochStartedAt: Date.now(),
        messagesInEpoch: 1,
        now: Date.now(),
        membershipChanged: true,
        deviceRevoked: false,
      }),
      true,
    );
    // Epoch 1 is wrapped for the remaining members only: Carol's device gets no envelope.
    assert.deepEqual((await startEpoch(alice, group, 1)).rejected, []);
    await receiveKeys(bob);
    const secret = await send(alice, group, { type: 'text', text: 'epoch 1, Carol is gone' });
    assert.deepEqual(textsOf(await readConversation(bob, group)), [
      'epoch 0, for all three',
      'epoch 1, Carol is gone',
    ]);

    // The server refuses to carry her a key of the new epoch, and sends her nothing new.
    const forCarol = wrapConversationKey(
      nacl,
      { conversationId: group, epoch: 1, key: keysOf(alice, group).get(1) as Uint8Array },
      alice.sync.device,
      {
        id: carol.sync.deviceId,
        userId: carol.sync.userId,
        boxPublicKey: carol.sync.device.box.publicKey,
        signPublicKey: carol.sync.device.sign.publicKey,
        certifiedAt: Date.now(),
      },
      new Set([carol.sync.userId]),
    );
    const smuggled = await push(alice.sync, 'keyEnvelopes', [
      {
        assumedMasterState: null,
        newDocumentState: {
          id: randomUUID(),
          conversationId: group,
          epoch: 1,
          recipientDeviceId: carol.sync.deviceId,
          senderDeviceId: alice.sync.deviceId,
          envelope: encodeBase64(forCarol),
          _deleted: false,
        },
      },
    ]);
    assert.deepEqual(
      smuggled.rejected.map((r) => r.code),
      ['INVALID_REFERENCE'],
    );
    assert.deepEqual(
      (await pulled(carol, 'keyEnvelopes')).documents.map((d) => d.epoch),
      [0],
    );
    assert.deepEqual(textsOf(await readConversation(carol, group)), ['epoch 0, for all three']);
    // Even holding the ciphertext (a leaked database), her keys do not open it.
    const opened = openRow(carol, secret, await membershipView(carol, group));
    assert.equal(codeOf(opened), 'UNKNOWN_EPOCH');
  });

  it('a new member reads from the epoch current when it joined, not earlier ones (the policy)', async () => {
    const [alice, bob, dave] = [
      await newUser('alice'),
      await newUser('bob'),
      await newUser('dave'),
    ];
    const group = await createGroup(alice.sync, [bob.sync]);
    await startEpoch(alice, group, 0);
    const old = await send(alice, group, { type: 'text', text: 'epoch 0, before Dave' });
    await startEpoch(alice, group, 1);
    const current = await send(alice, group, { type: 'text', text: 'epoch 1, before Dave' });

    const added = await push(alice.sync, 'members', [
      { assumedMasterState: null, newDocumentState: memberDoc(group, dave.sync.userId) },
    ]);
    assertAccepted(added);
    await acceptRequest(dave.sync, group);
    // The adding device wraps the current epoch's key for the newcomer's devices.
    assert.deepEqual((await shareEpoch(alice, group, 1, [dave.sync.userId])).rejected, []);
    assert.ok((await receiveKeys(dave)).every((result) => result.ok));
    const later = await send(alice, group, { type: 'text', text: 'epoch 1, after Dave joined' });

    // The server sends Dave the whole history (earlier rows in id order); he opens what he may.
    const read = new Map(
      (await readConversation(dave, group)).map(({ row, opened }) => [row.id, opened]),
    );
    assert.equal(read.size, 3);
    const textOf = (id: string) => {
      const opened = read.get(id);
      return opened?.ok && opened.value.payload.type === 'text'
        ? opened.value.payload.text
        : codeOf(opened ?? { ok: false, error: { code: 'NOT_PULLED' } });
    };
    assert.equal(textOf(old.id), 'UNKNOWN_EPOCH');
    assert.equal(textOf(current.id), 'epoch 1, before Dave');
    assert.equal(textOf(later.id), 'epoch 1, after Dave joined');
  });
});

describe('a new device with only the password', () => {
  it('restores the identity, certifies itself, logs in and reads the whole history', async () => {
    const [alice, bob] = [await newUser('alice'), await newUser('bob')];
    const group = await createGroup(alice.sync, [bob.sync]);
    const direct = await createGroup(bob.sync, [alice.sync]);
    await startEpoch(alice, group, 0);
    await startEpoch(bob, direct, 0);
    await receiveKeys(bob);
    await receiveKeys(alice);
    await send(alice, group, { type: 'text', text: 'group, epoch 0, from Alice' });
    await send(bob, group, { type: 'text', text: 'group, epoch 0, from Bob' });
    await send(bob, direct, { type: 'text', text: 'the other conversation' });
    await startEpoch(alice, group, 1);
    await receiveKeys(bob);
    await send(bob, group, { type: 'text', text: 'group, epoch 1, from Bob' });

    const login = await loginWithPassword(suite.server, alice.username, alice.password);
    assert.ok(login.ok);
    const phone = login.value;
    people.closeAfterSuite(phone);
    // No key envelope was ever made for the phone: everything comes from the archive.
    assert.deepEqual((await pulled(phone, 'keyEnvelopes')).documents, []);
    assert.equal(await restoreArchive(phone), 3);
    assert.deepEqual(textsOf(await readConversation(phone, group)), [
      'group, epoch 0, from Alice',
      'group, epoch 0, from Bob',
      'group, epoch 1, from Bob',
    ]);
    assert.deepEqual(textsOf(await readConversation(phone, direct)), ['the other conversation']);

    // Bob trusts the phone: its certificate verifies under Alice's identity key.
    await send(phone, group, { type: 'text', text: 'hello from my new phone' });
    assert.ok(textsOf(await readConversation(bob, group)).includes('hello from my new phone'));
  });

  it('a wrong password gets a clear error from the server, and cannot open the backup', async () => {
    const alice = await newUser('alice', 'the right one');
    const login = await loginWithPassword(suite.server, alice.username, 'the wrong one');
    assert.deepEqual(login, {
      ok: false,
      error: { where: 'server', status: 401, code: 'INVALID_CREDENTIALS' },
    });
    const wrong = await deriveAccountSecrets(nacl, alice.username, 'the wrong one', TEST_ARGON2ID);
    const refused = await request(url(), 'POST', '/api/auth/key-backup', {
      body: {
        username: alice.username,
        authSecret: Buffer.from(wrong.authSecret).toString('base64'),
      },
    });
    assertError(refused, 401, 'INVALID_CREDENTIALS');
    // Someone holding the backup (a database leak) and guessing a wrong password learns nothing.
    const right = await deriveAccountSecrets(nacl, alice.username, 'the right one', TEST_ARGON2ID);
    const fetched = keyBackupResponse.parse(
      (
        await request(url(), 'POST', '/api/auth/key-backup', {
          body: {
            username: alice.username,
            authSecret: Buffer.from(right.authSecret).toString('base64'),
          },
        })
      ).body,
    );
    const backup = decodeBase64(fetched.keyBackup) as Uint8Array;
    const opened = openKeyBackup(nacl, wrong.backupKey, backup);
    assert.equal(codeOf(opened), 'WRONG_PASSWORD');
    assert.ok(!opened.ok && opened.error.message.length > 0);
    assert.equal(codeOf(openKeyBackup(nacl, right.backupKey, backup)), 'opened');
  });
});

describe('the key archive collection', () => {
  it('is pulled by its user’s devices only, written as oneself, once per epoch, never changed', async () => {
    const [alice, bob] = [await newUser('alice'), await newUser('bob')];
    const group = await createGroup(alice.sync, [bob.sync]);
    const elsewhere = await createGroup(bob.sync, []);
    await startEpoch(alice, group, 0);
    const [entry] = (await pulled(alice, 'keyArchive')).documents;
    assert.ok(entry);
    const key = keysOf(alice, group).get(0) as Uint8Array;

    const cases: [string, WireDocument | null, WireDocument, string][] = [
      [
        'for another user',
        null,
        { ...archiveEntryDoc(alice, group, 1, key), userId: bob.sync.userId },
        'FORBIDDEN',
      ],
      [
        'a second entry for the same epoch',
        null,
        archiveEntryDoc(alice, group, 0, key),
        'INVALID_ROW',
      ],
      [
        'changing an entry',
        entry,
        { ...entry, sealedKey: archiveEntryDoc(alice, group, 0, key).sealedKey },
        'IMMUTABLE_FIELD',
      ],
      [
        'in a conversation never joined',
        null,
        archiveEntryDoc(alice, elsewhere, 0, key),
        'NOT_MEMBER',
      ],
      [
        'created deleted',
        null,
        { ...archiveEntryDoc(alice, group, 2, key), _deleted: true },
        'INVALID_ROW',
      ],
    ];
    const good = archiveEntryDoc(alice, group, 3, key);
    const answer = await push(alice.sync, 'keyArchive', [
      ...cases.map(([, assumedMasterState, newDocumentState]) => ({
        assumedMasterState,
        newDocumentState,
      })),
      { assumedMasterState: null, newDocumentState: good },
    ]);
    assert.deepEqual(
      answer.rejected.map((r) => r.code),
      cases.map(([, , , code]) => code),
    );
    assert.deepEqual(
      (await pulled(alice, 'keyArchive')).documents.map((d) => d.epoch).sort(),
      [0, 3],
    );
    assert.deepEqual((await pulled(bob, 'keyArchive')).documents, []);
    // A retried push of a stored entry is no error.
    assertAccepted(
      await push(alice.sync, 'keyArchive', [{ assumedMasterState: null, newDocumentState: good }]),
    );
  });
});

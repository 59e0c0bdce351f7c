import { randomUUID } from 'node:crypto';
import { createTweetnaclNacl } from '@anochat/crypto-native';
import {
  buildDeviceDirectory,
  decodeBase64,
  decodeMessageEnvelope,
  encodeBase64,
  identityKeyPair,
  type LocalDevice,
  newCertifiedDevice,
  newConversationKey,
  openMessage,
  sealMessage,
  wrapConversationKey,
} from '@anochat/protocol';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppDatabase } from '../database/app-database.ts';
import { openTestDatabase } from '../database/test-database.ts';
import { createMemorySecretStore } from '../platform/memory-secret-store.ts';
import { type ClientCrypto, createClientCrypto } from './client-crypto.ts';

/**
 * The client's keyring across a change of epoch (docs/crypto.md, "Epochs"): real crypto (the
 * tweetnacl provider), a real local database; the server's answers are written into the
 * database as replication would write them.
 */

const nacl = createTweetnaclNacl();

function person(username: string) {
  const identitySeed = nacl.randomBytes(32);
  const identity = identityKeyPair(nacl, identitySeed);
  const { keys, certificate } = newCertifiedDevice(nacl, identity.secretKey, username);
  const device: LocalDevice = { userId: randomUUID(), deviceId: randomUUID(), ...keys };
  return {
    username,
    identitySeed,
    identity,
    device,
    certificate,
    trusted: {
      id: device.deviceId,
      userId: device.userId,
      boxPublicKey: keys.box.publicKey,
      signPublicKey: keys.sign.publicKey,
      certifiedAt: Date.now(),
    },
  };
}
type Person = ReturnType<typeof person>;

let serverRev = 100;
/** The server's fields of a row it stored: a new revision, and the start of the row's epoch. */
function stored() {
  serverRev += 1;
  return { rev: String(serverRev), epochStartedAt: new Date().toISOString() };
}

let database: AppDatabase;
let crypto: ClientCrypto;
const [alice, bob, carol] = [person('alice'), person('bob'), person('carol')];
const group = randomUUID();
const members = new Set([alice.device.userId, bob.device.userId]);

async function publish(user: Person): Promise<void> {
  await database.users.upsert({
    id: user.device.userId,
    username: user.username,
    displayName: user.username,
    identityPublicKey: encodeBase64(user.identity.publicKey),
    rev: stored().rev,
  });
  await database.devices.upsert({
    id: user.device.deviceId,
    userId: user.device.userId,
    name: null,
    boxPublicKey: encodeBase64(user.device.box.publicKey),
    signPublicKey: encodeBase64(user.device.sign.publicKey),
    revokedAt: null,
    certificate: encodeBase64(user.certificate),
    revocation: null,
    rev: stored().rev,
  });
}

async function addMember(user: Person): Promise<void> {
  await database.members.upsert({
    id: `${group}|${user.device.userId}`,
    conversationId: group,
    userId: user.device.userId,
    role: 'member',
    removed: false,
    accepted: true,
    rev: stored().rev,
  });
}

/** An envelope another device sent Alice, as the pull brings it. */
async function receive(from: Person, epoch: number, key: Uint8Array): Promise<void> {
  await database.keyEnvelopes.insert({
    id: randomUUID(),
    conversationId: group,
    epoch,
    recipientDeviceId: alice.device.deviceId,
    senderDeviceId: from.device.deviceId,
    envelope: encodeBase64(
      wrapConversationKey(
        nacl,
        { conversationId: group, epoch, key },
        from.device,
        alice.trusted,
        members,
      ),
    ),
    ...stored(),
  });
}

/** The epoch Alice seals a message under, and whether `key` opens it. */
async function sealedBy(key?: Uint8Array) {
  const id = randomUUID();
  const envelope = decodeBase64((await crypto.seal(group, id, { type: 'text', text: 'hi' })) ?? '');
  if (envelope === null) throw new Error('no envelope');
  const address = { id, conversationId: group, senderDeviceId: alice.device.deviceId };
  const header = decodeMessageEnvelope(envelope, address);
  if (!header.ok) throw new Error(header.error.message);
  const directory = buildDeviceDirectory(nacl, [
    {
      user: {
        userId: alice.device.userId,
        username: 'alice',
        identityPublicKey: alice.identity.publicKey,
      },
      devices: [
        {
          id: alice.device.deviceId,
          userId: alice.device.userId,
          boxPublicKey: alice.device.box.publicKey,
          signPublicKey: alice.device.sign.publicKey,
          certificate: alice.certificate,
          revocation: null,
        },
      ],
    },
  ]);
  const opened =
    key === undefined
      ? null
      : openMessage(nacl, envelope, address, new Map([[header.value.epoch, key]]), {
          directory,
          members,
        });
  return { epoch: header.value.epoch, opensWithKey: opened?.ok === true };
}

beforeEach(async () => {
  database = await openTestDatabase(getRxStorageMemory());
  for (const user of [alice, bob, carol]) await publish(user);
  await database.conversations.insert({
    id: group,
    kind: 'group',
    titleCiphertext: null,
    createdBy: bob.device.userId,
    directPeerId: null,
    rev: stored().rev,
  });
  await addMember(alice);
  await addMember(bob);
  crypto = createClientCrypto(nacl, database, createMemorySecretStore());
  await crypto.adoptDevice(
    {
      keys: { box: alice.device.box, sign: alice.device.sign },
      username: 'alice',
      identitySeed: alice.identitySeed,
      archiveKey: nacl.randomBytes(32),
      publicKeys: { boxPublicKey: '', signPublicKey: '', certificate: '' },
    },
    { userId: alice.device.userId, deviceId: alice.device.deviceId },
  );
});
afterEach(async () => {
  await database.remove();
});

describe('a new epoch on this device', () => {
  it('seals only once the server stored its envelope; until then the current key does', async () => {
    const epoch0 = newConversationKey(nacl);
    await receive(bob, 0, epoch0);
    expect(await crypto.epochStatus(group)).toMatchObject({ epoch: 0, rotating: false });

    const rows = await crypto.startEpoch(group, [...members]);
    expect(rows.map((row) => [row.epoch, row.recipientDeviceId]).sort()).toEqual(
      [
        [1, alice.device.deviceId],
        [1, bob.device.deviceId],
      ].sort(),
    );
    await database.keyEnvelopes.bulkInsert(rows);
    expect(await crypto.epochStatus(group)).toMatchObject({ epoch: 0, rotating: true });
    expect(await sealedBy(epoch0)).toEqual({ epoch: 0, opensWithKey: true });
    // Nor does it go into the key archive, nor to newcomers, before the server took it.
    expect((await crypto.missingArchiveEntries(group)).map((row) => row.epoch)).toEqual([0]);

    // The pull brings Alice's own envelope back, stored.
    const own = rows.find((row) => row.recipientDeviceId === alice.device.deviceId);
    if (own === undefined) throw new Error('no envelope for this device');
    await database.keyEnvelopes.upsert({ ...own, ...stored() });
    expect(await crypto.epochStatus(group)).toMatchObject({ epoch: 1, rotating: false });
    expect((await sealedBy()).epoch).toBe(1);

    // Epoch 1 is Alice's: she wraps it for a newcomer; epoch 0 is Bob's to wrap.
    await addMember(carol);
    const forCarol = (await crypto.missingKeyEnvelopes(group)).filter(
      (row) => row.recipientDeviceId === carol.device.deviceId,
    );
    expect(forCarol.map((row) => row.epoch)).toEqual([1]);
  });

  it('refused because another device started it first: dropped, and the winner’s key seals', async () => {
    const epoch0 = newConversationKey(nacl);
    await receive(bob, 0, epoch0);
    const rows = await crypto.startEpoch(group, [...members]);
    await database.keyEnvelopes.bulkInsert(rows);
    await database.failures.bulkInsert(
      rows.map((row) => ({
        id: `keyEnvelopes/${row.id}`,
        sourceCollection: 'keyEnvelopes',
        conversationId: group,
        code: 'EPOCH_TAKEN',
        message: 'another device started this epoch',
        at: new Date().toISOString(),
      })),
    );
    // Waiting for the winner: no second try, the old key still seals.
    expect(await crypto.epochStatus(group)).toMatchObject({ epoch: 0, rotating: true });
    expect(await sealedBy(epoch0)).toEqual({ epoch: 0, opensWithKey: true });

    // Bob's first message of his epoch 1 comes before his envelope: no key yet (the lost one is
    // not tried), and it opens once the envelope is here.
    const bobsEpoch1 = newConversationKey(nacl);
    const fromBob = {
      id: randomUUID(),
      conversationId: group,
      senderDeviceId: bob.device.deviceId,
    };
    const bobsMessage = {
      ...fromBob,
      envelope: encodeBase64(
        sealMessage(
          nacl,
          {
            id: fromBob.id,
            conversationKey: { conversationId: group, epoch: 1, key: bobsEpoch1 },
            payload: { type: 'text', text: 'new key' },
          },
          bob.device,
        ),
      ),
    };
    expect(await crypto.open(bobsMessage)).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_EPOCH' },
    });
    await receive(bob, 1, bobsEpoch1);
    expect(await crypto.open(bobsMessage)).toMatchObject({ ok: true });
    expect(await crypto.epochStatus(group)).toMatchObject({ epoch: 1, rotating: false });
    expect(await sealedBy(bobsEpoch1)).toEqual({ epoch: 1, opensWithKey: true });
    // The next epoch this device would start is the one after the winner's.
    expect((await crypto.startEpoch(group, [...members]))[0]?.epoch).toBe(2);
  });

  it('the first key of a conversation this device made seals at once (no one else has one)', async () => {
    const rows = await crypto.startEpoch(group, [...members]);
    expect(rows[0]?.epoch).toBe(0);
    expect(await crypto.epochStatus(group)).toMatchObject({
      epoch: 0,
      startedAt: null,
      rotating: false,
    });
    expect((await sealedBy()).epoch).toBe(0);
  });
});

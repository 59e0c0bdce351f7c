import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  acceptRequest,
  create,
  createGroup,
  keyEnvelopeDoc,
  memberDoc,
  pullAll,
  push,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import pg from 'pg';
import {
  claimEpochs,
  EPOCH_NOT_NEXT,
  EPOCH_TAKEN,
  epochKeyOf,
} from '../src/replication/push/epoch-owners.ts';

/**
 * Epoch ownership (docs/crypto.md, "Epochs"): every key envelope of one (conversation, epoch) comes
 * from one device, the first to store one, and a new epoch is exactly the next one; so two devices
 * that rotate at the same moment cannot leave members holding different keys for one epoch.
 * Real PostgreSQL, real crypto-native signature checks, real socket.io.
 */

const suite = useSyncServer();
const url = () => suite.server.baseUrl;
const newRow = (newDocumentState: WireDocument) => ({ assumedMasterState: null, newDocumentState });
const sockets: SyncClient[] = [];
async function user(): Promise<SyncClient> {
  const client = await syncUser(url());
  sockets.push(client);
  return client;
}
after(() => {
  for (const client of sockets) client.socket.close();
});

/** The envelopes of an epoch, from `sender` to each of `recipients`. */
const epochFrom = (sender: SyncClient, recipients: SyncClient[], group: string, epoch: number) =>
  recipients.map((recipient) => keyEnvelopeDoc(sender, recipient, group, epoch));

describe('epoch ownership', () => {
  it('only the device that started an epoch wraps it; other rows of the batch go through', async () => {
    const [alice, bob, carol, dave] = [await user(), await user(), await user(), await user()];
    const group = await createGroup(alice, [bob, carol]);
    assert.deepEqual(
      (
        await push(
          alice,
          'keyEnvelopes',
          epochFrom(alice, [alice, bob, carol], group, 0).map(newRow),
        )
      ).rejected,
      [],
    );
    // Bob rotates: epoch 1 is his.
    assert.deepEqual(
      (await push(bob, 'keyEnvelopes', epochFrom(bob, [alice, bob, carol], group, 1).map(newRow)))
        .rejected,
      [],
    );
    await create(alice, 'members', [memberDoc(group, dave.userId)]);
    await acceptRequest(dave, group);

    // Alice brings Dave in: epoch 0 is hers to wrap; epoch 1 is Bob's; epoch 3 skips epoch 2.
    const own = keyEnvelopeDoc(alice, dave, group, 0);
    const bobs = keyEnvelopeDoc(alice, dave, group, 1);
    const skipping = keyEnvelopeDoc(alice, dave, group, 3);
    const answer = await push(alice, 'keyEnvelopes', [newRow(bobs), newRow(own), newRow(skipping)]);
    assert.deepEqual(
      answer.rejected.map((row) => [row.id, row.code]),
      [
        [bobs.id, 'EPOCH_TAKEN'],
        [skipping.id, 'EPOCH_NOT_NEXT'],
      ],
    );
    // And Bob may not wrap Alice's epoch 0, only his own epoch 1.
    const notBobs = keyEnvelopeDoc(bob, dave, group, 0);
    const his = keyEnvelopeDoc(bob, dave, group, 1);
    assert.deepEqual(
      (await push(bob, 'keyEnvelopes', [newRow(notBobs), newRow(his)])).rejected.map((row) => [
        row.id,
        row.code,
      ]),
      [[notBobs.id, 'EPOCH_TAKEN']],
    );

    const forDave = (await pullAll(dave, 'keyEnvelopes')).documents;
    assert.deepEqual(forDave.map((doc) => [doc.epoch, doc.senderDeviceId]).sort(), [
      [0, alice.deviceId],
      [1, bob.deviceId],
    ]);
    // Everyone is told when the epoch began: the time its first envelope was stored.
    const [forCarol] = (await pullAll(carol, 'keyEnvelopes')).documents.filter(
      (doc) => doc.epoch === 1,
    );
    const davesEpoch1 = forDave.find((doc) => doc.epoch === 1);
    assert.match(String(forCarol?.epochStartedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(davesEpoch1?.epochStartedAt, forCarol?.epochStartedAt);
  });

  it('a first epoch is epoch 0, and a stale rotator cannot jump ahead', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const early = keyEnvelopeDoc(alice, bob, group, 1);
    assert.deepEqual(
      (await push(alice, 'keyEnvelopes', [newRow(early)])).rejected.map((row) => row.code),
      ['EPOCH_NOT_NEXT'],
    );
    assert.deepEqual(
      (await push(alice, 'keyEnvelopes', epochFrom(alice, [bob], group, 0).map(newRow))).rejected,
      [],
    );
    assert.deepEqual(
      (await pullAll(bob, 'keyEnvelopes')).documents.map((doc) => doc.epoch),
      [0],
    );
  });

  it('two devices rotating at once: exactly one wins each epoch, and no member holds the other key', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const group = await createGroup(alice, [bob, carol]);
    await push(alice, 'keyEnvelopes', epochFrom(alice, [alice, bob, carol], group, 0).map(newRow));
    for (let epoch = 1; epoch <= 6; epoch += 1) {
      const [fromAlice, fromBob] = await Promise.all([
        push(
          alice,
          'keyEnvelopes',
          epochFrom(alice, [alice, bob, carol], group, epoch).map(newRow),
        ),
        push(bob, 'keyEnvelopes', epochFrom(bob, [alice, bob, carol], group, epoch).map(newRow)),
      ]);
      const refusals = [fromAlice, fromBob].map((answer) => answer.rejected.map((row) => row.code));
      assert.deepEqual(
        refusals.map((codes) => codes.length).sort(),
        [0, 3],
        `epoch ${epoch}: one push wholly accepted, the other wholly refused`,
      );
      assert.deepEqual(refusals.flat(), ['EPOCH_TAKEN', 'EPOCH_TAKEN', 'EPOCH_TAKEN']);
    }
    for (const member of [alice, bob, carol]) {
      const byEpoch = new Map<number, Set<unknown>>();
      for (const doc of (await pullAll(member, 'keyEnvelopes')).documents) {
        const senders = byEpoch.get(doc.epoch as number) ?? new Set();
        senders.add(doc.senderDeviceId);
        byEpoch.set(doc.epoch as number, senders);
      }
      assert.deepEqual([...byEpoch.keys()].sort(), [0, 1, 2, 3, 4, 5, 6]);
      for (const senders of byEpoch.values()) assert.equal(senders.size, 1);
    }
    const { rows } = await suite.server.pool.query(
      `SELECT epoch, count(DISTINCT sender_device_id)::int AS senders FROM key_envelopes
        WHERE conversation_id = $1 GROUP BY epoch ORDER BY epoch`,
      [group],
    );
    assert.deepEqual(
      rows.map((row) => row.senders),
      [1, 1, 1, 1, 1, 1, 1],
    );
  });
});

describe('epoch claims in racing transactions', () => {
  let pool: pg.Pool;
  before(() => {
    pool = new pg.Pool({ connectionString: suite.database.url, max: 2 });
  });
  after(() => pool.end());

  it('the second transaction waits for the first and, once it commits, finds the epoch taken', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    await push(alice, 'keyEnvelopes', epochFrom(alice, [alice, bob], group, 0).map(newRow));
    const epoch1 = { conversationId: group, epoch: 1 };
    const first = await pool.connect();
    const second = await pool.connect();
    try {
      await first.query('BEGIN');
      await second.query('BEGIN');
      assert.equal((await claimEpochs(first, alice.deviceId, [epoch1])).size, 0);
      let secondDone = false;
      const secondClaim = claimEpochs(second, bob.deviceId, [epoch1]).finally(() => {
        secondDone = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(secondDone, false, 'the second claim waits on the first, uncommitted one');
      await first.query('COMMIT');
      assert.deepEqual((await secondClaim).get(epochKeyOf(epoch1)), EPOCH_TAKEN);
      // Bob's next try, against what is now committed: epoch 1 is Alice's, epoch 3 is not next.
      assert.deepEqual(
        [...(await claimEpochs(second, bob.deviceId, [epoch1, { ...epoch1, epoch: 3 }]))],
        [
          [epochKeyOf(epoch1), EPOCH_TAKEN],
          [epochKeyOf({ ...epoch1, epoch: 3 }), EPOCH_NOT_NEXT],
        ],
      );
      await second.query('COMMIT');
    } finally {
      first.release();
      second.release();
    }
    const { rows } = await pool.query(
      'SELECT epoch, owner_device_id FROM conversation_epochs WHERE conversation_id = $1 ORDER BY epoch',
      [group],
    );
    assert.deepEqual(rows, [
      { epoch: 0, owner_device_id: alice.deviceId },
      { epoch: 1, owner_device_id: alice.deviceId },
    ]);
  });

  it('a first transaction that rolls back leaves the epoch to the one that waited', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const epoch0 = { conversationId: group, epoch: 0 };
    const first = await pool.connect();
    const second = await pool.connect();
    try {
      await first.query('BEGIN');
      await second.query('BEGIN');
      assert.equal((await claimEpochs(first, alice.deviceId, [epoch0])).size, 0);
      const secondClaim = claimEpochs(second, bob.deviceId, [epoch0]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await first.query('ROLLBACK');
      assert.equal((await secondClaim).size, 0);
      await second.query('COMMIT');
    } finally {
      first.release();
      second.release();
    }
    const { rows } = await pool.query(
      'SELECT owner_device_id FROM conversation_epochs WHERE conversation_id = $1',
      [group],
    );
    assert.deepEqual(rows, [{ owner_device_id: bob.deviceId }]);
  });
});

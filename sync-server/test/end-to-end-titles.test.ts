import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createDeviceRevocation,
  decodeBase64,
  encodeBase64,
  openTitle,
  sealTitle,
} from '@anochat/protocol';
import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { request } from '@anochat/test-support/api';
import {
  type E2eUser,
  keysOf,
  loginWithPassword,
  membershipView,
  nacl,
  pulled,
  receiveKeys,
  restoreArchive,
  startEpoch,
  suiteUsers,
} from '@anochat/test-support/e2e-user';
import { useSyncServer } from '@anochat/test-support/suite';
import { assertAccepted, createGroup, push } from '@anochat/test-support/sync-client';

/**
 * A logout must not erase what others see (docs/crypto.md, "Titles after a revocation"): a group
 * title is judged like a message, by the server's time of its last change against the signed
 * revocation time of the device that sealed it. Real server, PostgreSQL, crypto-native and the
 * protocol module; the clients are the test support's protocol clients.
 */

const suite = useSyncServer({ SYNC_TEST_PUSH_DELAY_MAX_MS: '0', RATE_LIMIT_PER_IP: '1000' });
const people = suiteUsers(() => suite.server, 'correct horse battery');

async function conversationRow(user: E2eUser, conversationId: string): Promise<WireDocument> {
  const row = (await pulled(user, 'conversations')).documents.find(
    (document) => document.id === conversationId,
  );
  assert.ok(row, `${conversationId} is not visible to ${user.username}`);
  return row;
}

/** Alice (admin, her first device) seals `title` under the group's current key and sets it. */
async function rename(alice: E2eUser, group: string, title: string): Promise<WireDocument> {
  const current = await conversationRow(alice, group);
  const key = keysOf(alice, group).get(0);
  assert.ok(key);
  const sealed = sealTitle(
    nacl,
    { conversationId: group, epoch: 0, key },
    title,
    alice.sync.device,
  );
  const next = { ...current, titleCiphertext: encodeBase64(sealed) };
  assertAccepted(
    await push(alice.sync, 'conversations', [
      { assumedMasterState: current, newDocumentState: next },
    ]),
  );
  return conversationRow(alice, group);
}

/** The title as `user` opens it with its keys and its view of the group, at `storedAt` (or none). */
async function titleSeenBy(user: E2eUser, row: WireDocument, storedAt: 'server time' | 'none') {
  const view = await membershipView(user, row.id);
  const bytes = decodeBase64(row.titleCiphertext as string) ?? new Uint8Array();
  const at = storedAt === 'server time' ? Date.parse(row.titleChangedAt as string) : undefined;
  const opened = openTitle(nacl, bytes, row.id, keysOf(user, row.id), view, at);
  return opened.ok ? opened.value : opened.error.code;
}

describe('group titles after a logout', () => {
  it('a title set by a device that logged out still opens for the members and on the person’s next device', async () => {
    const [alice, bob] = [await people.register('alice'), await people.register('bob')];
    const group = await createGroup(alice.sync, [bob.sync]);
    await startEpoch(alice, group, 0);
    assert.ok((await receiveKeys(bob)).every((result) => result.ok));
    const titled = await rename(alice, group, 'Book club');
    assert.equal(await titleSeenBy(bob, titled, 'server time'), 'Book club');

    // Alice logs out on that device: it is revoked with her identity key's signed statement.
    const revokedAt = Date.now();
    const revocation = createDeviceRevocation(nacl, alice.identityKeys.secretKey, {
      username: alice.username,
      signPublicKey: alice.sync.device.sign.publicKey,
      revokedAt,
    });
    const loggedOut = await request(suite.server.baseUrl, 'POST', '/api/auth/logout', {
      token: alice.sync.token,
      body: { revocation: encodeBase64(revocation) },
    });
    assert.equal(loggedOut.status, 204);
    const view = await membershipView(bob, group);
    assert.ok(view.directory.revoked.has(alice.sync.deviceId));

    // Bob: the title was set before the revocation, so it opens; judged without the server's
    // time (as every client did before) it would read "Encrypted group".
    const seen = await conversationRow(bob, group);
    assert.ok(Date.parse(seen.titleChangedAt as string) < revokedAt);
    assert.equal(await titleSeenBy(bob, seen, 'server time'), 'Book club');
    assert.equal(await titleSeenBy(bob, seen, 'none'), 'REVOKED_DEVICE');

    // Alice logs in again on a new device: keys from her archive, the same title.
    const again = await loginWithPassword(suite.server, alice.username, alice.password);
    assert.ok(again.ok);
    people.closeAfterSuite(again.value);
    assert.ok((await restoreArchive(again.value)) > 0);
    assert.equal(
      await titleSeenBy(again.value, await conversationRow(again.value, group), 'server time'),
      'Book club',
    );
  });

  it('the server stamps titleChangedAt itself: when a title is set or changed, and never from the client', async () => {
    const alice = await people.register('alice');
    const group = await createGroup(alice.sync, []);
    const created = await conversationRow(alice, group);
    // createGroup sets an opaque title at creation.
    assert.equal(typeof created.titleChangedAt, 'string');
    await startEpoch(alice, group, 0);

    // Same title, another time claimed by the client: nothing changes.
    const claimed = { ...created, titleChangedAt: '2000-01-01T00:00:00.000Z' };
    assertAccepted(
      await push(alice.sync, 'conversations', [
        { assumedMasterState: created, newDocumentState: claimed },
      ]),
    );
    assert.equal((await conversationRow(alice, group)).titleChangedAt, created.titleChangedAt);

    const renamed = await rename(alice, group, 'Hiking');
    assert.ok(
      Date.parse(renamed.titleChangedAt as string) > Date.parse(created.titleChangedAt as string),
    );
    assert.equal(await titleSeenBy(alice, renamed, 'server time'), 'Hiking');
  });
});

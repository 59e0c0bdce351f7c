import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type {
  PushesResponse,
  PushResponse,
  StreamEvent,
  SyncErrorAck,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import { SYNC_LIMITS } from '@anochat/schemas/rxdb/sync';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  connectSocket,
  createGroup,
  eventually,
  messageDoc,
  pullAll,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import type { Socket } from 'socket.io-client';

const suite = useSyncServer({ DATABASE_POOL_MAX: '8' });
const sockets: Socket[] = [];
after(() => {
  for (const socket of sockets) socket.close();
});
async function user(): Promise<SyncClient> {
  const client = await syncUser(suite.server.baseUrl);
  sockets.push(client.socket);
  return client;
}

const pushOf = (...messages: WireDocument[]) => ({
  collection: 'messages',
  rows: messages.map((newDocumentState) => ({ assumedMasterState: null, newDocumentState })),
});

/** A new connection of `client`'s device whose handshake carries `pushes`; its first `pushed`. */
async function connectWithPushes(
  client: SyncClient,
  pushes: unknown,
): Promise<{ socket: Socket; pushed: Promise<PushesResponse & Partial<SyncErrorAck>> }> {
  let answered: (answer: PushesResponse & Partial<SyncErrorAck>) => void = () => undefined;
  const pushed = new Promise<PushesResponse & Partial<SyncErrorAck>>((resolve) => {
    answered = resolve;
  });
  const socket = await connectSocket(
    suite.server.baseUrl,
    { token: client.token, pushes },
    (created) => created.once('pushed', answered),
  );
  sockets.push(socket);
  return { socket, pushed };
}

const storedIds = async (client: SyncClient) =>
  (await pullAll(client, 'messages')).documents.map((doc) => doc.id);

/**
 * A device that was cut off with writes waiting sends them with its next handshake (`auth.pushes`,
 * docs/protocol.md "Connecting"): they are stored as the connection opens and answered as `pushed`.
 */
describe('pushes carried by the handshake', () => {
  it('stores them in the order sent, answers each as a push would be, and streams them to live members', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    await pullAll(bob, 'messages');
    const streamedToBob = bob.streams.length;
    const [first, second] = [messageDoc(alice, group), messageDoc(alice, group)];

    const { pushed } = await connectWithPushes(alice, [pushOf(first), pushOf(second)]);
    const answer = await pushed;

    assert.equal(answer.error, undefined, JSON.stringify(answer));
    assert.equal(answer.results.length, 2);
    for (const [index, result] of answer.results.entries()) {
      const accepted = result as PushResponse;
      assert.deepEqual(
        { conflicts: accepted.conflicts, rejected: accepted.rejected },
        { conflicts: [], rejected: [] },
      );
      assert.deepEqual(
        accepted.stored.map((row) => row.id),
        [[first, second][index]?.id],
      );
    }
    // Streamed to Bob, who was live (before he pulls again: a pull would take them off the stream).
    await eventually(() =>
      bob.streams
        .slice(streamedToBob)
        .some(
          (event: StreamEvent) =>
            'documents' in event && event.documents.some((doc) => doc.id === second.id),
        ),
    );
    assert.deepEqual(await storedIds(bob), [first.id, second.id]);
  });

  it('stores a push sent again after a lost answer once, and answers it with the stored fields again', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const message = messageDoc(alice, group);
    const firstTry = await connectWithPushes(alice, [pushOf(message)]);
    const firstAnswer = (await firstTry.pushed).results[0] as PushResponse;
    firstTry.socket.close();

    const again = await connectWithPushes(alice, [pushOf(message)]);
    const secondAnswer = (await again.pushed).results[0] as PushResponse;

    assert.deepEqual(secondAnswer.rejected, []);
    assert.deepEqual(secondAnswer.stored, firstAnswer.stored);
    assert.deepEqual(await storedIds(bob), [message.id]);
  });

  it('refuses one bad push on its own: the others are stored and the connection stays up', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const good = messageDoc(alice, group);
    const { socket, pushed } = await connectWithPushes(alice, [
      { collection: 'nonsense', rows: [] },
      pushOf(good),
      { collection: 'messages', rows: [{ newDocumentState: { id: 'not-a-message' } }] },
    ]);
    const answer = await pushed;

    const [unknown, accepted, invalid] = answer.results as (PushResponse & SyncErrorAck)[];
    assert.equal(unknown?.error.code, 'UNKNOWN_COLLECTION');
    assert.deepEqual(accepted?.rejected, []);
    assert.equal(invalid?.error.code, 'VALIDATION_FAILED');
    assert.deepEqual(await storedIds(bob), [good.id]);
    assert.ok(socket.connected);
  });

  it('refuses a malformed list as a whole with a clear error, and runs none of it', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const tooMany = Array.from({ length: SYNC_LIMITS.maxHandshakePushes + 1 }, () =>
      pushOf(messageDoc(alice, group)),
    );
    for (const pushes of [{ collection: 'messages' }, [], tooMany, 'messages']) {
      const { socket, pushed } = await connectWithPushes(alice, pushes);
      const answer = await pushed;
      assert.deepEqual(Object.keys(answer), ['error']);
      assert.equal(answer.error?.code, 'VALIDATION_FAILED');
      assert.match(answer.error?.message ?? '', /auth\.pushes/);
      assert.ok(socket.connected);
    }
    assert.deepEqual(await storedIds(bob), []);
  });

  it('checks each push against the pushing device: a message in a conversation it is not in is refused', async () => {
    const [alice, bob, mallory] = [await user(), await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const intruding = { ...messageDoc(mallory, group) };
    const { pushed } = await connectWithPushes(mallory, [pushOf(intruding)]);
    const result = (await pushed).results[0] as PushResponse;
    assert.deepEqual(
      result.rejected.map((row) => row.id),
      [intruding.id],
    );
    assert.deepEqual(await storedIds(bob), []);
  });
});

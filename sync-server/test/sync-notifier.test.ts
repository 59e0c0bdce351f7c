import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../src/logging/logger.ts';
import { createNotifier, parseNotice } from '../src/replication/live/notifier.ts';

// The other instances are a stand-in here (a Redis that never answers or refuses cannot be made
// to order); sync-instance-stop.test.ts and sync-fanout.test.ts use real Redis and processes.
describe('change notices between instances', () => {
  const logger = createLogger('silent');

  it('a push waits for the other instances to have its notice, but not forever', async () => {
    const delivered: unknown[] = [];
    const notifier = createNotifier({
      logger,
      confirmTimeoutMs: 50,
      // Redis that never answers.
      peers: { send: () => new Promise(() => undefined), onNotice: () => undefined },
    });
    notifier.subscribe((notice) => delivered.push(notice));
    await notifier.publish({ userIds: [], collections: ['messages'], xid: '7' });
    assert.equal(delivered.length, 1, 'this instance has it at once');
  });

  it('a notice Redis refused does not fail the push', async () => {
    const notifier = createNotifier({
      logger,
      peers: { send: () => Promise.reject(new Error('redis away')), onNotice: () => undefined },
    });
    await notifier.publish({ userIds: [], collections: ['messages'] });
  });

  it('delivers what the other instances sent to this instance', () => {
    let deliver: (notice: { userIds: string[]; collections: ['devices'] }) => void = () => {};
    const notifier = createNotifier({
      logger,
      peers: {
        send: async () => undefined,
        onNotice: (listener) => {
          deliver = listener;
        },
      },
    });
    const delivered: unknown[] = [];
    notifier.subscribe((notice) => delivered.push(notice));
    deliver({ userIds: [], collections: ['devices'] });
    assert.deepEqual(delivered, [{ userIds: [], collections: ['devices'] }]);
  });

  it('takes only well-formed notices from Redis', () => {
    const user = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    const good = { origin: 'o', userIds: [user], collections: ['messages'], xid: '42' };
    assert.deepEqual(parseNotice(JSON.stringify(good)), good);
    assert.deepEqual(parseNotice(JSON.stringify({ ...good, xid: undefined })), {
      ...good,
      xid: undefined,
    });
    for (const bad of [
      'not json',
      'null',
      '[]',
      JSON.stringify({ ...good, origin: 1 }),
      JSON.stringify({ ...good, userIds: 'x' }),
      JSON.stringify({ ...good, userIds: ['not-a-uuid'] }),
      JSON.stringify({ ...good, collections: ['nope'] }),
      JSON.stringify({ ...good, collections: 'messages' }),
      JSON.stringify({ ...good, xid: 42 }),
      JSON.stringify({ ...good, xid: '-1' }),
    ]) {
      assert.equal(parseNotice(bad), null, bad);
    }
  });
});

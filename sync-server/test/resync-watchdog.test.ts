import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import type { StreamEvent } from '@anochat/schemas/rxdb/sync';
import pg from 'pg';
import { createLogger } from '../src/logging/logger.ts';
import { createLiveStream, RESYNC_REPEAT_MAX_MS } from '../src/replication/live/live-stream.ts';

/**
 * The RESYNC watchdog's waits, on node:test's mock clock: a device that never pulls gets the
 * connection's RESYNC, then repeats after 250, 500, 1000 ms ... up to RESYNC_REPEAT_MAX_MS.
 * Measured on a real socket these waits move with the machine's load; here they are exact.
 * (resync-drop.test.ts shows a real RxDB client catching up through these repeats.)
 */
describe('the RESYNC watchdog', () => {
  before(() => {
    mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'], now: 0 });
  });
  after(() => {
    mock.timers.reset();
  });

  it('repeats RESYNC to a collection that never pulls, each time waiting twice as long, up to the ceiling', async () => {
    // A device that never pulls: no query is ever made, the pool never connects.
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    const live = createLiveStream({ pool, logger: createLogger('silent'), resyncRepeatMs: 250 });
    const sentAt: number[] = [];
    live.attach({
      userId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      deviceId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c',
      send(event: StreamEvent) {
        if (event.collection === 'messages' && 'resync' in event) sentAt.push(Date.now());
      },
    });
    for (let ms = 0; ms < 2 * 60_000; ms += 50) mock.timers.tick(50);
    live.close();
    await pool.end();

    const waits = sentAt.slice(1).map((at, index) => at - (sentAt[index] as number));
    assert.deepEqual(waits.slice(0, 7), [250, 500, 1_000, 2_000, 4_000, 8_000, 16_000]);
    assert.ok(waits.length > 8, 'it keeps asking');
    assert.ok(
      waits.slice(7).every((wait) => wait === RESYNC_REPEAT_MAX_MS),
      `then every ${RESYNC_REPEAT_MAX_MS} ms: ${waits.slice(7).join(', ')}`,
    );
  });
});

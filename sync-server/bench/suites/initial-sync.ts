import type { Checkpoint } from '@anochat/schemas/rxdb/sync';
import { benchAccessToken, seedCertifiedDevices } from '@anochat/test-support/seeded-devices';
import type pg from 'pg';
import { sizeFromEnv } from '../../../bench/measure.ts';
import type { BenchResult } from '../../../bench/report.ts';
import {
  closeAll,
  connect,
  createGroup,
  ENVELOPE_BYTES,
  nacl,
  pull,
  SYNC_BATCH,
} from './bench-clients.ts';

const SYNC_MESSAGES = sizeFromEnv('BENCH_SYNC_MESSAGES', 100_000);

/** (2) A fresh device of a member pulls a conversation of SYNC_MESSAGES seeded messages. */
export async function initialSync(baseUrl: string, pool: pg.Pool): Promise<BenchResult[]> {
  const [adminDevice, memberDevice] = await seedCertifiedDevices(nacl, pool, 2, 'sync');
  if (!adminDevice || !memberDevice) throw new Error('seed failed');
  const admin = await connect(baseUrl, adminDevice);
  const conversationId = await createGroup(admin, [memberDevice], pool);
  const seedStart = performance.now();
  // Ten transactions, so the messages span several revisions like real history would.
  const perTransaction = Math.ceil(SYNC_MESSAGES / 10);
  for (let done = 0; done < SYNC_MESSAGES; done += perTransaction) {
    await pool.query(
      `INSERT INTO messages (id, conversation_id, sender_device_id, envelope)
       SELECT gen_random_uuid(), $1, $2, decode(repeat(md5(i::text), ${ENVELOPE_BYTES / 16}), 'hex')
       FROM generate_series(1, $3::int) AS i`,
      [conversationId, adminDevice.deviceId, Math.min(perTransaction, SYNC_MESSAGES - done)],
    );
  }
  await pool.query('ANALYZE messages');
  const seedSeconds = (performance.now() - seedStart) / 1000;
  // The member's new device: a second device of the same user, never synced before.
  // (Its keys and certificate are the member's first device's: only pulling matters here.)
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO devices (user_id, name, box_public_key, sign_public_key, certificate)
     SELECT user_id, 'fresh', box_public_key, sign_public_key, certificate FROM devices WHERE id = $1
     RETURNING id`,
    [memberDevice.deviceId],
  );
  const freshId = (rows[0] as { id: string }).id;
  const fresh = await connect(baseUrl, {
    userId: memberDevice.userId,
    deviceId: freshId,
    local: { ...memberDevice.local, deviceId: freshId },
    token: benchAccessToken(memberDevice.userId, freshId),
  });
  let documents = 0;
  let pages = 0;
  let checkpoint: Checkpoint | null = null;
  const start = performance.now();
  for (;;) {
    const page = await pull(fresh.socket, 'messages', checkpoint, SYNC_BATCH);
    pages++;
    documents += page.documents.length;
    checkpoint = page.checkpoint;
    if (page.documents.length === 0) break;
  }
  const seconds = (performance.now() - start) / 1000;
  closeAll([admin, fresh]);
  if (documents !== SYNC_MESSAGES) {
    throw new Error(`initial sync pulled ${documents} of ${SYNC_MESSAGES} messages`);
  }
  const name = `initial_sync.${SYNC_MESSAGES}_messages_batch_${SYNC_BATCH}`;
  return [
    {
      metric: `${name}.throughput`,
      value: documents / seconds,
      unit: 'docs/s',
      target: 20000,
      better: 'higher',
    },
    {
      metric: `${name}.pull_p50`,
      value: (seconds * 1000) / pages,
      unit: 'ms',
      target: null,
      better: 'lower',
    },
    { metric: `${name}.total`, value: seconds, unit: 's', target: null, better: 'lower' },
    {
      metric: 'initial_sync.seed_sql_rate',
      value: SYNC_MESSAGES / seedSeconds,
      unit: 'rows/s',
      target: null,
      better: 'higher',
    },
  ];
}

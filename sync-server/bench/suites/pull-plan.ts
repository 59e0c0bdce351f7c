import { seedCertifiedDevices } from '@anochat/test-support/seeded-devices';
import type pg from 'pg';
import { sizeFromEnv } from '../../../bench/measure.ts';
import type { BenchResult } from '../../../bench/report.ts';
import { pullParams, pullSql } from '../../src/replication/pull/pull-queries.ts';
import { ENVELOPE_BYTES, nacl, SYNC_BATCH } from './bench-clients.ts';

const PLAN_MESSAGES = sizeFromEnv('BENCH_PLAN_MESSAGES', 1_000_000);

/**
 * (5) The messages pull on a database holding PLAN_MESSAGES messages (topped up with SQL in
 * conversations of other users): EXPLAIN ANALYZE of a device's first page and of its caught-up
 * pull. Its cost depends on the device's conversations, not on the table: index range scans only.
 */
export async function pullPlan(pool: pg.Pool): Promise<BenchResult[]> {
  const [reader] = await seedCertifiedDevices(nacl, pool, 1, 'plan');
  if (reader === undefined) throw new Error('seed failed');
  const { rows: counted } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM messages',
  );
  const missing = PLAN_MESSAGES - (counted[0]?.n ?? 0);
  const perConversation = 100;
  const conversations = Math.max(0, Math.ceil(missing / perConversation));
  const seedStart = performance.now();
  for (let done = 0; done < conversations; done += 1000) {
    await pool.query(
      `WITH c AS (
         INSERT INTO conversations (id, kind, created_by)
         SELECT gen_random_uuid(), 'group', $1 FROM generate_series(1, $3::int) RETURNING id)
       INSERT INTO messages (id, conversation_id, sender_device_id, envelope)
       SELECT gen_random_uuid(), c.id, $2, decode(repeat(md5(i::text), ${ENVELOPE_BYTES / 16}), 'hex')
         FROM c, generate_series(1, ${perConversation}) AS i`,
      [reader.userId, reader.deviceId, Math.min(1000, conversations - done)],
    );
  }
  // The reader belongs to five of them (500 messages).
  await pool.query(
    `INSERT INTO members (conversation_id, user_id, role)
     SELECT id, $1, 'member' FROM conversations WHERE created_by = $1 LIMIT 5`,
    [reader.userId],
  );
  await pool.query('ANALYZE');
  const { rows: total } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM messages',
  );
  console.log(
    `pull plan: ${total[0]?.n} messages in the database (${((performance.now() - seedStart) / 1000).toFixed(0)} s to seed)`,
  );
  const results: BenchResult[] = [];
  for (const [label, from] of [
    ['first_page', { rev: '0', id: '00000000-0000-0000-0000-000000000000' }],
    ['caught_up', { rev: '18446744073709551615', id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' }],
  ] as const) {
    const params = pullParams({
      userId: reader.userId,
      deviceId: reader.deviceId,
      rev: from.rev,
      key: [from.id],
      limit: SYNC_BATCH,
    });
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${pullSql('messages')}`,
      params,
    );
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    console.log(`messages pull plan (${label}, ${total[0]?.n} messages):\n${plan}\n`);
    const execution = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1]);
    const name = `pull_plan.${total[0]?.n}_messages.${label}`;
    results.push(
      { metric: `${name}.execution`, value: execution, unit: 'ms', target: null, better: 'lower' },
      {
        metric: `${name}.seq_scans_on_messages`,
        value: (plan.match(/Seq Scan on messages/g) ?? []).length,
        unit: 'count',
        target: 0,
        better: 'lower',
      },
    );
  }
  return results;
}

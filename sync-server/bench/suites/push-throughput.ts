import { seedCertifiedDevices } from '@anochat/test-support/seeded-devices';
import type pg from 'pg';
import { percentile, sizeFromEnv } from '../../../bench/measure.ts';
import type { BenchResult } from '../../../bench/report.ts';
import {
  type Client,
  closeAll,
  connectAll,
  createGroup,
  messageDoc,
  nacl,
  push,
} from './bench-clients.ts';

const PUSH_DEVICES = sizeFromEnv('BENCH_PUSH_DEVICES', 20);
const PUSH_GROUP_SIZE = 5;
const PUSH_BATCH = 50;
/** Batches each pushing device sends (sealed and signed before the clock starts). */
const PUSH_BATCHES = sizeFromEnv('BENCH_PUSH_BATCHES', 40);

/** (1) Many devices in groups push batches of 50 messages in parallel, one batch in flight each. */
export async function pushThroughput(baseUrl: string, pool: pg.Pool): Promise<BenchResult[]> {
  const devices = await seedCertifiedDevices(nacl, pool, PUSH_DEVICES, 'push');
  const clients = await connectAll(baseUrl, devices);
  const groups: { id: string; members: Client[] }[] = [];
  for (let i = 0; i < clients.length; i += PUSH_GROUP_SIZE) {
    const members = clients.slice(i, i + PUSH_GROUP_SIZE);
    const [admin, ...others] = members as [Client, ...Client[]];
    groups.push({ id: await createGroup(admin, others, pool), members });
  }
  const senders = groups.flatMap((group) =>
    group.members.map((client) => ({ client, conversationId: group.id })),
  );
  const batch = (sender: (typeof senders)[number]) =>
    Array.from({ length: PUSH_BATCH }, () => messageDoc(sender.client, sender.conversationId));
  // Warm-up: one batch each, not counted.
  await Promise.all(
    senders.map(async (sender) => push(sender.client.socket, 'messages', batch(sender))),
  );
  // Every batch is sealed and signed before the clock starts: the clients measure the server.
  const alone = senders[0] as (typeof senders)[number];
  const aloneBatches = Array.from({ length: 30 }, () => batch(alone));
  const batches = senders.map((sender) =>
    Array.from({ length: PUSH_BATCHES }, () => batch(sender)),
  );
  // One device alone, one batch at a time: the cost of a batch without contention.
  const aloneLatencies: number[] = [];
  for (const documents of aloneBatches) {
    const sent = performance.now();
    await push(alone.client.socket, 'messages', documents);
    aloneLatencies.push(performance.now() - sent);
  }
  aloneLatencies.sort((a, b) => a - b);
  let messages = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    senders.map(async (sender, index) => {
      for (const documents of batches[index] ?? []) {
        const sent = performance.now();
        await push(sender.client.socket, 'messages', documents);
        latencies.push(performance.now() - sent);
        messages += documents.length;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  closeAll(clients);
  latencies.sort((a, b) => a - b);
  const name = `push.${senders.length}_devices_${groups.length}_groups_batch_${PUSH_BATCH}`;
  return [
    {
      metric: `${name}.throughput`,
      value: messages / seconds,
      unit: 'msg/s',
      target: 3000,
      better: 'higher',
    },
    {
      metric: `${name}.batch_ack_p50`,
      value: percentile(latencies, 50),
      unit: 'ms',
      target: null,
      better: 'lower',
    },
    {
      metric: `${name}.batch_ack_p99`,
      value: percentile(latencies, 99),
      unit: 'ms',
      target: null,
      better: 'lower',
    },
    {
      metric: `push.1_device_serial_batch_${PUSH_BATCH}.throughput`,
      value:
        (aloneLatencies.length * PUSH_BATCH * 1000) / aloneLatencies.reduce((a, b) => a + b, 0),
      unit: 'msg/s',
      target: null,
      better: 'higher',
    },
    {
      metric: `push.1_device_serial_batch_${PUSH_BATCH}.batch_ack_p50`,
      value: percentile(aloneLatencies, 50),
      unit: 'ms',
      target: null,
      better: 'lower',
    },
  ];
}

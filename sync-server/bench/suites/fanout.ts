import type { Checkpoint, StreamEvent, WireDocument } from '@anochat/schemas/rxdb/sync';
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
  pull,
  push,
  SYNC_BATCH,
  sleep,
} from './bench-clients.ts';

const FANOUT_GROUPS = sizeFromEnv('BENCH_FANOUT_GROUPS', 50);
const FANOUT_GROUP_SIZE = 10;
export const FANOUT_RATE = sizeFromEnv('BENCH_FANOUT_RATE', 500);
/** A lighter load run first, below the saturation the spec's rate reaches on a small machine. */
export const FANOUT_LIGHT_RATE = sizeFromEnv('BENCH_FANOUT_LIGHT_RATE', 50);
const FANOUT_SECONDS = sizeFromEnv('BENCH_FANOUT_SECONDS', 8);
const FANOUT_WARMUP_SECONDS = sizeFromEnv('BENCH_FANOUT_WARMUP_SECONDS', 2);

/**
 * (3) Live fan-out: FANOUT_GROUPS groups of FANOUT_GROUP_SIZE connected devices (one user each);
 * single-message pushes at `rate`/s from random members, round-robin over the groups. Every member
 * behaves like RxDB's downstream: `stream` events are tasks run in order; a documents event is
 * stored and its checkpoint taken, a RESYNC pulls from the checkpoint until a short page. Measured
 * per (message, member, sender included): push emitted -> the document arrived (by stream or pull);
 * and per message: push emitted -> push ack. Steady state only: every member has finished its
 * first RESYNC pull (the connect storm is not fan-out) and FANOUT_WARMUP_SECONDS of sending at
 * `rate` went before the measured FANOUT_SECONDS (first plans, JIT, pool connections).
 */
export async function fanout(baseUrl: string, pool: pg.Pool, rate: number): Promise<BenchResult[]> {
  const total = FANOUT_GROUPS * FANOUT_GROUP_SIZE;
  const devices = await seedCertifiedDevices(nacl, pool, total, `fan${rate}`);
  const clients = await connectAll(baseUrl, devices);
  const groups: { id: string; members: Client[] }[] = [];
  for (let i = 0; i < clients.length; i += FANOUT_GROUP_SIZE) {
    const members = clients.slice(i, i + FANOUT_GROUP_SIZE);
    const [admin, ...others] = members as [Client, ...Client[]];
    groups.push({ id: await createGroup(admin, others, pool), members });
  }
  const sentAt = new Map<string, number>();
  const delivery: number[] = [];
  const acks: number[] = [];
  let measuring = false;
  let failures = 0;
  let viaStream = 0;
  let viaPull = 0;
  let resyncs = 0;
  /** Documents a member only got from the extra pull after the run: committed, never delivered. */
  let stranded = 0;
  let firstError: string | undefined;
  const checks: (() => Promise<void>)[] = [];
  const caughtUp: (() => Promise<void>)[] = [];
  for (const client of clients) {
    let checkpoint: Checkpoint | null = null;
    let queue: Promise<void> = Promise.resolve();
    const seen = new Set<string>();
    const received = (documents: WireDocument[], via: 'stream' | 'pull') => {
      const now = performance.now();
      for (const doc of documents) {
        const sent = sentAt.get(doc.id as string);
        if (sent === undefined || !measuring || seen.has(doc.id)) continue;
        seen.add(doc.id);
        delivery.push(now - sent);
        if (via === 'stream') viaStream++;
        else viaPull++;
      }
    };
    const task = async (event: StreamEvent) => {
      if ('documents' in event) {
        received(event.documents, 'stream');
        checkpoint = event.checkpoint;
        return;
      }
      resyncs++;
      for (;;) {
        const page = await pull(client.socket, 'messages', checkpoint, SYNC_BATCH);
        received(page.documents, 'pull');
        checkpoint = page.checkpoint;
        if (page.documents.length < SYNC_BATCH) return;
      }
    };
    const enqueue = (event: StreamEvent) => {
      queue = queue
        .then(() => task(event))
        .catch((error: unknown) => {
          failures++;
          firstError ??= `replica: ${String(error)}`;
        });
    };
    client.socket.on('stream', (event: StreamEvent) => {
      if (event.collection === 'messages') enqueue(event);
    });
    enqueue({ collection: 'messages', resync: true });
    caughtUp.push(() => queue);
    checks.push(async () => {
      await queue;
      const page = await pull(client.socket, 'messages', checkpoint, SYNC_BATCH);
      stranded += page.documents.filter((doc) => sentAt.has(doc.id as string)).length;
    });
  }
  await Promise.all(caughtUp.map((queue) => queue()));
  let pushErrors = 0;
  const inFlight: Promise<unknown>[] = [];
  let round = 0;
  /** Sends at `rate`/s for `seconds` (every 10 ms, the messages that are due); returns the count. */
  const sendFor = async (seconds: number): Promise<number> => {
    let count = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      while (count < due) {
        const group = groups[round++ % groups.length] as (typeof groups)[number];
        const sender = group.members[Math.floor(Math.random() * group.members.length)] as Client;
        const doc = messageDoc(sender, group.id);
        const at = performance.now();
        const measured = measuring;
        if (measured) sentAt.set(doc.id as string, at);
        inFlight.push(
          push(sender.socket, 'messages', [doc]).then(
            () => {
              if (measured) acks.push(performance.now() - at);
            },
            (error) => {
              pushErrors++;
              firstError ??= `push: ${String(error)}`;
            },
          ),
        );
        count++;
      }
      await sleep(10);
    }
    return count;
  };
  await sendFor(FANOUT_WARMUP_SECONDS);
  measuring = true;
  const start = performance.now();
  const sent = await sendFor(FANOUT_SECONDS);
  const sendSeconds = (performance.now() - start) / 1000;
  await Promise.all(inFlight);
  const expected = sent * FANOUT_GROUP_SIZE;
  const waitUntil = performance.now() + 5_000;
  while (delivery.length < expected && performance.now() < waitUntil) await sleep(50);
  measuring = false;
  // Anything committed but never delivered shows up in one more pull per member.
  await Promise.all(checks.map((check) => check()));
  closeAll(clients);
  delivery.sort((a, b) => a - b);
  acks.sort((a, b) => a - b);
  const scaled = total === 500 && rate === 500 ? '' : '_SCALED_DOWN';
  const name = `fanout.${total}_devices_${FANOUT_GROUPS}x${FANOUT_GROUP_SIZE}_${rate}msg_s${scaled}`;
  console.log(
    `fan-out: sent ${sent} messages in ${sendSeconds.toFixed(1)} s (${(sent / sendSeconds).toFixed(0)}/s), ` +
      `${delivery.length}/${expected} deliveries (${viaStream} by stream, ${viaPull} by pull, ` +
      `${resyncs} resyncs), ${stranded} more found by one extra pull per member after 5 s, ` +
      `${pushErrors} push errors, ${failures} pull errors` +
      (firstError === undefined ? '' : ` (first: ${firstError})`),
  );
  return [
    {
      metric: `${name}.push_to_received_p50`,
      value: percentile(delivery, 50),
      unit: 'ms',
      target: null,
      better: 'lower',
    },
    {
      metric: `${name}.push_to_received_p99`,
      value: percentile(delivery, 99),
      unit: 'ms',
      target: 100,
      better: 'lower',
    },
    {
      metric: `${name}.push_ack_p50`,
      value: percentile(acks, 50),
      unit: 'ms',
      target: null,
      better: 'lower',
    },
    {
      metric: `${name}.push_ack_p99`,
      value: percentile(acks, 99),
      unit: 'ms',
      target: null,
      better: 'lower',
    },
    {
      metric: `${name}.delivered_fraction`,
      value: delivery.length / expected,
      unit: 'ratio',
      target: 1,
      better: 'higher',
    },
    {
      metric: `${name}.missing_after_stream`,
      value: stranded,
      unit: 'docs',
      target: 0,
      better: 'lower',
    },
    {
      metric: `${name}.achieved_send_rate`,
      value: sent / sendSeconds,
      unit: 'msg/s',
      target: null,
      better: 'higher',
    },
  ];
}

/**
 * npm run bench:sync — one run measures the sync server and writes bench/results/sync.json.
 * Not a test: nothing here fails on a slow machine; the targets are recorded beside the values.
 *
 * Real everything: a throwaway database on the PostgreSQL at 127.0.0.1:5432, the native
 * crypto-native server, the sync server as its own process (src/main.ts on an ephemeral port, so
 * its RSS can be read and it does not share an event loop with the clients) and socket.io clients.
 * Users and devices are inserted with SQL and given access tokens signed with the server's secret
 * (registering thousands of accounts over HTTP would measure Argon2id, not sync); everything that is
 * measured goes through the socket.io API.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createWasmNacl } from '@anochat/crypto-native';
import { loadNaclWasm } from '@anochat/crypto-native/node';
import { encodeBase64, sealMessage } from '@anochat/protocol';
import type {
  Checkpoint,
  PullResponse,
  PushResponse,
  StreamEvent,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import { spawnSyncServer } from '@anochat/test-support/child-sync-server';
import { startTestCryptoServer } from '@anochat/test-support/crypto-server';
import { createTestDatabase } from '@anochat/test-support/database';
import { uuidv7 } from '@anochat/test-support/ids';
import {
  benchAccessToken,
  type SeededDevice,
  seedCertifiedDevices,
} from '@anochat/test-support/seeded-devices';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { percentile, sizeFromEnv } from '../../bench/measure.ts';
import { type BenchResult, reportBenchResults } from '../../bench/report.ts';
import { pullParams, pullSql } from '../src/replication/pull-queries.ts';

type Device = SeededDevice;

interface Client extends Device {
  socket: Socket;
}

/** Sizes, overridable from the environment to scale a run up or down. */
const size = sizeFromEnv;
const PUSH_DEVICES = size('BENCH_PUSH_DEVICES', 20);
const PUSH_GROUP_SIZE = 5;
const PUSH_BATCH = 50;
/** Batches each pushing device sends (sealed and signed before the clock starts). */
const PUSH_BATCHES = size('BENCH_PUSH_BATCHES', 40);
const SYNC_MESSAGES = size('BENCH_SYNC_MESSAGES', 100_000);
const SYNC_BATCH = 200;
const FANOUT_GROUPS = size('BENCH_FANOUT_GROUPS', 50);
const FANOUT_GROUP_SIZE = 10;
const FANOUT_RATE = size('BENCH_FANOUT_RATE', 500);
/** A lighter load run first, below the saturation the spec's rate reaches on a small machine. */
const FANOUT_LIGHT_RATE = size('BENCH_FANOUT_LIGHT_RATE', 50);
const FANOUT_SECONDS = size('BENCH_FANOUT_SECONDS', 8);
const FANOUT_WARMUP_SECONDS = size('BENCH_FANOUT_WARMUP_SECONDS', 2);
const IDLE_DEVICES = size('BENCH_IDLE_DEVICES', 5000);
const PLAN_MESSAGES = size('BENCH_PLAN_MESSAGES', 1_000_000);
const ENVELOPE_BYTES = 256;
/** About 200 characters of text: the sealed envelope is about ENVELOPE_BYTES. */
const TEXT = 'x'.repeat(200);

const nacl = createWasmNacl(await loadNaclWasm());
const conversationKeys = new Map<string, Uint8Array>();
const keyOf = (conversationId: string) => {
  let key = conversationKeys.get(conversationId);
  if (key === undefined) {
    key = nacl.randomBytes(32);
    conversationKeys.set(conversationId, key);
  }
  return { conversationId, epoch: 0, key };
};
const title = () => encodeBase64(nacl.randomBytes(64));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function emit<T>(socket: Socket, event: string, payload: unknown, timeoutMs = 30_000): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

async function push(
  socket: Socket,
  collection: string,
  documents: WireDocument[],
): Promise<PushResponse> {
  const answer = await emit<PushResponse & { error?: unknown }>(socket, 'push', {
    collection,
    rows: documents.map((newDocumentState) => ({ assumedMasterState: null, newDocumentState })),
  });
  if (answer.error !== undefined) throw new Error(`push refused: ${JSON.stringify(answer.error)}`);
  if (answer.rejected.length > 0 || answer.conflicts.length > 0) {
    throw new Error(`push not clean: ${JSON.stringify(answer).slice(0, 500)}`);
  }
  return answer;
}

async function pull(
  socket: Socket,
  collection: string,
  checkpoint: Checkpoint | null,
  batchSize: number,
): Promise<PullResponse> {
  const answer = await emit<PullResponse & { error?: unknown }>(socket, 'pull', {
    collection,
    checkpoint,
    batchSize,
  });
  if (answer.error !== undefined) throw new Error(`pull refused: ${JSON.stringify(answer.error)}`);
  return answer;
}

/** A real message row: sealed under the conversation's key and signed by the sender's device. */
function messageDoc(sender: Device, conversationId: string): WireDocument {
  const id = uuidv7();
  const sealed = sealMessage(
    nacl,
    { id, conversationKey: keyOf(conversationId), payload: { type: 'text', text: TEXT } },
    sender.local,
  );
  return {
    id,
    conversationId,
    senderDeviceId: sender.deviceId,
    envelope: encodeBase64(sealed),
    _deleted: false,
  };
}

function connect(baseUrl: string, device: Device): Promise<Client> {
  const socket = io(baseUrl, {
    auth: { token: device.token },
    transports: ['websocket'],
    reconnection: false,
    timeout: 60_000,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ ...device, socket }));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Connects every device, at most `parallel` handshakes at a time. */
async function connectAll(baseUrl: string, devices: Device[], parallel = 50): Promise<Client[]> {
  const clients: Client[] = new Array(devices.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, devices.length) }, async () => {
      while (next < devices.length) {
        const index = next++;
        clients[index] = await connect(baseUrl, devices[index] as Device);
      }
    }),
  );
  return clients;
}

/**
 * A group created by `admin` through the socket API, with `others` pushed as members. A stranger's
 * invitation is a message request: the members' acceptance is written with SQL, like the seeded
 * accounts (accepting over the socket is not what this benchmark measures).
 */
async function createGroup(admin: Client, others: Device[], pool: pg.Pool): Promise<string> {
  const id = randomUUID();
  await push(admin.socket, 'conversations', [
    {
      id,
      kind: 'group',
      titleCiphertext: title(),
      createdBy: admin.userId,
      directPeerId: null,
      _deleted: false,
    },
  ]);
  for (let i = 0; i < others.length; i += 100) {
    await push(
      admin.socket,
      'members',
      others.slice(i, i + 100).map((other) => ({
        id: `${id}|${other.userId}`,
        conversationId: id,
        userId: other.userId,
        role: 'member',
        removed: false,
        accepted: false,
        _deleted: false,
      })),
    );
  }
  await pool.query('UPDATE members SET accepted_at = now() WHERE conversation_id = $1', [id]);
  return id;
}

function closeAll(clients: Client[]): void {
  for (const client of clients) client.socket.close();
}

/** User + system CPU seconds of a process so far (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of each live `postgres` process on this machine (the server the benchmark uses). */
function postgresCpuSeconds(): Map<number, number> {
  const total = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      total.set(Number(entry), cpuSeconds(Number(entry)));
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/** CPU used since `before` by the postgres processes alive now (a lower bound: ended ones are lost). */
function postgresCpuSince(before: Map<number, number>): number {
  let used = 0;
  for (const [pid, seconds] of postgresCpuSeconds()) used += seconds - (before.get(pid) ?? 0);
  return used;
}

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error('no VmRSS');
  return Number(match[1]);
}

/** (1) Many devices in groups push batches of 50 messages in parallel, one batch in flight each. */
async function pushThroughput(baseUrl: string, pool: pg.Pool): Promise<BenchResult[]> {
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

/** (2) A fresh device of a member pulls a conversation of SYNC_MESSAGES seeded messages. */
async function initialSync(baseUrl: string, pool: pg.Pool): Promise<BenchResult[]> {
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
async function fanout(baseUrl: string, pool: pg.Pool, rate: number): Promise<BenchResult[]> {
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

/**
 * (5) The messages pull on a database holding PLAN_MESSAGES messages (topped up with SQL in
 * conversations of other users): EXPLAIN ANALYZE of a device's first page and of its caught-up
 * pull. Its cost depends on the device's conversations, not on the table: index range scans only.
 */
async function pullPlan(pool: pg.Pool): Promise<BenchResult[]> {
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

/** (4) Server RSS per connected idle device: RSS before and after IDLE_DEVICES connections. */
async function idleMemory(
  databaseUrl: string,
  cryptoAddress: string,
  pool: pg.Pool,
): Promise<BenchResult[]> {
  // A fresh server process, so garbage left by the earlier phases does not move its RSS.
  const server = await spawnSyncServer(databaseUrl, cryptoAddress, { DATABASE_POOL_MAX: '10' });
  try {
    return await idleMemoryOf(server.baseUrl, pool, server.process.pid as number);
  } finally {
    await server.stop();
  }
}

async function idleMemoryOf(baseUrl: string, pool: pg.Pool, pid: number): Promise<BenchResult[]> {
  const devices = await seedCertifiedDevices(nacl, pool, IDLE_DEVICES, 'idle');
  // A small warm-up set, so one-off allocations (first handshake, code paths) are not counted.
  const warm = await connectAll(baseUrl, await seedCertifiedDevices(nacl, pool, 200, 'warm'));
  await sleep(2000);
  const before = rssKiB(pid);
  const clients = await connectAll(baseUrl, devices, 100);
  await sleep(3000);
  const after = rssKiB(pid);
  closeAll([...clients, ...warm]);
  const name = `idle.${IDLE_DEVICES}_connected_devices`;
  return [
    {
      metric: `${name}.server_rss_per_device`,
      value: (after - before) / IDLE_DEVICES,
      unit: 'KiB',
      target: 50,
      better: 'lower',
    },
    {
      metric: `${name}.server_rss_before`,
      value: before / 1024,
      unit: 'MiB',
      target: null,
      better: 'lower',
    },
    {
      metric: `${name}.server_rss_total`,
      value: after / 1024,
      unit: 'MiB',
      target: null,
      better: 'lower',
    },
  ];
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const crypto = await startTestCryptoServer();
  const results: BenchResult[] = [];
  let server: Awaited<ReturnType<typeof spawnSyncServer>> | undefined;
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  try {
    server = await spawnSyncServer(database.url, crypto.address, {
      DATABASE_POOL_MAX: '10',
      LOG_LEVEL: 'info',
    });
    const pid = server.process.pid as number;
    const { baseUrl } = server;
    const phases: [string, () => Promise<BenchResult[]>][] = [
      ['push throughput', () => pushThroughput(baseUrl, pool)],
      ['initial sync', () => initialSync(baseUrl, pool)],
      ['pull plan on a large database', () => pullPlan(pool)],
      ['fan-out latency (light)', () => fanout(baseUrl, pool, FANOUT_LIGHT_RATE)],
      ['fan-out latency (spec)', () => fanout(baseUrl, pool, FANOUT_RATE)],
      ['idle memory (own server process)', () => idleMemory(database.url, crypto.address, pool)],
    ];
    // BENCH_ONLY=<part of a phase title> runs just that phase (while working on it).
    const only = process.env.BENCH_ONLY;
    for (const [title, phase] of phases.filter(
      ([name]) => only === undefined || name.includes(only),
    )) {
      const start = performance.now();
      const serverCpu = cpuSeconds(pid);
      const postgresCpu = postgresCpuSeconds();
      const ownCpu = process.cpuUsage();
      try {
        results.push(...(await phase()));
      } catch (error) {
        console.error(`${title} failed:`, error);
      }
      const seconds = (performance.now() - start) / 1000;
      const own = process.cpuUsage(ownCpu);
      console.log(
        `${title}: ${seconds.toFixed(1)} s, sync server CPU ${(((cpuSeconds(pid) - serverCpu) / seconds) * 100).toFixed(0)}%, ` +
          `PostgreSQL CPU >= ${((postgresCpuSince(postgresCpu) / seconds) * 100).toFixed(0)}%, ` +
          `bench clients CPU ${(((own.user + own.system) / 1e6 / seconds) * 100).toFixed(0)}% (of one core; ${cpus().length} cores)`,
      );
      await sleep(500);
    }
  } finally {
    await server?.stop().catch(() => undefined);
    await pool.end();
    await crypto.cleanup();
    await database.drop();
  }
  reportBenchResults('sync', results);
}

await main();

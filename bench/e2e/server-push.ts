/**
 * Server push throughput with signature verification on, for bench:e2e. Real everything: a
 * throwaway database on the PostgreSQL at 127.0.0.1:5432, the native crypto-native server, the sync
 * server as its own process (so sealing and the clients do not share its event loop) and socket.io
 * clients. Users and devices are inserted with SQL, with real identity keys and device certificates,
 * and given access tokens signed with the test secret (registering over HTTP would measure
 * Argon2id). Every envelope is sealed and signed before the clock starts; the server checks each
 * row (`checkMessageRow`) and verifies each batch's signatures in one gRPC VerifyBatch call.
 */
import { randomUUID } from 'node:crypto';
import { createGrpcNacl } from '@anochat/crypto-native/node';
import { checkMessageRow, type LocalDevice, newConversationKey } from '@anochat/protocol';
import { sealMessageEnvelope } from '@anochat/protocol/client';
import type { PushResponse, WireDocument } from '@anochat/schemas/rxdb/sync';
import { spawnSyncServer } from '@anochat/test-support/child-sync-server';
import { startTestCryptoServer } from '@anochat/test-support/crypto-server';
import { createTestDatabase } from '@anochat/test-support/database';
import { uuidv7 } from '@anochat/test-support/ids';
import { seedCertifiedDevices } from '@anochat/test-support/seeded-devices';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import type { SyncNacl } from '../../crypto-native/js/nacl.ts';
import { percentile, sizeFromEnv } from '../measure.ts';
import type { BenchResult } from '../report.ts';

const size = sizeFromEnv;
const DEVICES = size('BENCH_E2E_PUSH_DEVICES', 40);
const GROUP_SIZE = 5;
const BATCH = 50;
const BATCHES_PER_DEVICE = size('BENCH_E2E_PUSH_BATCHES', 25);
const TEXT = 'See you at 8, Maria!';

interface Sender {
  device: LocalDevice;
  token: string;
  socket?: Socket;
  conversationId?: string;
}

async function emitPush(socket: Socket, collection: string, documents: WireDocument[]) {
  const answer = (await socket.timeout(60_000).emitWithAck('push', {
    collection,
    rows: documents.map((newDocumentState) => ({ assumedMasterState: null, newDocumentState })),
  })) as PushResponse & { error?: unknown };
  if (answer.error !== undefined || answer.rejected.length > 0 || answer.conflicts.length > 0) {
    throw new Error(`push not clean: ${JSON.stringify(answer).slice(0, 500)}`);
  }
}

/** Senders with an identity key and one certified device each. */
async function seedSenders(nacl: SyncNacl, pool: pg.Pool, count: number): Promise<Sender[]> {
  const seeded = await seedCertifiedDevices(nacl, pool, count, 'e2e_bench');
  return seeded.map(({ local, token }) => ({ device: local, token }));
}

function connect(baseUrl: string, token: string): Promise<Socket> {
  const socket = io(baseUrl, { auth: { token }, transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/**
 * Groups of GROUP_SIZE senders, created through the socket API by their first member. A stranger's
 * invitation is a message request: the members' acceptance is written with SQL, like the seeded
 * accounts (it is not what this benchmark measures).
 */
async function formGroups(senders: Sender[], pool: pg.Pool): Promise<void> {
  for (let i = 0; i < senders.length; i += GROUP_SIZE) {
    const members = senders.slice(i, i + GROUP_SIZE);
    const [admin, ...others] = members as [Sender, ...Sender[]];
    const id = randomUUID();
    await emitPush(admin.socket as Socket, 'conversations', [
      {
        id,
        kind: 'group',
        titleCiphertext: null,
        createdBy: admin.device.userId,
        directPeerId: null,
        _deleted: false,
      },
    ]);
    await emitPush(
      admin.socket as Socket,
      'members',
      others.map((other) => ({
        id: `${id}|${other.device.userId}`,
        conversationId: id,
        userId: other.device.userId,
        role: 'member',
        removed: false,
        accepted: false,
        _deleted: false,
      })),
    );
    await pool.query('UPDATE members SET accepted_at = now() WHERE conversation_id = $1', [id]);
    for (const member of members) member.conversationId = id;
  }
}

/** `batches` batches of BATCH real message rows, sealed and signed by the sender's device. */
function sealBatches(nacl: SyncNacl, sender: Sender, key: Uint8Array, batches: number) {
  const conversationId = sender.conversationId as string;
  return Array.from({ length: batches }, () =>
    Array.from({ length: BATCH }, (): WireDocument => {
      const id = uuidv7();
      return {
        id,
        conversationId,
        senderDeviceId: sender.device.deviceId,
        envelope: sealMessageEnvelope(nacl, sender.device, { conversationId, epoch: 0, key }, id, {
          type: 'text',
          text: TEXT,
        }),
        _deleted: false,
      };
    }),
  );
}

/**
 * The server's share of a batch alone, serially: `checkMessageRow` for each row, then one
 * VerifyBatch call to crypto-native (what signature-checks.ts does, without the database).
 */
async function checkOnly(
  address: string,
  batches: readonly WireDocument[][],
  sender: Sender | undefined,
): Promise<number> {
  if (sender === undefined || batches.length === 0) return Number.NaN;
  const grpc = createGrpcNacl(address);
  try {
    const publicKey = sender.device.sign.publicKey;
    const times: number[] = [];
    for (let round = 0; round < 40; round++) {
      const batch = batches[round % batches.length] as WireDocument[];
      const start = performance.now();
      const items = batch.map((row) => {
        const checked = checkMessageRow(row as unknown as Parameters<typeof checkMessageRow>[0]);
        if (!checked.ok) throw new Error(checked.error.message);
        return {
          message: checked.value.signedBytes,
          signature: checked.value.envelope.signature,
          publicKey,
        };
      });
      const verdicts = await grpc.verifyBatch(items);
      times.push(performance.now() - start);
      if (!verdicts.every(Boolean)) throw new Error('a benchmark signature did not verify');
    }
    return percentile(
      times.sort((a, b) => a - b),
      50,
    );
  } finally {
    grpc.close();
  }
}

/** Every sender pushes its sealed batches, one in flight each; answers messages/s and ack times. */
export async function serverPushWithVerification(nacl: SyncNacl): Promise<BenchResult[]> {
  const database = await createTestDatabase();
  const crypto = await startTestCryptoServer();
  const server = await spawnSyncServer(database.url, crypto.address, {
    DATABASE_POOL_MAX: '16',
    SYNC_TEST_PUSH_DELAY_MAX_MS: '0',
  });
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  const sockets: Socket[] = [];
  try {
    const senders = await seedSenders(nacl, pool, DEVICES);
    for (const sender of senders) {
      sender.socket = await connect(server.baseUrl, sender.token);
      sockets.push(sender.socket);
    }
    await formGroups(senders, pool);
    const keys = new Map(
      senders.map((sender) => [sender.conversationId, newConversationKey(nacl)]),
    );
    const work = senders.map((sender) => ({
      sender,
      batches: sealBatches(
        nacl,
        sender,
        keys.get(sender.conversationId) as Uint8Array,
        BATCHES_PER_DEVICE + 1,
      ),
    }));
    // Warm-up: one batch each, not counted.
    await Promise.all(
      work.map(({ sender, batches }) =>
        emitPush(sender.socket as Socket, 'messages', batches.shift() as WireDocument[]),
      ),
    );

    const latencies: number[] = [];
    const start = performance.now();
    await Promise.all(
      work.map(async ({ sender, batches }) => {
        for (const batch of batches) {
          const sent = performance.now();
          await emitPush(sender.socket as Socket, 'messages', batch);
          latencies.push(performance.now() - sent);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const pushed = DEVICES * BATCHES_PER_DEVICE * BATCH;
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
    if (rows[0]?.n !== pushed + DEVICES * BATCH) {
      throw new Error(`expected ${pushed + DEVICES * BATCH} stored messages, found ${rows[0]?.n}`);
    }
    latencies.sort((a, b) => a - b);
    const name = `server.push_verified.${DEVICES}_devices_batch_${BATCH}`;
    const checks = await checkOnly(crypto.address, work[0]?.batches ?? [], work[0]?.sender);
    return [
      {
        metric: `${name}.throughput`,
        value: pushed / seconds,
        unit: 'messages/s',
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
        metric: `server.check_and_verify_batch_${BATCH}`,
        value: checks,
        unit: 'ms',
        target: null,
        better: 'lower',
      },
    ];
  } finally {
    for (const socket of sockets) socket.close();
    await pool.end();
    await server.stop();
    await crypto.cleanup();
    await database.drop();
  }
}

/**
 * npm run bench:e2e — the end-to-end protocol's costs in one run; writes bench/results/e2e.json.
 * Not a test: nothing fails on a slow machine; the targets are recorded beside the values.
 */
import { randomUUID } from 'node:crypto';
import {
  deriveAccountSecrets,
  encodeBase64,
  MESSAGE_HEADER_BYTES,
  openMessage,
  sealMessage,
  wrapConversationKeyForMembers,
} from '@anochat/protocol';
import { PASSWORD_ARGON2ID } from '@anochat/schemas/e2e/limits';
import {
  createUser,
  loadSyncProviders,
  membershipView,
  newConversation,
  onlyDevice,
} from '@anochat/test-support/e2e-world';
import { encodePacket } from 'engine.io-parser';
import { Encoder, PacketType } from 'socket.io-parser';
import { toPushRow } from '../../app/src/replication/wire.ts';
import { rate } from '../../crypto-native/bench/local-suite.ts';
import type { SyncNacl } from '../../crypto-native/js/nacl.ts';
import { type BenchResult, reportBenchResults } from '../report.ts';
import { serverPushWithVerification } from './server-push.ts';

const TWENTY_CHARACTERS = 'See you at 8, Maria!';
const OPEN_POOL = 256;

function messageScene(nacl: SyncNacl) {
  const alice = createUser(nacl, 'alice');
  const bob = createUser(nacl, 'bob');
  const conversation = newConversation(nacl);
  const view = membershipView(nacl, [alice, bob], [alice, bob]);
  const sender = onlyDevice(alice);
  const seal = (id: string) =>
    sealMessage(
      nacl,
      { id, conversationKey: conversation, payload: { type: 'text', text: TWENTY_CHARACTERS } },
      sender,
    );
  return { alice, bob, conversation, view, sender, seal };
}

/** Messages sealed and signed, and opened and verified, per second on one core. */
function throughput(name: string, nacl: SyncNacl, budgetMs: number): BenchResult[] {
  const { conversation, view, sender, seal } = messageScene(nacl);
  const keys = new Map([[conversation.epoch, conversation.key]]);
  const sealed = Array.from({ length: OPEN_POOL }, () => {
    const id = randomUUID();
    return {
      bytes: seal(id),
      row: { id, conversationId: conversation.conversationId, senderDeviceId: sender.deviceId },
    };
  });
  let next = 0;
  const sealRate = rate(() => seal(randomUUID()), budgetMs);
  const openRate = rate(() => {
    const message = sealed[next++ % OPEN_POOL];
    if (message === undefined || !openMessage(nacl, message.bytes, message.row, keys, view).ok) {
      throw new Error('a benchmark message did not open');
    }
  }, budgetMs);
  return [
    {
      metric: `${name}.seal_sign`,
      value: sealRate,
      unit: 'messages/s',
      target: name === 'wasm' ? 20_000 : null,
      better: 'higher',
    },
    {
      metric: `${name}.open_verify`,
      value: openRate,
      unit: 'messages/s',
      target: null,
      better: 'higher',
    },
  ];
}

/** Key envelopes for a new epoch of a group of 10 users with 2 devices each (19 envelopes). */
function rekeyGroup(name: string, nacl: SyncNacl, budgetMs: number): BenchResult {
  const users = Array.from({ length: 10 }, (_, i) => createUser(nacl, `user${i}`, 2));
  const view = membershipView(nacl, users, users);
  const sender = users[0]?.devices[0];
  if (sender === undefined) throw new Error('no sender');
  const conversation = newConversation(nacl);
  const value = rate(
    () => wrapConversationKeyForMembers(nacl, conversation, sender, view),
    budgetMs,
  );
  return {
    metric: `${name}.rekey_group_of_10x2_devices`,
    value,
    unit: 'epochs/s',
    target: null,
    better: 'higher',
  };
}

/** One socket.io packet as it leaves in an engine.io message (text, no binary attachments). */
function socketIoFrame(data: unknown[], ackId?: number): string {
  const [packet] = new Encoder().encode({
    type: PacketType.EVENT,
    nsp: '/',
    ...(ackId === undefined ? {} : { id: ackId }),
    data,
  });
  let frame = '';
  encodePacket({ type: 'message', data: String(packet) }, false, (encoded) => {
    frame = String(encoded);
  });
  return frame;
}

/**
 * Bytes a 20-character text message takes on the wire: the binary envelope, its base64, and the
 * socket.io `push` event that carries the row as the app sends it (`toPushRow`: engine.io message
 * packet, socket.io event with ack id, the compact push row as JSON), plus the WebSocket frame
 * header of a masked client frame. The receiving side's `stream` event is shown beside it.
 */
function wireSize(nacl: SyncNacl): BenchResult[] {
  const { conversation, sender, seal } = messageScene(nacl);
  const id = randomUUID();
  const envelope = seal(id);
  const row = {
    id,
    conversationId: conversation.conversationId,
    senderDeviceId: sender.deviceId,
    envelope: encodeBase64(envelope),
    _deleted: false,
  };
  const pushRow = toPushRow('messages', { newDocumentState: row }, sender.deviceId);
  const frame = socketIoFrame(['push', { collection: 'messages', rows: [pushRow] }], 12);
  const streamed = {
    ...row,
    createdAt: new Date().toISOString(),
    editedAt: null,
    rev: '4294967296123',
  };
  const streamFrame = socketIoFrame([
    'stream',
    { collection: 'messages', documents: [streamed], checkpoint: { rev: streamed.rev, id } },
  ]);
  const frameBytes = Buffer.byteLength(frame);
  const webSocketHeader = 2 + (frameBytes > 125 ? 2 : 0) + 4;
  return [
    {
      metric: 'wire.message_20_chars.envelope',
      value: envelope.length,
      unit: 'bytes',
      target: null,
      better: 'lower',
    },
    {
      metric: 'wire.message_20_chars.envelope_fixed_part',
      value: MESSAGE_HEADER_BYTES + 16,
      unit: 'bytes',
      target: null,
      better: 'lower',
    },
    {
      metric: 'wire.message_20_chars.base64',
      value: row.envelope.length,
      unit: 'bytes',
      target: null,
      better: 'lower',
    },
    {
      metric: 'wire.message_20_chars.socketio_push',
      value: frameBytes,
      unit: 'bytes',
      target: 400,
      better: 'lower',
    },
    {
      metric: 'wire.message_20_chars.websocket_frame',
      value: frameBytes + webSocketHeader,
      unit: 'bytes',
      target: null,
      better: 'lower',
    },
    {
      metric: 'wire.message_20_chars.socketio_stream_to_receiver',
      value: Buffer.byteLength(streamFrame),
      unit: 'bytes',
      target: null,
      better: 'lower',
    },
  ];
}

/** Login latency: Argon2id at the production cost, then the two BLAKE2b derivations. */
async function passwordDerivation(name: string, nacl: SyncNacl): Promise<BenchResult> {
  const rounds = name === 'wasm' ? 5 : 2;
  const start = performance.now();
  for (let i = 0; i < rounds; i++)
    await deriveAccountSecrets(nacl, 'alice', `password ${i}`, PASSWORD_ARGON2ID);
  const value = (performance.now() - start) / rounds;
  return {
    metric: `${name}.password_derivation`,
    value,
    unit: 'ms',
    target: null,
    better: 'lower',
  };
}

const { wasm, tweetnacl } = await loadSyncProviders();
const results: BenchResult[] = [
  ...throughput('wasm', wasm, 1500),
  ...throughput('tweetnacl', tweetnacl, 1500),
  rekeyGroup('wasm', wasm, 1000),
  rekeyGroup('tweetnacl', tweetnacl, 1000),
  ...wireSize(wasm),
  await passwordDerivation('wasm', wasm),
  await passwordDerivation('tweetnacl', tweetnacl),
  ...(await serverPushWithVerification(wasm)),
];
reportBenchResults('e2e', results);

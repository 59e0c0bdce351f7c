import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createWasmNacl } from '@anochat/crypto-native';
import { loadNaclWasm } from '@anochat/crypto-native/node';
import { decodeMessageEnvelope, decodePayload, encryptAttachment } from '@anochat/protocol';
import { ATTACHMENT_ROUTES, UPLOAD_CHUNK_BYTES } from '@anochat/schemas/api/attachments';
import { MAX_PREVIEW_BYTES } from '@anochat/schemas/e2e/limits';
import { spawnSyncServer } from '@anochat/test-support/child-sync-server';
import { startTestCryptoServer } from '@anochat/test-support/crypto-server';
import { createTestDatabase } from '@anochat/test-support/database';
import { uuidv7 } from '@anochat/test-support/ids';
import {
  conversationKeyOf,
  createGroup,
  pullAll,
  push,
  type SyncClient,
  sealedMessage,
  syncUser,
} from '@anochat/test-support/sync-client';
import { Upload } from 'tus-js-client';
import { startFaultProxy } from '../../tests/chaos/fault-proxy.ts';
import { createPrng } from '../../tests/chaos/prng.ts';
import { rssKiB } from '../process-usage.ts';
import { type BenchResult, reportBenchResults } from '../report.ts';

/**
 * `npm run bench:attachments`: every number of issue 13's item 5, measured in one run, each ratio
 * against its reference measured in the same run. The server is a child process (src/main.ts)
 * against a throwaway PostgreSQL database and crypto-native, so its RSS is its own.
 */

const MIB = 1024 * 1024;
const FILE_BYTES = Number(process.env.BENCH_FILE_MIB ?? 100) * MIB;
const CONCURRENT_UPLOADS = Number(process.env.BENCH_CONCURRENT ?? 20);
const PAIRED_ROUNDS = 5;
const NATIVE_BENCH = fileURLToPath(
  new URL('../../crypto-native/build/native/anochat-nacl-bench', import.meta.url),
);
const FILE_LABEL = `${FILE_BYTES / MIB}m`;

const results: BenchResult[] = [];
const step = (what: string) => console.error(`[bench:attachments] ${what}`);
const nacl = createWasmNacl(await loadNaclWasm());

step('secretstream, WebAssembly against native');
// --- 1. WebAssembly secretstream against native libsodium, alternating rounds -----------------

/** MB/s (10^6 bytes) of the provider's secretstream: 1 MiB in 64 KiB chunks, as native measures. */
function wasmSecretstream(durationMs: number): number {
  const message = new Uint8Array(64 * 1024);
  const key = nacl.randomBytes(32);
  let streams = 0;
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    const { state } = nacl.secretstreamInitPush(key);
    for (let pushed = 0; pushed < MIB; pushed += message.length) {
      nacl.secretstreamPush(state, message, pushed + message.length === MIB ? 3 : 0);
    }
    streams++;
  }
  return (streams * MIB) / 1e6 / ((performance.now() - start) / 1000);
}

function nativeSecretstream(): number {
  const line = execFileSync(NATIVE_BENCH, ['secretstream_1m'], { encoding: 'utf8' });
  return (JSON.parse(line) as { value: number }).value;
}

{
  const ratios: number[] = [];
  const wasmRates: number[] = [];
  const nativeRates: number[] = [];
  for (let round = 0; round < PAIRED_ROUNDS; round++) {
    const native = nativeSecretstream();
    const wasm = wasmSecretstream(700);
    nativeRates.push(native);
    wasmRates.push(wasm);
    ratios.push(wasm / native);
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  results.push(
    {
      metric: 'secretstream.wasm_provider_1m',
      value: median(wasmRates),
      unit: 'MB/s',
      target: null,
      better: 'higher',
    },
    {
      metric: 'secretstream.native_1m',
      value: median(nativeRates),
      unit: 'MB/s',
      target: null,
      better: 'higher',
    },
    {
      metric: 'ratio.secretstream.wasm_vs_native',
      value: median(ratios),
      unit: 'x',
      target: 0.6,
      better: 'higher',
    },
  );
  // The whole encryption of a file as the app does it: secretstream plus the chained BLAKE2b.
  const file = new Uint8Array(randomBytes(32 * MIB));
  const start = performance.now();
  encryptAttachment(nacl, file);
  results.push({
    metric: 'attachment.encrypt_wasm_32m (stream + hash chain)',
    value: file.length / 1e6 / ((performance.now() - start) / 1000),
    unit: 'MB/s',
    target: null,
    better: 'higher',
  });
}

step('starting PostgreSQL database, crypto-native and the sync server');
// --- the stack ----------------------------------------------------------------------------------

const dataDir = await mkdtemp(join(tmpdir(), 'attach-bench-'));
const database = await createTestDatabase();
const crypto = await startTestCryptoServer();
const server = await spawnSyncServer(database.url, crypto.address, {
  DATA_DIR: dataDir,
  ATTACHMENTS_QUOTA_BYTES: String(64 * 1024 * MIB),
  ATTACHMENTS_UPLOADS_PER_WINDOW: '1000',
  RATE_LIMIT_PER_IP: '100000',
});
const serverPid = server.process.pid as number;
const clients: SyncClient[] = [];

/** A TCP relay that counts every byte in both directions (what a wire would carry, TCP/IP aside). */
async function countingRelay(targetPort: number) {
  let bytes = 0;
  const sockets = new Set<Socket>();
  const relay: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      bytes += chunk.length;
    });
    upstream.on('data', (chunk) => {
      bytes += chunk.length;
    });
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port } = relay.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    bytes: () => bytes,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

/** Uploads `blob` with the app's tus client and chunk size; resolves with the blob id. */
function tusUpload(baseUrl: string, token: string, blob: Buffer, conversationId: string) {
  return new Promise<string>((resolve, reject) => {
    const upload = new Upload(blob, {
      endpoint: `${baseUrl}${ATTACHMENT_ROUTES.uploads}`,
      chunkSize: UPLOAD_CHUNK_BYTES,
      metadata: { conversationId, messageId: uuidv7() },
      headers: { Authorization: `Bearer ${token}` },
      retryDelays: [],
      storeFingerprintForResuming: false,
      onSuccess: () => resolve((upload.url as string).split('/').pop() as string),
      onError: reject,
    });
    upload.start();
  });
}

async function downloadAll(baseUrl: string, token: string, blobId: string): Promise<number> {
  const response = await fetch(`${baseUrl}${ATTACHMENT_ROUTES.blobs}/${blobId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  let received = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
    received += chunk.length;
  return received;
}

try {
  const alice = await syncUser(server.baseUrl);
  const bob = await syncUser(server.baseUrl);
  clients.push(alice, bob);
  const group = await createGroup(alice, [bob]);

  step('upload and download against a file copy');
  // --- 2. upload and download of the file (100 MiB) against a plain file copy --------------------
  const file = new Uint8Array(randomBytes(FILE_BYTES));
  const { blob: encrypted } = (() => {
    const sealed = encryptAttachment(nacl, file);
    if (!sealed.ok) throw new Error(sealed.error.message);
    return sealed.value;
  })();
  const blob = Buffer.from(encrypted);
  const source = join(dataDir, 'copy-source');
  await writeFile(source, blob);
  const copyStart = performance.now();
  await pipeline(createReadStream(source), createWriteStream(join(dataDir, 'copy-target')));
  const copyRate = blob.length / 1e6 / ((performance.now() - copyStart) / 1000);
  await rm(join(dataDir, 'copy-target'));

  const uploadStart = performance.now();
  const blobId = await tusUpload(server.baseUrl, alice.token, blob, group);
  const uploadRate = blob.length / 1e6 / ((performance.now() - uploadStart) / 1000);
  const downloadStart = performance.now();
  const downloaded = await downloadAll(server.baseUrl, bob.token, blobId);
  const downloadRate = downloaded / 1e6 / ((performance.now() - downloadStart) / 1000);
  if (downloaded !== blob.length) throw new Error(`downloaded ${downloaded} of ${blob.length}`);
  results.push(
    {
      metric: `file_copy_${FILE_LABEL} (reference, stream copy)`,
      value: copyRate,
      unit: 'MB/s',
      target: null,
      better: 'higher',
    },
    {
      metric: `upload_${FILE_LABEL} (tus, the app's chunks, loopback)`,
      value: uploadRate,
      unit: 'MB/s',
      target: null,
      better: 'higher',
    },
    {
      metric: `download_${FILE_LABEL} (one GET, loopback)`,
      value: downloadRate,
      unit: 'MB/s',
      target: null,
      better: 'higher',
    },
    {
      metric: 'ratio.upload_vs_file_copy',
      value: uploadRate / copyRate,
      unit: 'x',
      target: 0.5,
      better: 'higher',
    },
    {
      metric: 'ratio.download_vs_file_copy',
      value: downloadRate / copyRate,
      unit: 'x',
      target: 0.5,
      better: 'higher',
    },
  );

  step('bytes on the wire');
  // --- 3. bytes on the wire per byte of file (upload + download, through a counting relay) ----
  const relay = await countingRelay(Number(new URL(server.baseUrl).port));
  const countedId = await tusUpload(relay.url, alice.token, blob, group);
  const uploadWire = relay.bytes();
  await downloadAll(relay.url, bob.token, countedId);
  const downloadWire = relay.bytes() - uploadWire;
  await relay.close();
  results.push(
    {
      metric: 'wire.upload_bytes_per_file_byte',
      value: uploadWire / FILE_BYTES,
      unit: 'x',
      target: 1.02,
      better: 'lower',
    },
    {
      metric: 'wire.download_bytes_per_file_byte',
      value: downloadWire / FILE_BYTES,
      unit: 'x',
      target: 1.02,
      better: 'lower',
    },
  );

  step(`server RSS with ${CONCURRENT_UPLOADS} uploads at once`);
  // --- 4. server RSS with 20 uploads of 100 MiB at once ----------------------------------------
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idle = rssKiB(serverPid) * 1024;
  let peak = idle;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, rssKiB(serverPid) * 1024);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const concurrentStart = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENT_UPLOADS }, () =>
      tusUpload(server.baseUrl, alice.token, blob, group),
    ),
  );
  const concurrentSeconds = (performance.now() - concurrentStart) / 1000;
  sampling = false;
  await sampler;
  results.push(
    { metric: 'server_rss.idle', value: idle / MIB, unit: 'MiB', target: null, better: 'lower' },
    {
      metric: `server_rss.above_idle_${CONCURRENT_UPLOADS}x${FILE_LABEL}_uploads`,
      value: (peak - idle) / MIB,
      unit: 'MiB',
      target: 100,
      better: 'lower',
    },
    {
      metric: `upload_${CONCURRENT_UPLOADS}x${FILE_LABEL}_aggregate`,
      value: (CONCURRENT_UPLOADS * blob.length) / 1e6 / concurrentSeconds,
      unit: 'MB/s',
      target: null,
      better: 'higher',
    },
  );

  step('time to first preview over a slow link');
  // --- 5. time to first preview over 250 kbit/s with 800 ms round trips ------------------------
  const slowLink = await startFaultProxy({
    target: () => Number(new URL(server.baseUrl).port),
    prng: createPrng(250),
    // 800 ms round trip: 400 ms each way; 250 kbit/s = 31,250 bytes/s.
    link: { latencyMs: 400, bytesPerSecond: 31_250 },
  });
  try {
    const sender = await syncUser(server.baseUrl);
    const receiver = await syncUser(slowLink.url);
    clients.push(sender, receiver);
    const conversationId = await createGroup(sender, [receiver]);
    // A device is live (streamed to) once it has pulled, as the app does on connecting.
    await pullAll(receiver, 'messages');
    const photo = encryptAttachment(nacl, new Uint8Array(randomBytes(2 * MIB)));
    if (!photo.ok) throw new Error(photo.error.message);
    const previewBytes = new Uint8Array(randomBytes(MAX_PREVIEW_BYTES - 1024));
    const measured: number[] = [];
    for (let round = 0; round < 3; round++) {
      const id = uuidv7();
      const payload = {
        type: 'attachment' as const,
        fileName: `IMG_${round}.jpg`,
        mime: 'image/jpeg',
        size: 2 * MIB,
        key: photo.value.sealed.key as Uint8Array<ArrayBuffer>,
        header: photo.value.sealed.header as Uint8Array<ArrayBuffer>,
        contentHash: photo.value.sealed.contentHash as Uint8Array<ArrayBuffer>,
        blobId: randomUUID(),
        width: 4032,
        height: 3024,
        preview: previewBytes as Uint8Array<ArrayBuffer>,
      };
      const sent = performance.now();
      await push(sender, 'messages', [
        {
          assumedMasterState: null,
          newDocumentState: {
            id,
            conversationId,
            senderDeviceId: sender.deviceId,
            envelope: sealedMessage(sender, { id, conversationId, payload }),
            _deleted: false,
          },
        },
      ]);
      const preview = await new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no preview within 30 s')), 30_000);
        const check = () => {
          for (const event of receiver.streams) {
            if (!('documents' in event)) continue;
            const document = event.documents.find((doc) => doc.id === id);
            if (document === undefined) continue;
            const envelope = decodeMessageEnvelope(
              Buffer.from(document.envelope as string, 'base64'),
              { id, conversationId, senderDeviceId: sender.deviceId },
            );
            if (!envelope.ok) return reject(new Error(envelope.error.message));
            const key = conversationKeyOf(conversationId).key;
            const opened = nacl.secretboxOpen(envelope.value.ciphertext, envelope.value.nonce, key);
            if (opened === null) return reject(new Error('the envelope did not open'));
            const decoded = decodePayload(opened);
            if (!decoded.ok || decoded.value.type !== 'attachment' || !decoded.value.preview)
              return reject(new Error('no preview in the payload'));
            clearTimeout(timer);
            return resolve(decoded.value.preview);
          }
          setTimeout(check, 5);
        };
        check();
      });
      if (preview.length !== previewBytes.length) throw new Error('preview changed on the way');
      measured.push((performance.now() - sent) / 1000);
    }
    measured.sort((a, b) => a - b);
    results.push({
      metric: 'time_to_first_preview (250 kbit/s, 800 ms RTT, median of 3)',
      value: measured[1] as number,
      unit: 's',
      target: 3,
      better: 'lower',
    });
  } finally {
    await slowLink.close();
  }
} finally {
  for (const client of clients) client.socket.close();
  await server.stop();
  await crypto.cleanup();
  await database.drop();
  await rm(dataDir, { recursive: true, force: true });
}

reportBenchResults('attachments', results);

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWasmNacl } from '@anochat/crypto-native';
import { createGrpcNacl, loadNaclWasm, startCryptoServer } from '@anochat/crypto-native/node';
import { percentile, sizeFromEnv } from '../measure.ts';
import { type BenchResult, reportBenchResults } from '../report.ts';

/**
 * Why crypto-native is a sidecar on a unix socket (k8s/base/sync-server.yaml): the round trip of
 * the call a push makes (VerifyBatch, one signature) from Node's gRPC client to the native server,
 * over a unix socket and over TCP on loopback, sequentially, alternating rounds so that both see
 * the same machine. A separate Deployment would add a network hop on top of the TCP figure.
 * `npm run bench:deploy`; BENCH_CALLS sets the calls per transport (default 20,000).
 */
const CALLS = sizeFromEnv('BENCH_CALLS', 20_000);
const ROUNDS = 10;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const folder = mkdtempSync(join(tmpdir(), 'anochat-transport-'));
const unixServer = await startCryptoServer(`unix:${join(folder, 'crypto.sock')}`);
const tcpServer = await startCryptoServer(`127.0.0.1:${await freePort()}`);
const transports = [
  { name: 'unix socket', nacl: createGrpcNacl(unixServer.address), samples: [] as number[] },
  { name: 'TCP loopback', nacl: createGrpcNacl(tcpServer.address), samples: [] as number[] },
];
try {
  const wasm = createWasmNacl(await loadNaclWasm());
  const keys = wasm.signKeyPair();
  const message = new Uint8Array(256).fill(7);
  const item = {
    publicKey: keys.publicKey,
    message,
    signature: wasm.signDetached(message, keys.secretKey),
  };
  for (const transport of transports) {
    for (let i = 0; i < 500; i++) await transport.nacl.verifyBatch([item]);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const transport of transports) {
      for (let i = 0; i < CALLS / ROUNDS; i++) {
        const started = performance.now();
        const [valid] = await transport.nacl.verifyBatch([item]);
        transport.samples.push(performance.now() - started);
        if (valid !== true) throw new Error('the signature did not verify');
      }
    }
  }
  const results: BenchResult[] = [];
  for (const transport of transports) {
    const sorted = [...transport.samples].sort((a, b) => a - b);
    for (const p of [50, 99]) {
      results.push({
        metric: `VerifyBatch (1 signature) round trip over ${transport.name}, p${p}`,
        value: percentile(sorted, p),
        unit: 'ms',
        target: null,
        better: 'lower',
      });
    }
  }
  reportBenchResults('deploy', results);
} finally {
  for (const transport of transports) transport.nacl.close();
  await unixServer.stop();
  await tcpServer.stop();
  rmSync(folder, { recursive: true, force: true });
}

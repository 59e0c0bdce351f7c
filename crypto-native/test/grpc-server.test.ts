import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NaclError } from '../js/errors.ts';
import { startCryptoServer } from '../js/native-server.node.ts';
import { createGrpcNacl } from '../js/providers/grpc/provider.node.ts';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const password = new TextEncoder().encode('hunter2');

describe('the native gRPC server process', () => {
  it('listens on TCP and reports its health', async () => {
    const server = await startCryptoServer(`127.0.0.1:${await freePort()}`);
    const nacl = createGrpcNacl(server.address);
    try {
      const health = await nacl.health();
      assert.equal(health.serving, true);
      assert.match(health.libsodiumVersion, /^1\.0\.\d+$/);
      assert.ok(health.workerThreads >= 1);
    } finally {
      nacl.close();
      assert.equal(await server.stop(), 0);
    }
  });

  it('on SIGTERM finishes the calls in flight, then exits 0 and accepts nothing more', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'anochat-crypto-'));
    const server = await startCryptoServer(`unix:${join(folder, 'crypto.sock')}`);
    const nacl = createGrpcNacl(server.address);
    try {
      // Argon2id at 32 MiB takes tens of milliseconds each: several are still running at SIGTERM.
      const inFlight = Array.from({ length: 8 }, () =>
        nacl.pwhashStr(password, 3, 32 * 1024 * 1024),
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
      const exitCode = server.stop();
      const hashes = await Promise.all(inFlight);
      assert.equal(hashes.length, 8);
      for (const hash of hashes) assert.match(hash, /^\$argon2id\$/);
      assert.equal(await exitCode, 0);
      await assert.rejects(
        nacl.pwhashStrVerify(hashes[0] as string, password),
        (error: unknown) => error instanceof NaclError && error.code === 'UNAVAILABLE',
      );
    } finally {
      nacl.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

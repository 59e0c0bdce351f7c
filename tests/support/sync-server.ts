import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '@anochat/sync-server/config';
import { createLogger } from '@anochat/sync-server/logger';
import { type RunningSyncServer, startSyncServer } from '@anochat/sync-server/server';

/** Attachment blobs of this process's test servers (each database in its own folder below). */
const TEST_DATA_DIR = mkdtempSync(join(tmpdir(), 'anochat-test-data-'));
process.on('exit', () => rmSync(TEST_DATA_DIR, { recursive: true, force: true }));

export const TEST_JWT_SECRET = 'test-secret-for-the-sync-server-suite-0123456789';

/** Cheapest valid Argon2id (schemas/crypto-limits.json minimums): tests need speed, not strength. */
export function testEnvironment(
  databaseUrl: string,
  cryptoAddress: string,
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    CRYPTO_GRPC_ADDRESS: cryptoAddress,
    JWT_SECRET: TEST_JWT_SECRET,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'debug',
    ARGON2_OPS_LIMIT: '1',
    ARGON2_MEM_LIMIT: '8192',
    DATABASE_POOL_MAX: '4',
    SHUTDOWN_TIMEOUT_MS: '5000',
    DATA_DIR: TEST_DATA_DIR,
  };
}

export interface TestSyncServer extends RunningSyncServer {
  baseUrl: string;
  /** Everything the server logged, for checks that no secret ever reaches the logs. */
  logs(): string;
}

export async function startTestSyncServer(
  databaseUrl: string,
  cryptoAddress: string,
  overrides: Record<string, string> = {},
): Promise<TestSyncServer> {
  const config = loadConfig({ ...testEnvironment(databaseUrl, cryptoAddress), ...overrides });
  let captured = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      captured += String(chunk);
      done();
    },
  });
  const server = await startSyncServer(config, createLogger(config.logLevel, sink));
  return { ...server, baseUrl: `http://127.0.0.1:${server.port}`, logs: () => captured };
}

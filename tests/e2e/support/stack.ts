import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSyncServer } from '@anochat/test-support/child-sync-server';
import { startTestCryptoServer } from '@anochat/test-support/crypto-server';
import { createTestDatabase } from '@anochat/test-support/database';
import { seedEmbeddedDataDirectory, testBackend } from '@anochat/test-support/embedded-database';
import {
  startEmbeddedDefault,
  stopWithSigterm,
} from '@anochat/test-support/embedded-default-server';
import { embeddedPostgresUrl } from '../../../sync-server/src/embedded/embedded-postgres.ts';

const WEB_APP = fileURLToPath(new URL('../../../app/dist', import.meta.url));

/** Tests and the benchmark register many users from 127.0.0.1. */
const GENEROUS_RATE_LIMITS = {
  RATE_LIMIT_PER_IP: '100000',
  RATE_LIMIT_PER_USERNAME: '1000',
  LOGIN_FAILURES_PER_ADDRESS_HOUR: '100000',
  LOGIN_FREE_FAILURES: '1000',
};

/**
 * Web Push towards a local stand-in for the push service (tests/support/push-service.ts), which
 * speaks plain http; the embedded default generates its own VAPID keys into its data folder.
 */
const WEB_PUSH_TO_A_LOCAL_SERVICE = { PUSH_TEST_ALLOW_HTTP: 'true' };

function vapidKeys(): Record<string, string> {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
    format: 'jwk',
  });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x as string, 'base64url'),
    Buffer.from(jwk.y as string, 'base64url'),
  ]);
  return { VAPID_PUBLIC_KEY: point.toString('base64url'), VAPID_PRIVATE_KEY: jwk.d as string };
}

export interface RunningStack {
  url: string;
  /** The sync server's database, for tests that play a dishonest server. */
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * The real stack serving the built app on the API's port: by default a throwaway PostgreSQL
 * database, the native crypto-native server and the sync server (its own process, as in
 * production). With ANOCHAT_TEST_BACKEND=embedded it is `npm start`'s embedded default instead:
 * start-default.ts in its own process with PGlite, its own crypto-native and generated secret.
 */
export async function startStack(): Promise<RunningStack> {
  if (!existsSync(`${WEB_APP}/index.html`)) {
    throw new Error('app/dist is missing: run `bash scripts/build-app.sh` first');
  }
  return testBackend === 'embedded' ? startEmbeddedStack() : startPostgresStack();
}

async function startPostgresStack(): Promise<RunningStack> {
  const database = await createTestDatabase();
  const crypto = await startTestCryptoServer();
  const server = await spawnSyncServer(database.url, crypto.address, {
    WEB_APP_DIR: WEB_APP,
    ...GENEROUS_RATE_LIMITS,
    ...WEB_PUSH_TO_A_LOCAL_SERVICE,
    ...vapidKeys(),
  }).catch(async (error: unknown) => {
    await crypto.cleanup();
    await database.drop();
    throw error;
  });
  return {
    url: server.baseUrl,
    databaseUrl: database.url,
    async stop() {
      await server.stop();
      await crypto.cleanup();
      await database.drop();
    },
  };
}

async function startEmbeddedStack(): Promise<RunningStack> {
  const dataDirectory = await mkdtemp(join(tmpdir(), 'anochat-e2e-embedded-'));
  await seedEmbeddedDataDirectory(dataDirectory);
  const server = await startEmbeddedDefault(dataDirectory, {
    WEB_APP_DIR: WEB_APP,
    ...GENEROUS_RATE_LIMITS,
    ...WEB_PUSH_TO_A_LOCAL_SERVICE,
    // The pool closes its idle connection after 1 s instead of 10 s: every pause of a test is
    // then longer than every timeout in the stack, as a long idle of `npm start` would be.
    DATABASE_IDLE_TIMEOUT_MS: '1000',
  }).catch(async (error: unknown) => {
    await rm(dataDirectory, { recursive: true, force: true });
    throw error;
  });
  return {
    url: server.baseUrl,
    // The session broker serves other clients too, one transaction at a time.
    databaseUrl: embeddedPostgresUrl(join(dataDirectory, 'pglite-socket')),
    async stop() {
      const code = await stopWithSigterm(server);
      await rm(dataDirectory, { recursive: true, force: true });
      if (code !== 0)
        throw new Error(`the embedded default exited with ${code}:\n${server.output()}`);
    },
  };
}

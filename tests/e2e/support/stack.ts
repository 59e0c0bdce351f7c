import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnSyncServer } from '../../../sync-server/test/support/child-sync-server.ts';
import { startTestCryptoServer } from '../../../sync-server/test/support/crypto-server.ts';
import { createTestDatabase } from '../../../sync-server/test/support/database.ts';

const WEB_APP = fileURLToPath(new URL('../../../app/dist', import.meta.url));

export interface RunningStack {
  url: string;
  /** The sync server's database, for tests that play a dishonest server. */
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * The real stack: a throwaway PostgreSQL database, the native crypto-native server, and the sync
 * server (its own process, as in production) serving the built app on the API's port.
 */
export async function startStack(): Promise<RunningStack> {
  if (!existsSync(`${WEB_APP}/index.html`)) {
    throw new Error('app/dist is missing: run `bash scripts/build-app.sh` first');
  }
  const database = await createTestDatabase();
  const crypto = await startTestCryptoServer();
  const server = await spawnSyncServer(database.url, crypto.address, {
    WEB_APP_DIR: WEB_APP,
    // Tests and the benchmark register many users from 127.0.0.1.
    RATE_LIMIT_PER_IP: '100000',
    RATE_LIMIT_PER_USERNAME: '1000',
    LOGIN_FAILURES_PER_ADDRESS_HOUR: '100000',
    LOGIN_FREE_FAILURES: '1000',
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

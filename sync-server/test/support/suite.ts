import { after, before } from 'node:test';
import { startTestCryptoServer } from './crypto-server.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { startTestSyncServer, type TestSyncServer } from './sync-server.ts';

export interface SuiteContext {
  database: TestDatabase;
  crypto: Awaited<ReturnType<typeof startTestCryptoServer>>;
  server: TestSyncServer;
}

/**
 * Registers before/after hooks that give the suite its own empty database, a real crypto-native
 * server and a sync server on an ephemeral port; the returned object is filled in by `before`.
 */
export function useSyncServer(overrides: Record<string, string> = {}): SuiteContext {
  const context = {} as SuiteContext;
  before(async () => {
    context.database = await createTestDatabase();
    context.crypto = await startTestCryptoServer();
    context.server = await startTestSyncServer(
      context.database.url,
      context.crypto.address,
      overrides,
    );
  });
  after(async () => {
    await context.server?.stop().catch(() => undefined);
    await context.crypto?.cleanup();
    await context.database?.drop();
  });
  return context;
}

/** Row counts of the tables a request could write to. */
export async function countRows(
  server: TestSyncServer,
  tables: readonly string[] = ['users', 'devices', 'refresh_tokens', 'rate_limits'],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await server.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table}`,
    );
    counts[table] = rows[0]?.n ?? -1;
  }
  return counts;
}

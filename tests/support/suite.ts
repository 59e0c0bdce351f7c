import { after, before } from 'node:test';
import { startTestCryptoServer } from './crypto-server.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { createEmbeddedTestDatabase, testBackend } from './embedded-database.ts';
import { startTestSyncServer, type TestSyncServer } from './sync-server.ts';

export interface SuiteContext {
  database: TestDatabase;
  crypto: Awaited<ReturnType<typeof startTestCryptoServer>>;
  server: TestSyncServer;
}

/**
 * What the embedded default changes (embedded-defaults.ts), plus an idle timeout far below the
 * default 10 s, so that the pool closes its idle connection and reconnects many times during a
 * suite: every pause between steps is then longer than every timeout in the stack.
 */
const EMBEDDED_OVERRIDES = { DATABASE_POOL_MAX: '1', DATABASE_IDLE_TIMEOUT_MS: '250' };

/**
 * Registers before/after hooks that give the suite its own empty database, a real crypto-native
 * server and a sync server on an ephemeral port; the returned object is filled in by `before`.
 * With ANOCHAT_TEST_BACKEND=embedded the database is the embedded default (PGlite behind the
 * session broker, as `npm start` runs it) instead of PostgreSQL.
 */
export function useSyncServer(overrides: Record<string, string> = {}): SuiteContext {
  const context = {} as SuiteContext;
  before(async () => {
    const embedded = testBackend === 'embedded';
    context.database = embedded ? await createEmbeddedTestDatabase() : await createTestDatabase();
    context.crypto = await startTestCryptoServer();
    context.server = await startTestSyncServer(context.database.url, context.crypto.address, {
      ...overrides,
      ...(embedded ? EMBEDDED_OVERRIDES : {}),
    });
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

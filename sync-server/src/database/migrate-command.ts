/**
 * `npm run migrate -w @anochat/sync-server` (and the Kubernetes init container): applies pending
 * migrations to DATABASE_URL and exits. A database that is not up yet is waited for, as the server
 * does at start (STARTUP_TIMEOUT_MS bounds the wait; 0, the default, waits until it answers).
 */
import { z } from 'zod';
import { createLogger } from '../logging/logger.ts';
import { waitFor } from '../process/wait-for.ts';
import { isConnectionFailure } from './checkout.ts';
import { migrate } from './migrate.ts';
import { createPool } from './pool.ts';

const logger = createLogger('info');
const databaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//)
  .safeParse(process.env.DATABASE_URL);
if (!databaseUrl.success) {
  logger.fatal('DATABASE_URL must be set to a postgres:// URL');
  process.exit(2);
}

const startupTimeout = z.coerce
  .number()
  .int()
  .min(0)
  .max(86_400_000)
  .default(0)
  .safeParse(process.env.STARTUP_TIMEOUT_MS);
if (!startupTimeout.success) {
  logger.fatal('STARTUP_TIMEOUT_MS must be a whole number of milliseconds');
  process.exit(2);
}

const pool = createPool(databaseUrl.data, { max: 1, idleTimeoutMs: 10_000 }, logger);
try {
  const { applied } = await waitFor('the database', () => migrate(pool, logger), {
    logger,
    isTransient: isConnectionFailure,
    timeoutMs: startupTimeout.data,
  });
  logger.info({ applied }, applied.length === 0 ? 'schema is up to date' : 'migrations applied');
} catch (error) {
  logger.fatal({ err: error }, 'migration failed');
  process.exitCode = 1;
} finally {
  await pool.end();
}

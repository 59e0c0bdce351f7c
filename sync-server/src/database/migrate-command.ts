/** `npm run migrate -w @anochat/sync-server`: applies pending migrations to DATABASE_URL and exits. */
import { z } from 'zod';
import { createLogger } from '../logging/logger.ts';
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

const pool = createPool(databaseUrl.data, { max: 1, idleTimeoutMs: 10_000 }, logger);
try {
  const { applied } = await migrate(pool, logger);
  logger.info({ applied }, applied.length === 0 ? 'schema is up to date' : 'migrations applied');
} catch (error) {
  logger.fatal({ err: error }, 'migration failed');
  process.exitCode = 1;
} finally {
  await pool.end();
}

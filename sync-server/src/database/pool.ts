import pg from 'pg';
import type { Logger } from '../logging/logger.ts';

export type Pool = pg.Pool;
export type Queryable = pg.Pool | pg.PoolClient;

export function createPool(url: string, max: number, logger: Logger): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection emits here; without a listener the process would crash.
  pool.on('error', (error) => logger.error({ err: error }, 'idle database client failed'));
  return pool;
}

import pg from 'pg';
import type { Logger } from '../logging/logger.ts';

export type Pool = pg.Pool;
export type Queryable = pg.Pool | pg.PoolClient;

export function createPool(url: string, max: number, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5_000,
    // Every statement here is short. The live stream's query over hundreds of devices looks costly
    // to the planner, which would JIT-compile it (~400 ms of compiling for ~4 ms of work), and its
    // generic plan is twice as slow as one made for the actual positions.
    // Pages are read in index order and cut by LIMIT. The planner cannot estimate a row comparison
    // after a checkpoint (it guessed 48 rows where 100,000 matched), and then prefers a bitmap scan
    // that reads the whole conversation and sorts it for every page: initial sync fell from ~35,000
    // to ~2,500 documents/s whenever ANALYZE's sample led it there. No query here needs bitmaps.
    options: '-c jit=off -c plan_cache_mode=force_custom_plan -c enable_bitmapscan=off',
  });
  // An idle client losing its connection emits here; without a listener the process would crash.
  pool.on('error', (error) => logger.error({ err: error }, 'idle database client failed'));
  return pool;
}

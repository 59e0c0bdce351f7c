import pg from 'pg';
import type { Logger } from '../logging/logger.ts';

export type Pool = pg.Pool;
export type Queryable = pg.Pool | pg.PoolClient;

/** The cheapest round trip that proves the database answers. */
export async function ping(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}

export interface PoolOptions {
  max: number;
  /** A connection idle this long is closed (0: never). */
  idleTimeoutMs: number;
}

export function createPool(url: string, options: PoolOptions, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max,
    idleTimeoutMillis: options.idleTimeoutMs,
    connectionTimeoutMillis: 5_000,
    // A connection whose peer vanished without a word (a cut link, a host gone) is found by TCP
    // keepalive instead of hanging its query until the kernel gives up.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
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
  // (A checked-out client is covered by database/checkout.ts for the time it is out.)
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));
  pool.on('remove', () => logger.debug('database connection closed (idle, failed or ended)'));
  return pool;
}

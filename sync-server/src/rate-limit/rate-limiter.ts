import type { Queryable } from '../database/pool.ts';
import { AppError } from '../errors/app-error.ts';

export interface RateLimitRule {
  /** e.g. `login-ip:203.0.113.7`; one counter per key and window. */
  key: string;
  max: number;
}

export interface RateLimiter {
  /** Counts one attempt against every rule; throws AppError RATE_LIMITED (with Retry-After) if any is over. */
  consume(rules: readonly RateLimitRule[]): Promise<void>;
  /** Deletes counters of windows that have ended. */
  prune(): Promise<number>;
}

/**
 * Fixed-window counters in PostgreSQL, so every server instance shares them and none keeps state
 * between requests. Windows are aligned on the database clock, which all instances share.
 */
export function createRateLimiter(db: Queryable, windowSeconds: number): RateLimiter {
  return {
    async consume(rules) {
      if (rules.length === 0) return;
      // Sorted keys: concurrent requests lock shared counters in one order and cannot deadlock.
      const sorted = [...rules].sort((a, b) => a.key.localeCompare(b.key));
      const { rows } = await db.query<{ key: string; hits: number; retry_after: number }>(
        `WITH current_window AS (
           SELECT to_timestamp(floor(extract(epoch FROM now()) / $2::integer) * $2::integer) AS start
         )
         INSERT INTO rate_limits (key, window_start, hits)
         SELECT key, current_window.start, 1 FROM unnest($1::text[]) AS key, current_window
         ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
         RETURNING key, hits,
           greatest(1, ceil(extract(epoch FROM
             window_start + make_interval(secs => $2::integer) - now())))::integer AS retry_after`,
        [sorted.map((rule) => rule.key), windowSeconds],
      );
      const maxByKey = new Map(sorted.map((rule) => [rule.key, rule.max]));
      const exceeded = rows.filter((row) => row.hits > (maxByKey.get(row.key) ?? 0));
      if (exceeded.length > 0) {
        const retryAfter = Math.max(...exceeded.map((row) => row.retry_after));
        throw new AppError('RATE_LIMITED', `too many attempts; retry in ${retryAfter} s`, {
          'Retry-After': String(retryAfter),
        });
      }
    },
    async prune() {
      const { rowCount } = await db.query(
        'DELETE FROM rate_limits WHERE window_start + make_interval(secs => $1) < now()',
        [windowSeconds],
      );
      return rowCount ?? 0;
    },
  };
}

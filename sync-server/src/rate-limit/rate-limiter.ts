import type { Queryable } from '../database/pool.ts';
import { AppError } from '../errors/app-error.ts';

export interface RateLimitRule {
  /** e.g. `lookup-ip:203.0.113.7`; one counter per key and window. */
  key: string;
  max: number;
}

export interface RateLimiter {
  /**
   * Counts one request against every rule, or, when any rule's budget is spent, throws AppError
   * RATE_LIMITED (with Retry-After) and writes nothing: a refused request leaves no row behind, so
   * requests sprayed over many keys cannot grow the table.
   */
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
      // One statement: the counters of this window are read; only if every one has room are they
      // incremented (created when missing). Otherwise the seconds until the window ends come back.
      const { rows } = await db.query<{ admitted: boolean; retry_after: number }>(
        `WITH current_window AS (
           SELECT to_timestamp(floor(extract(epoch FROM now()) / $3::integer) * $3::integer) AS start
         ),
         rules AS (SELECT * FROM unnest($1::text[], $2::integer[]) AS r (key, max)),
         full_ AS (
           SELECT 1 FROM rules
             JOIN rate_limits l ON l.key = rules.key
             JOIN current_window w ON l.window_start = w.start
            WHERE l.hits >= rules.max
         ),
         counted AS (
           INSERT INTO rate_limits (key, window_start, hits)
           SELECT rules.key, w.start, 1 FROM rules, current_window w
            WHERE NOT EXISTS (SELECT 1 FROM full_)
            ORDER BY rules.key
           ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
           RETURNING 1
         )
         SELECT EXISTS (SELECT 1 FROM counted) AS admitted,
                greatest(1, ceil(extract(epoch FROM
                  w.start + make_interval(secs => $3::integer) - now())))::integer AS retry_after
           FROM current_window w`,
        [sorted.map((rule) => rule.key), sorted.map((rule) => rule.max), windowSeconds],
      );
      const verdict = rows[0];
      if (verdict === undefined || verdict.admitted) return;
      const retryAfter = verdict.retry_after;
      throw new AppError('RATE_LIMITED', `too many attempts; retry in ${retryAfter} s`, {
        'Retry-After': String(retryAfter),
      });
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

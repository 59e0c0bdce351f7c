import type pg from 'pg';
import { withClient } from './checkout.ts';

/**
 * Runs `work` in one transaction: everything it wrote commits together or not at all.
 * `work` may return a value and still roll back by throwing. A connection lost on the way fails
 * with DatabaseUnavailableError (see checkout.ts) and never takes the process down.
 */
export function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/** PostgreSQL's SQLSTATE for a unique constraint violation. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const pgError = error as { code?: unknown; constraint?: unknown };
  return pgError?.code === '23505' && pgError.constraint === constraint;
}

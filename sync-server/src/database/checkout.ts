import type pg from 'pg';

/**
 * The database could not be reached, or it dropped the connection in the middle of the work:
 * nothing of the work is known to have committed unless the caller's protocol says so, and the
 * same request may be tried again later. The edges answer it as NOT_READY (retryable).
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

/** errno codes of a connection that could not be made or was cut. */
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOENT',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is going away or not taking connections: connection exceptions
 * (class 08), admin/crash shutdown and "starting up" (57P01-57P03, the first being what
 * pg_terminate_backend sends), too many connections (53300).
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** `pg` reports a connection it lost or never got with these messages and no SQLSTATE. */
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Cannot use a pool after calling end|Client was closed/i;

/** True when `error` says the database was unreachable or the connection was lost. */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || CONNECTION_ERRNOS.has(code)) {
      return true;
    }
  }
  if (error instanceof AggregateError) return error.errors.some(isConnectionFailure);
  return typeof message === 'string' && CONNECTION_MESSAGES.test(message);
}

/**
 * Runs `work` on a client checked out of the pool, for exactly the checkout's lifetime.
 *
 * pg-pool listens for a client's 'error' only while the client is idle in the pool. A checked-out
 * client whose connection drops (PostgreSQL restarted, pg_terminate_backend, a network cut) emits
 * 'error' with nobody listening, and Node ends the process. Here a listener is attached from
 * checkout to release; a lost connection fails `work` with DatabaseUnavailableError, and the client
 * is discarded instead of going back to the pool. Every checkout in the server goes through here.
 */
export async function withClient<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new DatabaseUnavailableError('could not get a database connection', { cause: error });
  }
  let lost: unknown;
  const onError = (error: unknown) => {
    lost ??= error;
  };
  client.on('error', onError);
  let failure: unknown;
  try {
    return await work(client);
  } catch (error) {
    failure = error;
    if (lost !== undefined || isConnectionFailure(error)) {
      throw new DatabaseUnavailableError('the database connection was lost', {
        cause: lost ?? error,
      });
    }
    throw error;
  } finally {
    const broken = lost ?? (isConnectionFailure(failure) ? failure : undefined);
    // Released with an error, the pool closes the client rather than handing it out again.
    client.release(broken as Error | undefined);
    client.off('error', onError);
  }
}

import type { Pool } from '../database/pool.ts';
import { inTransaction } from '../database/transaction.ts';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';

/**
 * Password guessing is throttled by its failures, never by its attempts, so that nobody can lock
 * someone else out by trying their name (docs/protocol.md, "Rate limits"):
 *
 * - per account: at most `failuresPerAccountHour` wrong secrets in any 60 minutes, from anywhere
 *   (ASVS 2.2.1 asks for no more than 100);
 * - per client address: at most `failuresPerAddressHour` in any 60 minutes, over every account
 *   (spraying one password over many names);
 * - per address and account: `freeFailures` wrong secrets, then each next attempt waits twice as
 *   long after the last failure as the one before (1 s, 2 s, 4 s ... up to `maxBackoffSeconds`).
 *
 * A right secret never counts, and is let through whenever neither budget is spent and its address
 * is not backing off: a stranger failing from their own addresses leaves the owner's fresh address
 * untouched until the account's hourly budget is spent, which one address cannot do alone (the
 * backoff holds it to about 18 failures an hour). An attempt refused here is answered 429 and writes
 * nothing. The failures live in PostgreSQL (one row per key, its failure times of the last hour), so
 * every instance counts together.
 */
export interface SignInLimits {
  failuresPerAccountHour: number;
  failuresPerAddressHour: number;
  freeFailures: number;
  maxBackoffSeconds: number;
}

export interface SignInSubject {
  /** The client's address (req.ip). */
  address: string;
  /** The account guessed at: a lower-cased username, or `id:<uuid>` for a signed-in user. */
  account: string;
}

export interface SignInThrottle {
  /**
   * Runs `attempt` unless the subject is over a budget or backing off (AppError RATE_LIMITED with
   * Retry-After; nothing written). The attempt counts as a failure when it throws
   * INVALID_CREDENTIALS; whatever else it does (success, another error) is not counted.
   */
  guard<T>(subject: SignInSubject, attempt: () => Promise<T>): Promise<T>;
  /** Deletes keys with no failure in the last hour. */
  prune(): Promise<number>;
}

const HOUR_SECONDS = 3600;

type KeyKind = 'account' | 'address' | 'pair';

interface Key {
  kind: KeyKind;
  key: string;
}

function keysOf(subject: SignInSubject): Key[] {
  const account = subject.account.toLowerCase();
  return [
    { kind: 'account' as const, key: `account:${account}` },
    { kind: 'address' as const, key: `address:${subject.address}` },
    { kind: 'pair' as const, key: `pair:${account}|${subject.address}` },
  ].sort((a, b) => a.key.localeCompare(b.key));
}

/** Seconds until an attempt under `key` may be made, from the ages (s) of its failures in the last hour, oldest first; 0 = now. */
export function secondsToWait(
  kind: KeyKind,
  ages: readonly number[],
  limits: SignInLimits,
): number {
  if (kind === 'pair') {
    if (ages.length < limits.freeFailures) return 0;
    const backoff = Math.min(limits.maxBackoffSeconds, 2 ** (ages.length - limits.freeFailures));
    const sinceLast = ages.at(-1) ?? Number.POSITIVE_INFINITY;
    return Math.max(0, backoff - sinceLast);
  }
  const budget = kind === 'account' ? limits.failuresPerAccountHour : limits.failuresPerAddressHour;
  if (ages.length < budget) return 0;
  // The failure whose leaving the hour frees a place: the (count - budget + 1)-th oldest.
  const freeing = ages[ages.length - budget] ?? 0;
  return Math.max(0, HOUR_SECONDS - freeing);
}

export function createSignInThrottle(
  pool: Pool,
  limits: SignInLimits,
  logger: Logger,
): SignInThrottle {
  /**
   * Locks the subject's keys, refuses when any must wait, else records the attempt as a failure
   * in advance (so concurrent attempts cannot all slip under a budget); returns its time.
   */
  async function reserve(keys: readonly Key[]): Promise<string> {
    const names = keys.map((key) => key.key);
    const { wait, at } = await inTransaction(pool, async (db) => {
      // Transaction-scoped advisory locks, taken in key order, make concurrent attempts on a key
      // take turns even before its row exists (locking rows would need them written first).
      await db.query(
        `SELECT pg_advisory_xact_lock(hashtextextended(key, 0))
           FROM unnest($1::text[]) AS key ORDER BY key`,
        [names],
      );
      const { rows } = await db.query<{ key: string; ages: number[] }>(
        `SELECT key, array(SELECT extract(epoch FROM now() - t)::float8 FROM unnest(failures) t
                            WHERE t > now() - interval '1 hour' ORDER BY t) AS ages
           FROM sign_in_failures WHERE key = ANY($1::text[])`,
        [names],
      );
      const agesOf = new Map(rows.map((row) => [row.key, row.ages]));
      const wait = Math.max(
        ...keys.map(({ kind, key }) => secondsToWait(kind, agesOf.get(key) ?? [], limits)),
      );
      if (wait > 0) return { wait, at: null };
      const { rows: recorded } = await db.query<{ at: string }>(
        `INSERT INTO sign_in_failures (key, failures, last_failure_at)
         SELECT key, ARRAY[now()], now() FROM unnest($1::text[]) AS key ORDER BY key
         ON CONFLICT (key) DO UPDATE
           SET failures = array(SELECT t FROM unnest(sign_in_failures.failures || now()) t
                                 WHERE t > now() - interval '1 hour' ORDER BY t),
               last_failure_at = now()
         RETURNING now()::text AS at`,
        [names],
      );
      return { wait: 0, at: recorded[0]?.at ?? null };
    });
    if (wait > 0 || at === null) {
      const seconds = Math.max(1, Math.ceil(wait));
      throw new AppError('RATE_LIMITED', `too many failed sign-ins; retry in ${seconds} s`, {
        'Retry-After': String(seconds),
      });
    }
    return at;
  }

  /** Takes back a reserved failure: the attempt did not guess wrong. The address's backoff for this account ends. */
  async function refund(keys: readonly Key[], at: string): Promise<void> {
    const pair = keys.find((key) => key.kind === 'pair')?.key as string;
    // The reserved failure is found again by its exact time (microseconds, passed as text).
    await pool.query(
      `WITH forgotten AS (DELETE FROM sign_in_failures WHERE key = $3)
       UPDATE sign_in_failures SET failures = array_remove(failures, $2::timestamptz)
        WHERE key = ANY($1::text[])`,
      [keys.filter((key) => key.kind !== 'pair').map((key) => key.key), at, pair],
    );
  }

  /** A refund that fails leaves one failure too many counted for an hour: worth a warning, not the answer. */
  function refundQuietly(keys: readonly Key[], at: string): Promise<void> {
    return refund(keys, at).catch((error: unknown) =>
      logger.warn({ err: error }, 'sign-in failure refund failed'),
    );
  }

  return {
    async guard(subject, attempt) {
      const keys = keysOf(subject);
      const at = await reserve(keys);
      try {
        const result = await attempt();
        await refundQuietly(keys, at);
        return result;
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'INVALID_CREDENTIALS')) {
          await refundQuietly(keys, at);
        }
        throw error;
      }
    },

    async prune() {
      const { rowCount } = await pool.query(
        `DELETE FROM sign_in_failures
          WHERE last_failure_at < now() - interval '1 hour' OR cardinality(failures) = 0`,
      );
      return rowCount ?? 0;
    },
  };
}

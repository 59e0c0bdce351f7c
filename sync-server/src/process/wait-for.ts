import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logging/logger.ts';

export interface WaitOptions {
  logger: Logger;
  /** Failures worth waiting out (a service not up yet); any other failure is thrown at once. */
  isTransient(error: unknown): boolean;
  /** Give up after this long (0: wait until it answers or `signal` aborts). */
  timeoutMs: number;
  /** Aborts the wait (a stop signal during the start). */
  signal?: AbortSignal | undefined;
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs `attempt` until it succeeds, waiting between tries with exponential backoff and jitter:
 * at startup a dependency that is not up yet (PostgreSQL restarting, crypto-native still binding
 * its socket) is waited for instead of ending the process. Each failed try is logged once.
 */
export async function waitFor<T>(
  what: string,
  attempt: () => Promise<T>,
  options: WaitOptions,
): Promise<T> {
  const { logger, signal } = options;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  let delayMs = options.minDelayMs ?? 250;
  const started = Date.now();
  for (let tries = 1; ; tries += 1) {
    signal?.throwIfAborted();
    try {
      const result = await attempt();
      if (tries > 1) logger.info({ dependency: what, tries }, `${what} is available`);
      return result;
    } catch (error) {
      if (!options.isTransient(error)) throw error;
      const waited = Date.now() - started;
      if (options.timeoutMs > 0 && waited >= options.timeoutMs) {
        throw new Error(`${what} still unavailable after ${waited} ms`, { cause: error });
      }
      const retryInMs = Math.round(delayMs * (0.5 + Math.random() / 2));
      logger.warn(
        { err: error, dependency: what, tries, retryInMs },
        `waiting for ${what} (unavailable at startup)`,
      );
      await sleep(retryInMs, undefined, signal ? { signal } : undefined);
      delayMs = Math.min(maxDelayMs, delayMs * 2);
    }
  }
}

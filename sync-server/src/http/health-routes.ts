import { Router } from 'express';
import type { Queryable } from '../database/pool.ts';
import { AppError } from '../errors/app-error.ts';
import { RETRY_AFTER_SECONDS } from '../errors/unavailable.ts';

export interface ReadinessProbes {
  db: Queryable;
  cryptoHealth: () => Promise<{ serving: boolean }>;
  isShuttingDown: () => boolean;
  timeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function probe(check: () => Promise<unknown>, ms: number): Promise<string> {
  try {
    await withTimeout(check(), ms);
    return 'ok';
  } catch {
    return 'unavailable';
  }
}

/** /api/health: the process answers. /api/ready: it can serve (database and crypto-native reachable). */
export function healthRoutes(probes: ReadinessProbes): Router {
  const timeoutMs = probes.timeoutMs ?? 2_000;
  const router = Router();
  router.get('/api/health', (_request, response) => {
    response.json({ status: 'ok' });
  });
  router.get('/api/ready', async (_request, response) => {
    const retryAfter = { 'Retry-After': String(RETRY_AFTER_SECONDS) };
    if (probes.isShuttingDown()) throw new AppError('NOT_READY', 'shutting down', retryAfter);
    const [database, crypto] = await Promise.all([
      probe(() => probes.db.query('SELECT 1'), timeoutMs),
      probe(async () => {
        if (!(await probes.cryptoHealth()).serving) throw new Error('not serving');
      }, timeoutMs),
    ]);
    if (database !== 'ok' || crypto !== 'ok') {
      throw new AppError(
        'NOT_READY',
        `database: ${database}, crypto-native: ${crypto}`,
        retryAfter,
      );
    }
    response.json({ status: 'ready', checks: { database, crypto } });
  });
  return router;
}

import { type UserLookupResponse, userLookupRequest } from '@anochat/schemas/api/users';
import { type RequestHandler, Router } from 'express';
import { authOf } from '../auth/require-auth.ts';
import type { Pool } from '../database/pool.ts';
import { AppError } from '../errors/app-error.ts';
import { parseBody } from '../http/parse-body.ts';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import { findPublicProfile } from './user-repository.ts';

export interface LookupLimits {
  perIp: number;
  perUser: number;
}

export function userRoutes(deps: {
  pool: Pool;
  rateLimiter: RateLimiter;
  limits: LookupLimits;
  authenticated: RequestHandler;
}): Router {
  const { pool, rateLimiter, limits, authenticated } = deps;
  const router = Router();

  // POST, not GET: the name someone looks for stays out of URLs, proxies' logs and caches.
  router.post('/api/users/lookup', authenticated, async (request, response) => {
    const { username } = parseBody(userLookupRequest, request);
    const { userId } = authOf(response);
    // Its own counters: looking people up must not spend the login budget, and guessing names
    // costs every account and every address the same small budget.
    await rateLimiter.consume([
      { key: `lookup-ip:${request.ip ?? 'unknown'}`, max: limits.perIp },
      { key: `lookup-user:${userId}`, max: limits.perUser },
    ]);
    const user = await findPublicProfile(pool, username);
    if (user === null) throw new AppError('NOT_FOUND', 'no user has this name');
    const body: UserLookupResponse = { user };
    response.json(body);
  });

  return router;
}

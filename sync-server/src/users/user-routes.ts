import {
  USER_SEARCH_MAX_RESULTS,
  type UserLookupResponse,
  type UserSearchResponse,
  userLookupRequest,
  userSearchRequest,
} from '@anochat/schemas/api/users';
import { type RequestHandler, Router } from 'express';
import { authOf } from '../auth/require-auth.ts';
import type { Pool } from '../database/pool.ts';
import { AppError } from '../errors/app-error.ts';
import { parseBody } from '../http/parse-body.ts';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import { findPublicProfile, searchPublicProfiles } from './user-repository.ts';

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

  // Search as one types: the same budget as a lookup (counted apart, so neither starves the
  // other), small answers and a minimum length, so listing the accounts takes very long.
  router.post('/api/users/search', authenticated, async (request, response) => {
    const { query } = parseBody(userSearchRequest, request);
    const { userId } = authOf(response);
    await rateLimiter.consume([
      { key: `search-ip:${request.ip ?? 'unknown'}`, max: limits.perIp },
      { key: `search-user:${userId}`, max: limits.perUser },
    ]);
    const users = await searchPublicProfiles(pool, userId, query, USER_SEARCH_MAX_RESULTS);
    const body: UserSearchResponse = { users };
    response.json(body);
  });

  return router;
}

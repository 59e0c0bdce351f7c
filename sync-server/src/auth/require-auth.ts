import type { NextFunction, Request, Response } from 'express';
import type { Queryable } from '../database/pool.ts';
import { isDeviceActive } from '../devices/device-repository.ts';
import { AppError } from '../errors/app-error.ts';
import { contextOf } from '../http/request-context.ts';
import type { AccessTokens } from './access-tokens.ts';

const BEARER = /^Bearer ([A-Za-z0-9_.-]+)$/;

/**
 * Accepts `Authorization: Bearer <access token>` and checks that the device is still active, so a
 * logout or a revocation takes effect at once rather than when the token expires.
 */
export function requireAuth(accessTokens: AccessTokens, db: Queryable) {
  return async (request: Request, response: Response, next: NextFunction): Promise<void> => {
    const match = BEARER.exec(request.get('authorization') ?? '');
    if (match === null) throw new AppError('UNAUTHENTICATED', 'missing bearer access token');
    const claims = accessTokens.verify(match[1] as string);
    if (!(await isDeviceActive(db, claims.userId, claims.deviceId))) {
      throw new AppError('UNAUTHENTICATED', 'this device is signed out');
    }
    contextOf(response).auth = claims;
    next();
  };
}

/** The authenticated user and device; only valid behind requireAuth. */
export function authOf(response: Response): { userId: string; deviceId: string } {
  const { auth } = contextOf(response);
  if (auth === undefined) throw new Error('authOf used on a route without requireAuth');
  return auth;
}

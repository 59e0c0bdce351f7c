import {
  changePasswordRequest,
  keyBackupRequest,
  loginRequest,
  refreshRequest,
  registerRequest,
} from '@anochat/schemas/api/auth';
import { revokeDeviceRequest } from '@anochat/schemas/api/devices';
import { type RequestHandler, Router } from 'express';
import { parseBody } from '../http/parse-body.ts';
import type { RateLimiter, RateLimitRule } from '../rate-limit/rate-limiter.ts';
import type { AuthService } from './auth-service.ts';
import { authOf } from './require-auth.ts';

export interface CredentialLimits {
  perIp: number;
  perUsername: number;
}

/** Register and login share counters: guessing through either costs the same budget. */
function credentialRules(ip: string, username: string, limits: CredentialLimits): RateLimitRule[] {
  return [
    { key: `credentials-ip:${ip}`, max: limits.perIp },
    { key: `credentials-user:${username.toLowerCase()}`, max: limits.perUsername },
  ];
}

export function authRoutes(deps: {
  auth: AuthService;
  rateLimiter: RateLimiter;
  limits: CredentialLimits;
  authenticated: RequestHandler;
  /** Called after a device signed out, e.g. to close its sync connections. */
  onDeviceRevoked?: (userId: string, deviceId: string) => void;
}): Router {
  const { auth, rateLimiter, limits, authenticated } = deps;
  const router = Router();

  router.post('/api/auth/register', async (request, response) => {
    const body = parseBody(registerRequest, request);
    await rateLimiter.consume(credentialRules(request.ip ?? 'unknown', body.username, limits));
    response.status(201).json(await auth.register(body));
  });

  router.post('/api/auth/login', async (request, response) => {
    const body = parseBody(loginRequest, request);
    await rateLimiter.consume(credentialRules(request.ip ?? 'unknown', body.username, limits));
    response.json(await auth.login(body));
  });

  router.post('/api/auth/key-backup', async (request, response) => {
    const body = parseBody(keyBackupRequest, request);
    await rateLimiter.consume(credentialRules(request.ip ?? 'unknown', body.username, limits));
    response.json(await auth.keyBackup(body));
  });

  router.post('/api/auth/password', authenticated, async (request, response) => {
    const body = parseBody(changePasswordRequest, request);
    const { userId } = authOf(response);
    await rateLimiter.consume(credentialRules(request.ip ?? 'unknown', userId, limits));
    await auth.changePassword(userId, body);
    response.status(204).end();
  });

  router.post('/api/auth/refresh', async (request, response) => {
    const { refreshToken } = parseBody(refreshRequest, request);
    response.json(await auth.refresh(refreshToken));
  });

  router.post('/api/auth/logout', authenticated, async (request, response) => {
    const { userId, deviceId } = authOf(response);
    // The body is optional: a device may sign out without its identity key's statement.
    const revocation =
      request.body === undefined ? null : parseBody(revokeDeviceRequest, request).revocation;
    await auth.logout(
      userId,
      deviceId,
      revocation === null ? null : Buffer.from(revocation, 'base64'),
    );
    deps.onDeviceRevoked?.(userId, deviceId);
    response.status(204).end();
  });

  return router;
}

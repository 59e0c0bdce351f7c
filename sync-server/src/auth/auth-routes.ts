import {
  changePasswordRequest,
  keyBackupRequest,
  loginRequest,
  recoverRequest,
  recoveryBackupRequest,
  refreshRequest,
  registerRequest,
  setRecoveryRequest,
} from '@anochat/schemas/api/auth';
import { revokeDeviceRequest } from '@anochat/schemas/api/devices';
import { type Request, type RequestHandler, Router } from 'express';
import { parseBody } from '../http/parse-body.ts';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import type { SignInThrottle } from '../rate-limit/sign-in-throttle.ts';
import type { AuthService } from './auth-service.ts';
import { authOf } from './require-auth.ts';

export function authRoutes(deps: {
  auth: AuthService;
  /** Registrations per address and window (each runs Argon2id: unbounded, they would be a DoS). */
  rateLimiter: RateLimiter;
  registrationsPerAddress: number;
  /** Wrong secrets at login, key-backup fetch and password change. */
  signInThrottle: SignInThrottle;
  authenticated: RequestHandler;
  /** Called after a device signed out or was revoked by a refresh-token reuse, to close its connections. */
  onDeviceRevoked?: (userId: string, deviceId: string) => void;
}): Router {
  const { auth, rateLimiter, signInThrottle, authenticated } = deps;
  const address = (request: Request) => request.ip ?? 'unknown';
  const router = Router();

  router.post('/api/auth/register', async (request, response) => {
    const body = parseBody(registerRequest, request);
    // Per address only: nobody can keep a name from being registered by trying it.
    await rateLimiter.consume([
      { key: `register-ip:${address(request)}`, max: deps.registrationsPerAddress },
    ]);
    response.status(201).json(await auth.register(body));
  });

  router.post('/api/auth/login', async (request, response) => {
    const body = parseBody(loginRequest, request);
    const subject = { address: address(request), account: body.username };
    response.json(await signInThrottle.guard(subject, () => auth.login(body)));
  });

  router.post('/api/auth/key-backup', async (request, response) => {
    const body = parseBody(keyBackupRequest, request);
    const subject = { address: address(request), account: body.username };
    response.json(await signInThrottle.guard(subject, () => auth.keyBackup(body)));
  });

  router.post('/api/auth/password', authenticated, async (request, response) => {
    const body = parseBody(changePasswordRequest, request);
    const { userId, deviceId } = authOf(response);
    const subject = { address: address(request), account: `id:${userId}` };
    const changed = await signInThrottle.guard(subject, () =>
      auth.changePassword(userId, deviceId, body),
    );
    for (const signedOut of changed.signedOutDevices) deps.onDeviceRevoked?.(userId, signedOut);
    response.json(changed);
  });

  // The recovery key is guessed against the same failure budgets as the password (per account,
  // per address, and the backoff per pair): one more way in gives a guesser no more tries.
  router.post('/api/auth/recovery/key-backup', async (request, response) => {
    const body = parseBody(recoveryBackupRequest, request);
    const subject = { address: address(request), account: body.username };
    response.json(await signInThrottle.guard(subject, () => auth.recoveryBackup(body)));
  });

  router.post('/api/auth/recover', async (request, response) => {
    const body = parseBody(recoverRequest, request);
    const subject = { address: address(request), account: body.username };
    response.json(await signInThrottle.guard(subject, () => auth.recover(body)));
  });

  router.get('/api/auth/recovery', authenticated, async (_request, response) => {
    response.json(await auth.recoveryStatus(authOf(response).userId));
  });

  router.put('/api/auth/recovery', authenticated, async (request, response) => {
    const body = parseBody(setRecoveryRequest, request);
    const { userId } = authOf(response);
    const subject = { address: address(request), account: `id:${userId}` };
    await signInThrottle.guard(subject, () => auth.setRecovery(userId, body));
    response.status(204).end();
  });

  router.post('/api/auth/refresh', async (request, response) => {
    const { refreshToken } = parseBody(refreshRequest, request);
    response.json(await auth.refresh(refreshToken, deps.onDeviceRevoked));
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

import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors/app-error.ts';

/** An empty body (`Content-Length: 0`, as fetch sends for a bare POST) carries nothing to check. */
function carriesBody(request: Request): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  return Number(request.headers['content-length'] ?? 0) > 0;
}

/** A request that carries a body must say it is JSON; one without a body (logout) passes. */
export function requireJsonBody(request: Request, _response: Response, next: NextFunction): void {
  if (carriesBody(request) && !request.is('application/json')) {
    next(
      new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        'the body must be JSON (Content-Type: application/json)',
      ),
    );
    return;
  }
  next();
}

import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logging/logger.ts';

/** What one request carries through the middleware chain (in res.locals, typed here). */
export interface RequestContext {
  log: Logger;
  /** Set by the error handler, so the access log line names the failure. */
  errorCode?: string;
  auth?: { userId: string; deviceId: string };
}

export function contextOf(response: Response): RequestContext {
  return response.locals as RequestContext;
}

/** An invite link's page (`/invite/<token>`): the token is a secret, and stays out of the logs. */
const INVITE_PAGE = /^\/invite\/[^/]*/;

/**
 * Gives each request an id and a child logger, and writes one access line when it finishes:
 * method, path without query (an invite token replaced by `:token`), status and duration. Never
 * headers or bodies.
 */
export function requestContext(logger: Logger) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const requestId = randomUUID();
    const started = process.hrtime.bigint();
    const context = contextOf(response);
    context.log = logger.child({ requestId });
    response.setHeader('X-Request-Id', requestId);
    response.on('finish', () => {
      context.log.info(
        {
          method: request.method,
          path: request.path.replace(INVITE_PAGE, '/invite/:token'),
          status: response.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          errorCode: context.errorCode,
        },
        'request',
      );
    });
    next();
  };
}

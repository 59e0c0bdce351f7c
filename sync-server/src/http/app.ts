import express, { type Router } from 'express';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import { errorHandler } from './error-handler.ts';
import { packagedAppCors } from './packaged-app-cors.ts';
import { requestContext } from './request-context.ts';
import { requireJsonBody } from './require-json.ts';
import { securityHeaders } from './security-headers.ts';

export interface AppOptions {
  logger: Logger;
  bodyLimitBytes: number;
  trustProxyHops: number;
  routers: readonly Router[];
  /** Routers that read raw request bodies themselves (attachment uploads), before the JSON parser. */
  rawBodyRouters?: readonly Router[];
}

/** The Express app: request context, security headers, JSON bodies within the limit, the routers, and the error edge. */
export function createApp(options: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // With proxies in front, req.ip (the rate-limit key) must be the client's, not the proxy's.
  app.set('trust proxy', options.trustProxyHops);
  app.use(requestContext(options.logger));
  app.use(securityHeaders);
  app.use(packagedAppCors());
  for (const router of options.rawBodyRouters ?? []) app.use(router);
  app.use(requireJsonBody);
  app.use(express.json({ limit: options.bodyLimitBytes, strict: true }));
  for (const router of options.routers) app.use(router);
  app.use(() => {
    throw new AppError('NOT_FOUND', 'no such route');
  });
  app.use(errorHandler);
  return app;
}

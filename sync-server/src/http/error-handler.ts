import type { ApiErrorBody } from '@anochat/schemas/api/errors';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors/app-error.ts';
import { isBackingServiceDown, RETRY_AFTER_SECONDS } from '../errors/unavailable.ts';
import { contextOf } from './request-context.ts';

/** body-parser's error types, as the failures a client caused. */
const BODY_PARSER_ERRORS: Record<string, AppError> = {
  'entity.parse.failed': new AppError('MALFORMED_JSON', 'the body is not valid JSON'),
  'entity.too.large': new AppError('PAYLOAD_TOO_LARGE', 'the body is larger than the limit'),
  'encoding.unsupported': new AppError('UNSUPPORTED_MEDIA_TYPE', 'unsupported content encoding'),
  'charset.unsupported': new AppError('UNSUPPORTED_MEDIA_TYPE', 'unsupported charset'),
};

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const type = (error as { type?: unknown })?.type;
  if (typeof type === 'string') {
    const known = BODY_PARSER_ERRORS[type];
    if (known !== undefined) return known;
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return new AppError('VALIDATION_FAILED', 'the request body could not be read');
    }
  }
  // The router's own failure to percent-decode a path parameter (`/api/devices/%zz`).
  if (error instanceof URIError) {
    return new AppError('VALIDATION_FAILED', 'the path is not valid percent-encoded UTF-8');
  }
  if (isBackingServiceDown(error)) {
    return new AppError('NOT_READY', 'a backing service is unavailable; retry later', {
      'Retry-After': String(RETRY_AFTER_SECONDS),
    });
  }
  return new AppError('INTERNAL', 'internal error');
}

/**
 * The edge where failures become `{ error: { code, message } }`. Expected failures are named in the
 * access log line; unexpected ones are logged here, once, with their stack, and the client learns
 * nothing about them beyond "internal error".
 */
export function errorHandler(
  error: unknown,
  _request: Request,
  response: Response,
  _next: NextFunction,
): void {
  const appError = toAppError(error);
  const context = contextOf(response);
  context.errorCode = appError.code;
  if (appError.status >= 500) context.log.error({ err: error }, 'request failed');
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body: ApiErrorBody = { error: { code: appError.code, message: appError.message } };
  response.status(appError.status).set(appError.headers).json(body);
}

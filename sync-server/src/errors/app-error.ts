import type { ApiErrorCode } from '@anochat/schemas/api/errors';

const HTTP_STATUS: Record<ApiErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  USERNAME_TAKEN: 409,
  INVALID_CERTIFICATE: 400,
  REFRESH_TOKEN_INVALID: 401,
  REFRESH_TOKEN_REUSED: 401,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 403,
  UPLOAD_CONFLICT: 409,
  RANGE_NOT_SATISFIABLE: 416,
  INVITE_EXPIRED: 410,
  INVITE_REVOKED: 410,
  BLOCKED: 403,
  NOT_ADMIN: 403,
  NOT_READY: 503,
  INTERNAL: 500,
};

/**
 * An expected failure, as a value with a wire code. Modules throw it; only the HTTP edge turns it
 * into a response and logs it, so each failure is logged exactly once.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.status = HTTP_STATUS[code];
  }
}

import type { ApiErrorCode } from '@anochat/schemas/api/errors';

/**
 * Why a server call failed, as a value the UI can switch on. `OFFLINE`: the request never got an
 * answer (no network, server unreachable); the rest are the server's own codes.
 */
export type ClientErrorCode = ApiErrorCode | 'OFFLINE' | 'BAD_RESPONSE';

export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The sentence a person sees for each failure of register, login and session calls. */
export function describeError(error: unknown): string {
  // The key backup did not open with this password (crypto/'s AccountKeyError).
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'WRONG_PASSWORD') return 'Wrong username or password.';
  if (code === 'INVALID_RECOVERY_KEY') {
    return 'This is not a recovery key: a character is wrong or missing. Check it against the one you kept.';
  }
  if (code === 'WRONG_RECOVERY_KEY') return 'Wrong username or recovery key.';
  if (!(error instanceof ClientError)) return 'Something went wrong. Please try again.';
  switch (error.code) {
    case 'OFFLINE':
      return 'You are offline, or the server cannot be reached. Try again when you are connected.';
    case 'INVALID_CREDENTIALS':
      return 'Wrong username or password.';
    case 'USERNAME_TAKEN':
      return 'This username is taken. Choose another one.';
    case 'RATE_LIMITED':
      return 'Too many attempts. Wait a minute and try again.';
    case 'VALIDATION_FAILED':
      return `Please check your input: ${error.message}`;
    case 'REFRESH_TOKEN_INVALID':
    case 'REFRESH_TOKEN_REUSED':
    case 'UNAUTHENTICATED':
      return 'Your session has ended. Please log in again.';
    case 'NOT_READY':
      return 'The server is starting or busy. Try again in a moment.';
    default:
      return error.message;
  }
}

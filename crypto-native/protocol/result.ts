import type { E2eErrorCode } from '@anochat/schemas/e2e/errors';

export type { E2eErrorCode } from '@anochat/schemas/e2e/errors';

/** A refusal: a code to switch on and a message for logs. Never thrown by opening functions. */
export interface E2eFailure {
  code: E2eErrorCode;
  message: string;
}

/** What every parsing, verifying and opening function answers: the value, or why not. */
export type E2eResult<T> = { ok: true; value: T } | { ok: false; error: E2eFailure };

/**
 * Thrown only for caller mistakes (a key of the wrong size, an id that is not a UUID, a payload that
 * breaks its schema) and by `deriveAccountSecrets` when no faithful Argon2id is available.
 */
export class E2eError extends Error {
  override readonly name = 'E2eError';

  constructor(
    readonly code: E2eErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function ok<T>(value: T): E2eResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: E2eErrorCode, message: string): E2eResult<T> {
  return { ok: false, error: { code, message } };
}

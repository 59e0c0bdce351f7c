import { z } from 'zod';

/** Every code the sync server can answer with; clients switch on `code`, never on `message`. */
export const API_ERROR_CODES = [
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'USERNAME_TAKEN',
  /** A device certificate or revocation that does not verify under the user's identity key. */
  'INVALID_CERTIFICATE',
  'REFRESH_TOKEN_INVALID',
  'REFRESH_TOKEN_REUSED',
  'NOT_FOUND',
  'RATE_LIMITED',
  /** An attachment upload above the user's storage quota (nothing was stored). */
  'QUOTA_EXCEEDED',
  /** An attachment upload resumed at another offset than the server holds (tus 409). */
  'UPLOAD_CONFLICT',
  /** A download range outside the blob (416). */
  'RANGE_NOT_SATISFIABLE',
  /** An invite past its expiry (410). */
  'INVITE_EXPIRED',
  /** An invite its maker revoked, or whose maker no longer administers its group (410). */
  'INVITE_REVOKED',
  /** Between the caller and the other person, one blocks the other (403). */
  'BLOCKED',
  /** A group change that only its admins may make (403). */
  'NOT_ADMIN',
  'NOT_READY',
  'INTERNAL',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** The body of every 4xx and 5xx answer. */
export const apiErrorBody = z.object({
  error: z.object({
    code: z.enum(API_ERROR_CODES),
    message: z.string(),
  }),
});
export type ApiErrorBody = z.infer<typeof apiErrorBody>;

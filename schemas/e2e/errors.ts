import { z } from 'zod';

/**
 * Why an end-to-end object (message, key envelope, certificate, revocation, key backup, archive
 * entry) was refused. The client's opening functions and the server's row checks both answer with
 * these codes, so a refusal reads the same wherever it happens.
 */
export const E2E_ERROR_CODES = [
  /** Not a well-formed encoding: wrong sizes, truncated, trailing bytes, bad base64 or UTF-8. */
  'MALFORMED',
  /** A version byte this code does not know. */
  'UNSUPPORTED_VERSION',
  /** Above the size limit of its kind. */
  'TOO_LARGE',
  /** The Ed25519 signature does not verify under the key it must verify under. */
  'BAD_SIGNATURE',
  /** The sender device has no certificate that verifies under its user's identity key. */
  'UNTRUSTED_DEVICE',
  /** The sender device was revoked by a valid revocation of its user's identity key. */
  'REVOKED_DEVICE',
  /** The sender (or, for key envelopes, the recipient) is not a member of the conversation. */
  'NOT_A_MEMBER',
  /** A key envelope or archive entry for another conversation than the one it is stored for. */
  'WRONG_CONVERSATION',
  /** The stored sender device differs from the signed one. */
  'WRONG_SENDER',
  /** A key envelope addressed to another device. */
  'WRONG_RECIPIENT',
  /** A key envelope or archive entry whose epoch differs from the one it is stored under. */
  'WRONG_EPOCH',
  /** No key is known for the message's epoch (for example: removed before that epoch began). */
  'UNKNOWN_EPOCH',
  /** Authenticated decryption failed: wrong key or altered ciphertext. */
  'DECRYPT_FAILED',
  /** The key backup does not open with the key derived from this password. */
  'WRONG_PASSWORD',
  /** A recovery key with a character outside its alphabet, the wrong length, or a failed checksum. */
  'INVALID_RECOVERY_KEY',
  /** The recovery copy of the key backup does not open with this recovery key. */
  'WRONG_RECOVERY_KEY',
  /** A certificate or revocation that verifies but names other keys or another user. */
  'CERTIFICATE_MISMATCH',
  /** Argon2id is not available with the same output on this provider. */
  'ARGON2_UNAVAILABLE',
  /** An attachment's stream ended before its final chunk (cut short, or its last chunks withheld). */
  'TRUNCATED',
  /** An attachment's encrypted bytes do not hash to the descriptor's `contentHash`. */
  'HASH_MISMATCH',
  /** This provider cannot do it (the `tweetnacl` fallback has no secretstream: no attachments). */
  'UNSUPPORTED',
  /** The caller passed something invalid (a programming error, not an attack). */
  'INVALID_INPUT',
] as const;

export type E2eErrorCode = (typeof E2E_ERROR_CODES)[number];

export const e2eErrorCode = z.enum(E2E_ERROR_CODES);

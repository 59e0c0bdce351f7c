import { z } from 'zod';

/**
 * The last base64 character before padding carries unused low bits; a canonical encoding sets them
 * to zero. Accepting only canonical text means one byte string has exactly one spelling on the wire.
 */
const LAST_CHAR_BEFORE_ONE_PAD = '[AEIMQUYcgkosw048]';
const LAST_CHAR_BEFORE_TWO_PADS = '[AQgw]';

function canonicalBase64Pattern(bytes: number, alphabet: string, padded: boolean): RegExp {
  const fullGroups = Math.floor(bytes / 3);
  const rest = bytes % 3;
  let tail = '';
  if (rest === 1) tail = `${alphabet}${LAST_CHAR_BEFORE_TWO_PADS}${padded ? '==' : ''}`;
  if (rest === 2) tail = `${alphabet}{2}${LAST_CHAR_BEFORE_ONE_PAD}${padded ? '=' : ''}`;
  return new RegExp(`^${alphabet}{${fullGroups * 4}}${tail}$`);
}

/** Standard base64 (RFC 4648 section 4, padded) of exactly `bytes` bytes, e.g. a 32-byte public key. */
export function base64OfLength(bytes: number) {
  return z
    .string()
    .regex(
      canonicalBase64Pattern(bytes, '[A-Za-z0-9+/]', true),
      `must be standard padded base64 of exactly ${bytes} bytes`,
    );
}

/** URL-safe base64 without padding (RFC 4648 section 5) of exactly `bytes` bytes: opaque tokens. */
export function base64UrlOfLength(bytes: number) {
  return z
    .string()
    .regex(
      canonicalBase64Pattern(bytes, '[A-Za-z0-9_-]', false),
      `must be unpadded base64url of exactly ${bytes} bytes`,
    );
}

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

const CANONICAL_BASE64 = new RegExp(
  `^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]${LAST_CHAR_BEFORE_TWO_PADS}==|[A-Za-z0-9+/]{2}${LAST_CHAR_BEFORE_ONE_PAD}=)?$`,
);

/** Bytes encoded by canonical padded base64 text (its length is a multiple of 4). */
function decodedLength(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/**
 * Canonical standard padded base64 of `min` to `max` bytes: the same bounds as the database's
 * `octet_length(...) BETWEEN min AND max`, so a value this accepts is never refused by a constraint.
 */
export function base64OfLengthBetween(min: number, max: number) {
  return z
    .string()
    .max(4 * Math.ceil(max / 3))
    .regex(CANONICAL_BASE64, 'must be canonical standard padded base64')
    .refine((text) => {
      const bytes = decodedLength(text);
      return bytes >= min && bytes <= max;
    }, `must encode ${min} to ${max} bytes`);
}

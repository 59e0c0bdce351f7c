import { createHash, randomBytes } from 'node:crypto';
import { REFRESH_TOKEN_BYTES } from '@anochat/schemas/api/auth';

/** A fresh opaque refresh token for the client, and the only thing the server stores: its SHA-256. */
export function newRefreshTokenSecret(): { token: string; hash: Buffer } {
  const token = randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

/** A random 256-bit token needs no slow hash: SHA-256 is enough to make a leaked table useless. */
export function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

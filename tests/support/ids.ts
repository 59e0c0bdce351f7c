import { randomBytes } from 'node:crypto';

let lastMillis = 0;
let sequence = 0;

/**
 * A lower-case UUID version 7 (RFC 9562), as clients must use for message ids: 48 bits of Unix
 * milliseconds, a 12-bit counter that keeps ids of one millisecond increasing, random bits.
 */
export function uuidv7(now = Date.now()): string {
  sequence = now === lastMillis ? (sequence + 1) & 0xfff : 0;
  lastMillis = now;
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

import { UUID_PATTERN } from '@anochat/schemas/rxdb/common';
import { E2eError } from './result.ts';

/** Byte helpers with no dependency on a Nacl provider, usable by the server as they are. */

const UUID_REGEX = new RegExp(UUID_PATTERN);
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export const UUID_BYTES = 16;

function hexValue(code: number): number {
  return code <= 57 ? code - 48 : code - 87;
}

/** A lower-case canonical UUID as its 16 bytes; anything else is a caller mistake. */
export function uuidToBytes(uuid: string, field = 'id'): Uint8Array {
  if (!UUID_REGEX.test(uuid))
    throw new E2eError('INVALID_INPUT', `${field}: must be a lower-case UUID`);
  const bytes = new Uint8Array(UUID_BYTES);
  let position = 0;
  for (let i = 0; i < UUID_BYTES; i++) {
    if (uuid.charCodeAt(position) === 45) position++;
    bytes[i] = (hexValue(uuid.charCodeAt(position)) << 4) | hexValue(uuid.charCodeAt(position + 1));
    position += 2;
  }
  return bytes;
}

/** 16 bytes as a lower-case canonical UUID (every 16 bytes have exactly one spelling). */
export function bytesToUuid(bytes: Uint8Array, offset = 0): string {
  let hex = '';
  for (let i = 0; i < UUID_BYTES; i++) {
    hex += HEX[bytes[offset + i] ?? 0];
    if (i === 3 || i === 5 || i === 7 || i === 9) hex += '-';
  }
  return hex;
}

export function isUuid(value: string): boolean {
  return UUID_REGEX.test(value);
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Equality of public values (ids, public keys); not for secrets, where timing could matter. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic order of byte strings (a shorter prefix first). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

export function requireLength(bytes: Uint8Array, length: number, field: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new E2eError('INVALID_INPUT', `${field}: must be ${length} bytes`);
  }
}

export function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

/** A non-negative safe integer as 8 bytes, big-endian (times in milliseconds). */
export function u64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(value / 2 ** 32));
  view.setUint32(4, value >>> 0);
  return out;
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset);
}

/** The 8-byte big-endian integer at `offset`, or null above Number.MAX_SAFE_INTEGER. */
export function readU64(bytes: Uint8Array, offset: number): number | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(offset);
  if (high > 0x1fffff) return null;
  return high * 2 ** 32 + view.getUint32(offset + 4);
}

export function isTimestamp(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Strict UTF-8 (no replacement characters), or null. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return null;
  }
}

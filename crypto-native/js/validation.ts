import { CRYPTO_LIMITS } from '@anochat/schemas/crypto-limits';
import { NaclError } from './errors.ts';
import { SIZES } from './sizes.ts';

/**
 * Input checks that run before any provider touches its backend, so that the same bad input gives
 * the same NaclError whichever provider is in use. The C core checks again for its own callers.
 *
 * Every check that accepts bytes returns them as a plain Uint8Array over the caller's memory, sized
 * by the engine's own byteLength, and providers use only what the checks return: a subclass (or an
 * instance with its own properties) can report a false `length` or replace `subarray`, and neither
 * may decide how many bytes are copied into WebAssembly memory.
 */

const TYPED_ARRAY_PROTOTYPE: object = Object.getPrototypeOf(Uint8Array.prototype);

function intrinsicGetter(key: PropertyKey): (this: unknown) => unknown {
  const getter = Object.getOwnPropertyDescriptor(TYPED_ARRAY_PROTOTYPE, key)?.get;
  if (getter === undefined) throw new Error(`%TypedArray%.prototype has no ${String(key)} getter`);
  return getter;
}

/** 'Uint8Array' for a Uint8Array or any subclass of it (Buffer), undefined for anything else. */
const typedArrayName = intrinsicGetter(Symbol.toStringTag);
const bufferOf = intrinsicGetter('buffer') as (this: unknown) => ArrayBufferLike;
const byteOffsetOf = intrinsicGetter('byteOffset') as (this: unknown) => number;
const byteLengthOf = intrinsicGetter('byteLength') as (this: unknown) => number;

function requireUint8Array(name: string, value: unknown): Uint8Array {
  if (typedArrayName.call(value) !== 'Uint8Array') {
    throw new NaclError('INVALID_ARGUMENT', `${name} must be a Uint8Array`);
  }
  try {
    return new Uint8Array(bufferOf.call(value), byteOffsetOf.call(value), byteLengthOf.call(value));
  } catch {
    throw new NaclError('INVALID_ARGUMENT', `${name} is a view of a detached or shrunk buffer`);
  }
}

export function requireBytes(name: string, value: unknown, length: number): Uint8Array {
  const bytes = requireUint8Array(name, value);
  if (bytes.length !== length) {
    throw new NaclError('INVALID_LENGTH', `${name} must be ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function requireMessage(name: string, value: unknown): Uint8Array {
  const bytes = requireUint8Array(name, value);
  if (bytes.length > CRYPTO_LIMITS.maxMessageBytes) {
    throw new NaclError(
      'TOO_LARGE',
      `${name} is ${bytes.length} bytes, above the limit of ${CRYPTO_LIMITS.maxMessageBytes}`,
    );
  }
  return bytes;
}

/**
 * A ciphertext to open: the limit is on the message inside, so a ciphertext may be `overhead`
 * bytes longer than maxMessageBytes (whatever sealing accepted, opening accepts).
 */
export function requireCiphertext(name: string, value: unknown, overhead: number): Uint8Array {
  const bytes = requireUint8Array(name, value);
  if (bytes.length > CRYPTO_LIMITS.maxMessageBytes + overhead) {
    throw new NaclError(
      'TOO_LARGE',
      `${name} is ${bytes.length} bytes, above the limit of ${CRYPTO_LIMITS.maxMessageBytes} + ${overhead}`,
    );
  }
  return bytes;
}

/** Ciphertexts shorter than their overhead cannot open: the caller gets null, not an error. */
export function isShorterThan(ciphertext: Uint8Array, overhead: number): boolean {
  return ciphertext.length < overhead;
}

export function optionalBytes(name: string, value: unknown): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  return requireMessage(name, value);
}

function requireIntegerIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new NaclError(
      'INVALID_ARGUMENT',
      `${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

export function requireRandomLength(length: unknown): number {
  return requireIntegerIn('length', length, 0, CRYPTO_LIMITS.maxRandomBytes);
}

export function requirePassword(password: unknown): Uint8Array {
  const bytes = requireUint8Array('password', password);
  if (bytes.length > CRYPTO_LIMITS.maxPasswordBytes) {
    throw new NaclError(
      'TOO_LARGE',
      `password is ${bytes.length} bytes, above the limit of ${CRYPTO_LIMITS.maxPasswordBytes}`,
    );
  }
  return bytes;
}

/** Argon2id works on 1 KiB blocks. */
export const PWHASH_MEM_LIMIT_UNIT = 1024;

/**
 * Argon2id costs as crypto_pwhash takes them, within crypto-limits.json. The memory limit must be
 * a whole number of KiB: libsodium silently rounds a remainder down (so 8,192 and 9,215 would be
 * the same cost), and implementations that count in KiB (@noble/hashes) cannot express it at all;
 * every provider refuses it instead of picking one of those answers.
 */
export function requirePwhashLimits(opsLimit: unknown, memLimit: unknown): void {
  requireIntegerIn(
    'opsLimit',
    opsLimit,
    CRYPTO_LIMITS.pwhashMinOpsLimit,
    CRYPTO_LIMITS.pwhashMaxOpsLimit,
  );
  const bytes = requireIntegerIn(
    'memLimit',
    memLimit,
    CRYPTO_LIMITS.pwhashMinMemLimit,
    CRYPTO_LIMITS.pwhashMaxMemLimit,
  );
  if (bytes % PWHASH_MEM_LIMIT_UNIT !== 0) {
    throw new NaclError(
      'INVALID_ARGUMENT',
      `memLimit must be a multiple of ${PWHASH_MEM_LIMIT_UNIT} bytes, got ${bytes}`,
    );
  }
}

export function requirePwhashString(hash: unknown): string {
  if (typeof hash !== 'string') {
    throw new NaclError('INVALID_ARGUMENT', 'hash must be a string');
  }
  return hash;
}

export function requireDeriveLength(length: unknown): number {
  return requireIntegerIn('length', length, SIZES.pwhashDeriveMin, SIZES.pwhashDeriveMax);
}

export function requireGenerichashLength(length: unknown): number {
  return requireIntegerIn('length', length, SIZES.generichashMin, SIZES.generichashMax);
}

export function optionalGenerichashKey(key: unknown): Uint8Array {
  if (key === undefined) return new Uint8Array(0);
  const bytes = requireUint8Array('key', key);
  if (
    bytes.length !== 0 &&
    (bytes.length < SIZES.generichashKeyMin || bytes.length > SIZES.generichashKeyMax)
  ) {
    throw new NaclError(
      'INVALID_LENGTH',
      `key must be empty or ${SIZES.generichashKeyMin} to ${SIZES.generichashKeyMax} bytes, got ${bytes.length}`,
    );
  }
  return bytes;
}

export function requireSecretStreamTag(tag: unknown): number {
  return requireIntegerIn('tag', tag, 0, 3);
}

export function requireVerifyBatch(items: unknown): readonly unknown[] {
  if (!Array.isArray(items)) {
    throw new NaclError('INVALID_ARGUMENT', 'items must be an array');
  }
  if (items.length > CRYPTO_LIMITS.maxVerifyBatchItems) {
    throw new NaclError(
      'TOO_LARGE',
      `a batch holds at most ${CRYPTO_LIMITS.maxVerifyBatchItems} items, got ${items.length}`,
    );
  }
  return items;
}

export interface SignedParts {
  message: Uint8Array;
  signature: Uint8Array;
  publicKey: Uint8Array;
}

/** A signature check on malformed input is `false`; only a non-byte or oversized message throws. */
export function signedPartsOrNull(
  message: unknown,
  signature: unknown,
  publicKey: unknown,
): SignedParts | null {
  const checkedMessage = requireMessage('message', message);
  const checkedSignature = requireUint8Array('signature', signature);
  const checkedPublicKey = requireUint8Array('publicKey', publicKey);
  if (
    checkedSignature.length !== SIZES.signature ||
    checkedPublicKey.length !== SIZES.signPublicKey
  ) {
    return null;
  }
  return { message: checkedMessage, signature: checkedSignature, publicKey: checkedPublicKey };
}

/**
 * One item of a batch: anything that could not be verified (not an object, parts that are not
 * bytes, wrong sizes, a message above maxMessageBytes) is null, so that it fails alone (false)
 * instead of failing the batch.
 */
export function batchItemOrNull(item: unknown): SignedParts | null {
  if (item === null || typeof item !== 'object') return null;
  const { message, signature, publicKey } = item as Partial<Record<keyof SignedParts, unknown>>;
  try {
    return signedPartsOrNull(message, signature, publicKey);
  } catch (error) {
    if (error instanceof NaclError) return null;
    throw error;
  }
}

export function isAllZero(bytes: Uint8Array): boolean {
  let accumulated = 0;
  for (const byte of bytes) accumulated |= byte;
  return accumulated === 0;
}

import { CRYPTO_LIMITS } from '@anochat/schemas/crypto-limits';
import { NaclError } from './errors.ts';
import { SIZES } from './sizes.ts';

/**
 * Input checks that run before any provider touches its backend, so that the same bad input gives
 * the same NaclError whichever provider is in use. The C core checks again for its own callers.
 */

function requireUint8Array(name: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new NaclError('INVALID_ARGUMENT', `${name} must be a Uint8Array`);
  }
}

export function requireBytes(name: string, value: unknown, length: number): Uint8Array {
  requireUint8Array(name, value);
  if (value.length !== length) {
    throw new NaclError('INVALID_LENGTH', `${name} must be ${length} bytes, got ${value.length}`);
  }
  return value;
}

export function requireMessage(name: string, value: unknown): Uint8Array {
  requireUint8Array(name, value);
  if (value.length > CRYPTO_LIMITS.maxMessageBytes) {
    throw new NaclError(
      'TOO_LARGE',
      `${name} is ${value.length} bytes, above the limit of ${CRYPTO_LIMITS.maxMessageBytes}`,
    );
  }
  return value;
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
  requireUint8Array('password', password);
  if (password.length > CRYPTO_LIMITS.maxPasswordBytes) {
    throw new NaclError(
      'TOO_LARGE',
      `password is ${password.length} bytes, above the limit of ${CRYPTO_LIMITS.maxPasswordBytes}`,
    );
  }
  return password;
}

export function requirePwhashLimits(opsLimit: unknown, memLimit: unknown): void {
  requireIntegerIn(
    'opsLimit',
    opsLimit,
    CRYPTO_LIMITS.pwhashMinOpsLimit,
    CRYPTO_LIMITS.pwhashMaxOpsLimit,
  );
  requireIntegerIn(
    'memLimit',
    memLimit,
    CRYPTO_LIMITS.pwhashMinMemLimit,
    CRYPTO_LIMITS.pwhashMaxMemLimit,
  );
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
  requireUint8Array('key', key);
  if (
    key.length !== 0 &&
    (key.length < SIZES.generichashKeyMin || key.length > SIZES.generichashKeyMax)
  ) {
    throw new NaclError(
      'INVALID_LENGTH',
      `key must be empty or ${SIZES.generichashKeyMin} to ${SIZES.generichashKeyMax} bytes, got ${key.length}`,
    );
  }
  return key;
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

/** A signature check on malformed input is `false`; only a non-byte or oversized message throws. */
export function signedPartsOrNull(
  message: unknown,
  signature: unknown,
  publicKey: unknown,
): { message: Uint8Array; signature: Uint8Array; publicKey: Uint8Array } | null {
  const checkedMessage = requireMessage('message', message);
  requireUint8Array('signature', signature);
  requireUint8Array('publicKey', publicKey);
  if (signature.length !== SIZES.signature || publicKey.length !== SIZES.signPublicKey) return null;
  return { message: checkedMessage, signature, publicKey };
}

export function isAllZero(bytes: Uint8Array): boolean {
  let accumulated = 0;
  for (const byte of bytes) accumulated |= byte;
  return accumulated === 0;
}

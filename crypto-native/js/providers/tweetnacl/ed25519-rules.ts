/**
 * libsodium's extra Ed25519 verification rules, which tweetnacl-js 1.0.3 lacks: without them the
 * browser fallback would accept signatures that the server (libsodium) rejects.
 * - S must be canonical: S < L, the order of the base point;
 * - the public key must be a canonical encoding (y < p) and not a point of small order;
 * - R must not be a point of small order.
 */

/** L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const GROUP_ORDER = hexBytes('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');

/**
 * Encodings of the points of order 1, 2, 4 and 8, compared with the sign bit (top bit of the last
 * byte) ignored: y = 0, y = 1, the two y of the order-8 points (y^4 = -1/d), y = p - 1, and the
 * non-canonical y = p and y = p + 1, which decode to 0 and 1.
 */
const SMALL_ORDER_ENCODINGS: readonly Uint8Array[] = [
  hexBytes('0000000000000000000000000000000000000000000000000000000000000000'),
  hexBytes('0100000000000000000000000000000000000000000000000000000000000000'),
  hexBytes('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'),
  hexBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'),
  hexBytes('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'),
  hexBytes('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'),
  hexBytes('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'),
];

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Little-endian comparison of a 32-byte scalar with L. */
export function isCanonicalScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = s[i] ?? 0;
    const b = GROUP_ORDER[i] ?? 0;
    if (a !== b) return a < b;
  }
  return false;
}

/** An encoding is non-canonical when its y, without the sign bit, is p = 2^255 - 19 or above. */
export function isCanonicalPointEncoding(encoding: Uint8Array): boolean {
  if (((encoding[31] ?? 0) & 0x7f) !== 0x7f) return true;
  for (let i = 30; i >= 1; i--) if (encoding[i] !== 0xff) return true;
  return (encoding[0] ?? 0) < 0xed;
}

export function hasSmallOrder(encoding: Uint8Array): boolean {
  return SMALL_ORDER_ENCODINGS.some((candidate) => {
    for (let i = 0; i < 31; i++) if (candidate[i] !== encoding[i]) return false;
    return candidate[31] === ((encoding[31] ?? 0) & 0x7f);
  });
}

export function passesLibsodiumRules(signature: Uint8Array, publicKey: Uint8Array): boolean {
  return (
    isCanonicalScalar(signature.subarray(32, 64)) &&
    !hasSmallOrder(signature.subarray(0, 32)) &&
    isCanonicalPointEncoding(publicKey) &&
    !hasSmallOrder(publicKey)
  );
}

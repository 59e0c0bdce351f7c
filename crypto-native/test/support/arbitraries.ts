import fc from 'fast-check';

export const MIB = 1024 * 1024;

/** Deterministic bytes from a seed (xorshift32), so that a shrunk counterexample can be replayed. */
function seededBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed | 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

export const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });

/**
 * Messages from 0 bytes to 1 MiB: mostly 0 to 300 bytes, some anywhere up to 1 MiB, and both
 * bounds exactly. size: 'max' because fast-check's default size caps an array at about 10 elements
 * whatever maxLength says.
 */
export const message = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300, size: 'max' }) },
  {
    weight: 1,
    arbitrary: fc
      .record({ length: fc.integer({ min: 0, max: MIB }), seed: fc.integer() })
      .map(({ length, seed }) => seededBytes(length, seed)),
  },
  { weight: 1, arbitrary: fc.constantFrom(new Uint8Array(0), seededBytes(MIB, 7)) },
);

/**
 * Independent implementations that the tests hold the WebAssembly build against. None of them
 * shares code or a compiler with build/wasm/anochat-nacl.wasm:
 * - libsodium-wrappers: libsodium 1.0.22 as libsodium's own project compiles it to WebAssembly
 *   (portable C, no SIMD, another emscripten and LLVM);
 * - @noble/ciphers, @noble/curves, @noble/hashes: JavaScript written from the specifications;
 * - `ReferenceSecretStream` below: libsodium's secretstream construction over @noble/ciphers.
 * They are test-only (devDependencies): the app never loads them.
 */

import { poly1305 } from '@noble/ciphers/_poly1305.js';
import { chacha20, hchacha } from '@noble/ciphers/chacha.js';
import sodium from 'libsodium-wrappers';

export type Libsodium = typeof sodium;

export async function loadLibsodium(): Promise<Libsodium> {
  await sodium.ready;
  return sodium;
}

/** Deterministic bytes from a seed (xorshift32): a failing length can be replayed exactly. */
export function seededBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = (seed * 2654435761) | 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** Every length from 0 to 4 KiB, then around the boundaries where buffers and loops change. */
export const ORACLE_LENGTHS: readonly number[] = [
  ...Array.from({ length: 4097 }, (_, length) => length),
  64 * 1024 - 1,
  64 * 1024,
  64 * 1024 + 1,
  1024 * 1024 - 1,
  1024 * 1024,
  1024 * 1024 + 1,
  4 * 1024 * 1024 + 17,
];

/** The index of the first differing byte, or -1 when both hold the same bytes. */
export function firstDifference(actual: Uint8Array, expected: Uint8Array): number {
  const shorter = Math.min(actual.length, expected.length);
  for (let i = 0; i < shorter; i++) if (actual[i] !== expected[i]) return i;
  return actual.length === expected.length ? -1 : shorter;
}

const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

function littleEndianWords(bytes: Uint8Array): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Uint32Array.from({ length: bytes.length / 4 }, (_, i) => view.getUint32(4 * i, true));
}

function hchacha20(key: Uint8Array, input: Uint8Array): Uint8Array {
  const words = new Uint32Array(8);
  hchacha(SIGMA, littleEndianWords(key), littleEndianWords(input), words);
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  for (const [i, word] of words.entries()) view.setUint32(4 * i, word, true);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function uint64le(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
  return out;
}

const TAG_REKEY = 2;

/**
 * crypto_secretstream_xchacha20poly1305 (push side), written from libsodium's construction:
 * subkey = HChaCha20(key, header[0..16]); nonce = counter (4 bytes LE, from 1) || header[16..24].
 * A chunk is the tag byte encrypted with keystream block 1, the message with blocks 2..., and a
 * Poly1305 tag keyed by block 0 over ad, pad, the 64-byte tag block, the ciphertext, a pad of
 * (length mod 16) zero bytes (libsodium's formula) and both lengths. Then the MAC's first 8 bytes
 * are XORed into the inner nonce, the counter is incremented, and a rekey follows a REKEY tag or
 * a counter wrap.
 */
export class ReferenceSecretStream {
  private key: Uint8Array;
  private readonly nonce = new Uint8Array(12);

  constructor(key: Uint8Array, header: Uint8Array) {
    this.key = hchacha20(key, header.subarray(0, 16));
    this.nonce.set(header.subarray(16, 24), 4);
    this.resetCounter();
  }

  push(
    message: Uint8Array,
    tag: number,
    additionalData: Uint8Array = new Uint8Array(0),
  ): Uint8Array {
    const polyKey = chacha20(this.key, this.nonce, new Uint8Array(64), undefined, 0).subarray(
      0,
      32,
    );
    const tagBlock = new Uint8Array(64);
    tagBlock[0] = tag;
    const encryptedTagBlock = chacha20(this.key, this.nonce, tagBlock, undefined, 1);
    const ciphertext = chacha20(this.key, this.nonce, message, undefined, 2);
    const mac = poly1305(
      concat(
        additionalData,
        new Uint8Array((16 - (additionalData.length % 16)) % 16),
        encryptedTagBlock,
        ciphertext,
        new Uint8Array(message.length % 16),
        uint64le(additionalData.length),
        uint64le(64 + message.length),
      ),
      polyKey,
    );
    for (let i = 0; i < 8; i++)
      this.nonce[4 + i] = (this.nonce[4 + i] as number) ^ (mac[i] as number);
    const counterWrapped = this.incrementCounter();
    if ((tag & TAG_REKEY) !== 0 || counterWrapped) this.rekey();
    return concat(encryptedTagBlock.subarray(0, 1), ciphertext, mac);
  }

  private rekey(): void {
    const next = chacha20(
      this.key,
      this.nonce,
      concat(this.key, this.nonce.subarray(4)),
      undefined,
      0,
    );
    this.key = next.slice(0, 32);
    this.nonce.set(next.subarray(32, 40), 4);
    this.resetCounter();
  }

  private resetCounter(): void {
    this.nonce.set([1, 0, 0, 0], 0);
  }

  /** Little-endian increment of the 4-byte counter; true when it wrapped to zero. */
  private incrementCounter(): boolean {
    for (let i = 0; i < 4; i++) {
      this.nonce[i] = ((this.nonce[i] as number) + 1) & 0xff;
      if (this.nonce[i] !== 0) return false;
    }
    return true;
  }
}

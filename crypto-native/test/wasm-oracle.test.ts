/**
 * The WebAssembly build against implementations that share no code or compiler with it
 * (test/support/oracles.ts: libsodium-wrappers, @noble/*, a reference secretstream over
 * @noble/ciphers) and against native libsodium through the gRPC server where it offers the
 * primitive: every primitive the module exports.
 *
 * Sizes covered: every message length from 0 to 4096 bytes, then 64 KiB - 1, 64 KiB, 64 KiB + 1,
 * 1 MiB - 1, 1 MiB, 1 MiB + 1 and 4 MiB + 17 (ORACLE_LENGTHS); passwords of every length from 0 to
 * 4096 bytes (the whole allowed range); additional data of every length from 0 to 4096 bytes;
 * fixed-size inputs (keys, seeds, scalars) from 256 seeds. Inputs are deterministic (seededBytes);
 * where the module draws its own randomness (key pairs, sealed boxes, secretstream headers, hash
 * salts) the other implementation checks or opens what it produced. No check here is a round trip
 * inside WebAssembly: those agree with themselves even when the cipher is wrong.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { argon2id } from '@noble/hashes/argon2.js';
import { blake2b } from '@noble/hashes/blake2.js';
import type { SignedMessage } from '../js/nacl.ts';
import {
  firstDifference,
  type Libsodium,
  loadLibsodium,
  ORACLE_LENGTHS,
  ReferenceSecretStream,
  seededBytes,
} from './support/oracles.ts';
import { openProviders, type Providers } from './support/providers.ts';

let providers: Providers;
let sodium: Libsodium;
before(async () => {
  providers = await openProviders();
  sodium = await loadLibsodium();
});
after(() => providers.close());

const PAIRS = 16;
const FIXED_SIZE_SEEDS = 256;
const MAX_PASSWORD_BYTES = 4096;
const SMALL_ARGON2 = { opsLimit: 1, memLimit: 8192 };

/** Collects every disagreement of a sweep, so that a failure names the lengths, not just one. */
class Disagreements {
  private readonly found: string[] = [];

  compare(label: string, actual: Uint8Array | null | undefined, expected: Uint8Array): void {
    if (actual === null || actual === undefined) {
      this.found.push(`${label}: got null`);
      return;
    }
    const at = firstDifference(actual, expected);
    if (at !== -1) {
      this.found.push(`${label}: first difference at byte ${at} of ${expected.length}`);
    }
  }

  expect(label: string, condition: boolean): void {
    if (!condition) this.found.push(label);
  }

  assertNone(): void {
    assert.equal(
      this.found.length,
      0,
      `${this.found.length} disagreements, the first: ${this.found.slice(0, 8).join('; ')}`,
    );
  }
}

/** Runs `task` over `items` with at most `concurrency` in flight (gRPC calls). */
async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}

function message(length: number): Uint8Array {
  return seededBytes(length, length + 1);
}

function base64NoPadding(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

describe('WASM = independent implementations, for every exported primitive and length', () => {
  it('secretbox: the same ciphertext as libsodium and @noble/ciphers, and opens theirs', () => {
    const disagreements = new Disagreements();
    for (const length of ORACLE_LENGTHS) {
      const key = seededBytes(32, length);
      const nonce = seededBytes(24, length + 7);
      const text = message(length);
      const expected = sodium.crypto_secretbox_easy(text, nonce, key);
      disagreements.compare(`${length} B`, providers.wasm.secretbox(text, nonce, key), expected);
      disagreements.compare(
        `${length} B noble`,
        xsalsa20poly1305(key, nonce).encrypt(text),
        expected,
      );
      disagreements.compare(
        `${length} B open`,
        providers.wasm.secretboxOpen(expected, nonce, key),
        text,
      );
    }
    disagreements.assertNone();
  });

  it('box, beforenm and afternm: the same ciphertexts and shared keys as libsodium', () => {
    const disagreements = new Disagreements();
    const pairs = Array.from({ length: PAIRS }, (_, i) => ({
      alice: sodium.crypto_box_seed_keypair(seededBytes(32, 1000 + i)),
      bob: sodium.crypto_box_seed_keypair(seededBytes(32, 2000 + i)),
    }));
    const shared = pairs.map(({ alice, bob }, i) => {
      const expected = sodium.crypto_box_beforenm(bob.publicKey, alice.privateKey);
      disagreements.compare(
        `beforenm ${i}`,
        providers.wasm.boxBeforeNm(bob.publicKey, alice.privateKey),
        expected,
      );
      return expected;
    });
    for (const length of ORACLE_LENGTHS) {
      const { alice, bob } = pairs[length % PAIRS] as (typeof pairs)[number];
      const sharedKey = shared[length % PAIRS] as Uint8Array;
      const nonce = seededBytes(24, length + 11);
      const text = message(length);
      const boxed = sodium.crypto_box_easy(text, nonce, bob.publicKey, alice.privateKey);
      disagreements.compare(
        `box ${length} B`,
        providers.wasm.box(text, nonce, bob.publicKey, alice.privateKey),
        boxed,
      );
      disagreements.compare(
        `boxOpen ${length} B`,
        providers.wasm.boxOpen(boxed, nonce, alice.publicKey, bob.privateKey),
        text,
      );
      const afternm = sodium.crypto_box_easy_afternm(text, nonce, sharedKey);
      disagreements.compare(
        `afternm ${length} B`,
        providers.wasm.boxAfterNm(text, nonce, sharedKey),
        afternm,
      );
      disagreements.compare(
        `open afternm ${length} B`,
        providers.wasm.boxOpenAfterNm(afternm, nonce, sharedKey),
        text,
      );
    }
    disagreements.assertNone();
  });

  it('sealed boxes: native libsodium (gRPC) and libsodium-wrappers open WASM’s, WASM opens theirs', async () => {
    const disagreements = new Disagreements();
    const recipients = Array.from({ length: PAIRS }, (_, i) =>
      sodium.crypto_box_seed_keypair(seededBytes(32, 3000 + i)),
    );
    await forEachConcurrently(ORACLE_LENGTHS, 16, async (length) => {
      const { publicKey, privateKey } = recipients[length % PAIRS] as (typeof recipients)[number];
      const text = message(length);
      const sealedInWasm = providers.wasm.boxSeal(text, publicKey);
      disagreements.compare(
        `native opens WASM ${length} B`,
        await providers.grpc.boxSealOpen(sealedInWasm, publicKey, privateKey),
        text,
      );
      const sealedNatively = await providers.grpc.boxSeal(text, publicKey);
      disagreements.compare(
        `WASM opens native ${length} B`,
        providers.wasm.boxSealOpen(sealedNatively, publicKey, privateKey),
        text,
      );
      // libsodium-wrappers costs two X25519 per side: every 8th length and the large ones.
      if (length % 8 === 0 || length > 4096) {
        disagreements.compare(
          `libsodium opens WASM ${length} B`,
          sodium.crypto_box_seal_open(sealedInWasm, publicKey, privateKey),
          text,
        );
        disagreements.compare(
          `WASM opens libsodium ${length} B`,
          providers.wasm.boxSealOpen(
            sodium.crypto_box_seal(text, publicKey),
            publicKey,
            privateKey,
          ),
          text,
        );
      }
    });
    disagreements.assertNone();
  });

  it('Ed25519: the same keys and signatures as libsodium and @noble/curves, verified both ways', () => {
    const disagreements = new Disagreements();
    const signers = Array.from({ length: PAIRS }, (_, i) => {
      const seed = seededBytes(32, 4000 + i);
      const expected = sodium.crypto_sign_seed_keypair(seed);
      const pair = providers.wasm.signKeyPairFromSeed(seed);
      disagreements.compare(`seed keypair ${i} public`, pair.publicKey, expected.publicKey);
      disagreements.compare(`seed keypair ${i} secret`, pair.secretKey, expected.privateKey);
      disagreements.compare(
        `seed keypair ${i} noble`,
        ed25519.getPublicKey(seed),
        expected.publicKey,
      );
      return { seed, ...expected };
    });
    for (const length of ORACLE_LENGTHS) {
      const signer = signers[length % PAIRS] as (typeof signers)[number];
      const text = message(length);
      const signature = sodium.crypto_sign_detached(text, signer.privateKey);
      disagreements.compare(
        `sign ${length} B`,
        providers.wasm.signDetached(text, signer.privateKey),
        signature,
      );
      if (length % 16 === 0 || length > 4096) {
        disagreements.compare(`noble ${length} B`, ed25519.sign(text, signer.seed), signature);
      }
      disagreements.expect(
        `verify ${length} B`,
        providers.wasm.verifyDetached(text, signature, signer.publicKey),
      );
      const forged = signature.slice();
      forged[length % 64] = (forged[length % 64] as number) ^ 0x01;
      disagreements.expect(
        `refuse a flipped bit ${length} B`,
        !providers.wasm.verifyDetached(text, forged, signer.publicKey) &&
          !sodium.crypto_sign_verify_detached(forged, text, signer.publicKey),
      );
    }
    disagreements.assertNone();
  });

  it('verifyBatch: the same verdicts as libsodium-wrappers and native libsodium (gRPC), item by item', async () => {
    const signers = Array.from({ length: PAIRS }, (_, i) =>
      sodium.crypto_sign_seed_keypair(seededBytes(32, 5000 + i)),
    );
    const items: SignedMessage[] = ORACLE_LENGTHS.filter((length) => length <= 4096).map(
      (length) => {
        const signer = signers[length % PAIRS] as (typeof signers)[number];
        const text = message(length);
        const signature = sodium.crypto_sign_detached(text, signer.privateKey);
        // Every fifth item is forged, in its message where it has one, else in its signature.
        if (length % 5 === 3) {
          if (length > 0) text[length - 1] = (text[length - 1] as number) ^ 0x80;
          else signature[0] = (signature[0] as number) ^ 0x80;
        }
        return { message: text, signature, publicKey: signer.publicKey };
      },
    );
    const expected = items.map(({ message: text, signature, publicKey }) =>
      sodium.crypto_sign_verify_detached(signature, text, publicKey),
    );
    assert.ok(expected.includes(true) && expected.includes(false));
    const inWasm: boolean[] = [];
    for (let start = 0; start < items.length; start += 1000) {
      inWasm.push(...providers.wasm.verifyBatch(items.slice(start, start + 1000)));
    }
    assert.deepEqual(inWasm, expected);
    assert.deepEqual(
      await providers.grpc.verifyBatch(items.slice(0, 4000)),
      expected.slice(0, 4000),
    );
  });

  it('secretstream: every chunk length gives libsodium’s bytes, and each side pulls the other’s', () => {
    const disagreements = new Disagreements();
    for (const length of ORACLE_LENGTHS) {
      const key = seededBytes(32, length + 13);
      const text = message(length);
      const tag = length % 4;
      const { state, header } = providers.wasm.secretstreamInitPush(key);
      const chunk = providers.wasm.secretstreamPush(state, text, tag as 0 | 1 | 2 | 3);
      disagreements.compare(
        `push ${length} B`,
        chunk,
        new ReferenceSecretStream(key, header).push(text, tag),
      );
      const pulled = sodium.crypto_secretstream_xchacha20poly1305_pull(
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(header, key),
        chunk,
        null,
      );
      disagreements.compare(`libsodium pulls ${length} B`, pulled ? pulled.message : null, text);
      disagreements.expect(
        `libsodium reads tag ${length} B`,
        pulled !== false && pulled.tag === tag,
      );

      const theirs = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
      const theirChunk = sodium.crypto_secretstream_xchacha20poly1305_push(
        theirs.state,
        text,
        null,
        tag,
      );
      const pullState = providers.wasm.secretstreamInitPull(theirs.header, key);
      const opened = providers.wasm.secretstreamPull(pullState, theirChunk);
      disagreements.compare(`WASM pulls ${length} B`, opened?.message, text);
      disagreements.expect(`WASM reads tag ${length} B`, opened?.tag === tag);
    }
    disagreements.assertNone();
  });

  it('secretstream: one stream of 4,097 chunks with additional data of every length and rekeys', () => {
    const disagreements = new Disagreements();
    const key = seededBytes(32, 77);
    const { state, header } = providers.wasm.secretstreamInitPush(key);
    const reference = new ReferenceSecretStream(key, header);
    const sodiumPull = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
    const theirs = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
    const wasmPull = providers.wasm.secretstreamInitPull(theirs.header, key);
    for (let adLength = 0; adLength <= 4096; adLength++) {
      const text = message((adLength * 7) % 1500);
      const additionalData = seededBytes(adLength, adLength + 99);
      const tag = adLength === 4096 ? 3 : adLength % 100 === 50 ? 2 : adLength % 3 === 1 ? 1 : 0;
      const chunk = providers.wasm.secretstreamPush(
        state,
        text,
        tag as 0 | 1 | 2 | 3,
        additionalData,
      );
      disagreements.compare(`chunk ${adLength}`, chunk, reference.push(text, tag, additionalData));
      const pulled = sodium.crypto_secretstream_xchacha20poly1305_pull(
        sodiumPull,
        chunk,
        additionalData,
      );
      disagreements.compare(
        `libsodium pulls chunk ${adLength}`,
        pulled ? pulled.message : null,
        text,
      );

      const theirChunk = sodium.crypto_secretstream_xchacha20poly1305_push(
        theirs.state,
        text,
        additionalData,
        tag,
      );
      const opened = providers.wasm.secretstreamPull(wasmPull, theirChunk, additionalData);
      disagreements.compare(`WASM pulls chunk ${adLength}`, opened?.message, text);
      disagreements.expect(`WASM reads tag of chunk ${adLength}`, opened?.tag === tag);
    }
    disagreements.assertNone();
  });

  it('BLAKE2b: the same digests as libsodium and @noble/hashes for every length, key and size', () => {
    const disagreements = new Disagreements();
    for (const length of ORACLE_LENGTHS) {
      const outputLength = 16 + (length % 49);
      const keyLength = length % 5 === 0 ? 0 : 16 + ((length * 3) % 49);
      const key = seededBytes(keyLength, length + 17);
      const text = message(length);
      const expected = sodium.crypto_generichash(outputLength, text, keyLength === 0 ? null : key);
      disagreements.compare(
        `${length} B, key ${keyLength}, out ${outputLength}`,
        providers.wasm.generichash(outputLength, text, keyLength === 0 ? undefined : key),
        expected,
      );
      disagreements.compare(
        `noble ${length} B`,
        blake2b(text, keyLength === 0 ? { dkLen: outputLength } : { dkLen: outputLength, key }),
        expected,
      );
    }
    disagreements.assertNone();
  });

  it('X25519 and key pairs: the same keys and shared secrets as libsodium and @noble/curves', () => {
    const disagreements = new Disagreements();
    for (let i = 0; i < FIXED_SIZE_SEEDS; i++) {
      const secret = seededBytes(32, 6000 + i);
      const peerPublic = sodium.crypto_scalarmult_base(seededBytes(32, 7000 + i));
      const publicKey = sodium.crypto_scalarmult_base(secret);
      disagreements.compare(`base ${i}`, providers.wasm.scalarMultBase(secret), publicKey);
      disagreements.compare(`base noble ${i}`, x25519.getPublicKey(secret), publicKey);
      const shared = sodium.crypto_scalarmult(secret, peerPublic);
      disagreements.compare(`shared ${i}`, providers.wasm.scalarMult(secret, peerPublic), shared);
      disagreements.compare(
        `shared noble ${i}`,
        x25519.getSharedSecret(secret, peerPublic),
        shared,
      );

      const seed = seededBytes(32, 8000 + i);
      const expectedBox = sodium.crypto_box_seed_keypair(seed);
      const boxPair = providers.wasm.boxKeyPairFromSeed(seed);
      disagreements.compare(`box seed pair ${i}`, boxPair.publicKey, expectedBox.publicKey);
      disagreements.compare(`box seed secret ${i}`, boxPair.secretKey, expectedBox.privateKey);

      const randomBox = providers.wasm.boxKeyPair();
      disagreements.compare(
        `box pair ${i}`,
        randomBox.publicKey,
        sodium.crypto_scalarmult_base(randomBox.secretKey),
      );
      const randomSign = providers.wasm.signKeyPair();
      const fromSeed = sodium.crypto_sign_seed_keypair(randomSign.secretKey.slice(0, 32));
      disagreements.compare(`sign pair ${i}`, randomSign.publicKey, fromSeed.publicKey);
      disagreements.compare(`sign pair secret ${i}`, randomSign.secretKey, fromSeed.privateKey);
    }
    disagreements.assertNone();
  });

  it('Argon2id: native libsodium (gRPC) verifies WASM’s hash of every password length, derivation equals it, and WASM verifies native hashes', async () => {
    const disagreements = new Disagreements();
    const lengths = Array.from({ length: MAX_PASSWORD_BYTES + 1 }, (_, length) => length);
    await forEachConcurrently(lengths, 8, async (length) => {
      const password = seededBytes(length, length + 23);
      const hash = providers.wasm.pwhashStr(password, SMALL_ARGON2.opsLimit, SMALL_ARGON2.memLimit);
      disagreements.expect(
        `native verifies ${length} B`,
        await providers.grpc.pwhashStrVerify(hash, password),
      );
      const [salt, digest] = hash.split('$').slice(-2) as [string, string];
      disagreements.compare(
        `derive ${length} B`,
        providers.wasm.pwhashDerive(
          32,
          password,
          base64NoPadding(salt),
          SMALL_ARGON2.opsLimit,
          SMALL_ARGON2.memLimit,
        ),
        base64NoPadding(digest),
      );
      if (length % 16 === 0) {
        const nativeHash = await providers.grpc.pwhashStr(
          password,
          SMALL_ARGON2.opsLimit,
          SMALL_ARGON2.memLimit,
        );
        disagreements.expect(
          `WASM verifies native ${length} B`,
          providers.wasm.pwhashStrVerify(nativeHash, password),
        );
      }
    });
    disagreements.assertNone();
  });

  it('Argon2id derivation: the same keys as @noble/hashes across costs, salts and key sizes', () => {
    const disagreements = new Disagreements();
    for (let i = 0; i < 40; i++) {
      const password = seededBytes((i * 101) % (MAX_PASSWORD_BYTES + 1), i + 31);
      const salt = seededBytes(16, i + 37);
      const opsLimit = 1 + (i % 3);
      const memLimit = 8192 + 1024 * ((i * 13) % 57);
      const length = 16 + ((i * 7) % 49);
      disagreements.compare(
        `ops ${opsLimit}, mem ${memLimit}, ${length} B key, ${password.length} B password`,
        providers.wasm.pwhashDerive(length, password, salt, opsLimit, memLimit),
        argon2id(password, salt, { t: opsLimit, m: memLimit / 1024, p: 1, dkLen: length }),
      );
    }
    disagreements.assertNone();
  });

  it('random bytes: exactly the length asked for, every length to 4 KiB, and never the same twice', () => {
    const seen = new Set<string>();
    for (let length = 0; length <= 4096; length++) {
      const bytes = providers.wasm.randomBytes(length);
      assert.equal(bytes.length, length);
      if (length >= 16) {
        const hex = Buffer.from(bytes).toString('hex');
        assert.ok(!seen.has(hex));
        seen.add(hex);
      }
    }
  });
});

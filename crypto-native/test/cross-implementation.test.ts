/**
 * Every provider against the others and OpenSSL, by fast-check properties. Sizes covered: messages
 * of 0 to 300 bytes, anywhere up to 1 MiB, and exactly 0 and 1 MiB (support/arbitraries.ts);
 * BLAKE2b keys of 16 to 64 bytes and outputs of 16 to 64; batches of 0 to 40 items with messages
 * of 0 to 200 bytes; keys, nonces and seeds at their fixed sizes. Arrays set size: 'max' (the
 * default size would stop them at about 10 elements). Every length from 0 to 4 KiB and beyond, for
 * the WebAssembly build against independent implementations: wasm-oracle.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Nacl } from '../js/nacl.ts';
import { bytes, message } from './support/arbitraries.ts';
import { toHex } from './support/hex.ts';
import { openssl } from './support/node-crypto.ts';
import { openProviders, type Providers } from './support/providers.ts';

const RUNS = { numRuns: 25 };

let providers: Providers;
before(async () => {
  providers = await openProviders();
});
after(() => providers.close());

const local = () => [providers.wasm, providers.tweetnacl];
const offering = (operation: keyof Nacl) =>
  providers.all.filter((nacl) => nacl.supports.has(operation as never));

describe('cross-implementation: native (gRPC) = WASM = tweetnacl = Node crypto (OpenSSL)', () => {
  it('X25519 public keys and shared secrets agree', async () => {
    await fc.assert(
      fc.asyncProperty(bytes(32), bytes(32), async (aliceSecret, bobSecret) => {
        const bobPublic = openssl.x25519PublicKey(bobSecret);
        const expected = toHex(openssl.x25519(aliceSecret, bobPublic));
        for (const nacl of local()) {
          assert.equal(
            toHex(await nacl.scalarMultBase(bobSecret)),
            toHex(bobPublic),
            nacl.provider,
          );
          assert.equal(
            toHex(await nacl.scalarMult(aliceSecret, bobPublic)),
            expected,
            nacl.provider,
          );
        }
      }),
      RUNS,
    );
  });

  it('Ed25519 keys and signatures are identical, and every implementation verifies every other', async () => {
    await fc.assert(
      fc.asyncProperty(bytes(32), message, async (seed, text) => {
        const publicKey = openssl.ed25519PublicKey(seed);
        const signature = openssl.ed25519Sign(text, seed);
        for (const nacl of local()) {
          const pair = await nacl.signKeyPairFromSeed(seed);
          assert.equal(toHex(pair.publicKey), toHex(publicKey), nacl.provider);
          assert.equal(toHex(await nacl.signDetached(text, pair.secretKey)), toHex(signature));
        }
        for (const nacl of offering('verifyDetached')) {
          assert.equal(await nacl.verifyDetached(text, signature, publicKey), true, nacl.provider);
        }
        assert.equal(openssl.ed25519Verify(text, signature, publicKey), true);
      }),
      RUNS,
    );
  });

  it('box ciphertexts are identical and each opens the others', async () => {
    await fc.assert(
      fc.asyncProperty(
        bytes(32),
        bytes(32),
        bytes(24),
        message,
        async (aSecret, bSecret, nonce, text) => {
          const aPublic = openssl.x25519PublicKey(aSecret);
          const bPublic = openssl.x25519PublicKey(bSecret);
          const sealedBy = await Promise.all(
            local().map((nacl) => nacl.box(text, nonce, bPublic, aSecret)),
          );
          assert.equal(toHex(sealedBy[0] as Uint8Array), toHex(sealedBy[1] as Uint8Array));
          for (const nacl of local()) {
            const opened = await nacl.boxOpen(sealedBy[0] as Uint8Array, nonce, aPublic, bSecret);
            assert.equal(toHex(opened ?? new Uint8Array([1])), toHex(text), nacl.provider);
            const shared = await nacl.boxBeforeNm(aPublic, bSecret);
            const viaShared = await nacl.boxOpenAfterNm(sealedBy[1] as Uint8Array, nonce, shared);
            assert.equal(toHex(viaShared ?? new Uint8Array([1])), toHex(text), nacl.provider);
          }
        },
      ),
      RUNS,
    );
  });

  it('secretbox ciphertexts are identical and each opens the others', async () => {
    await fc.assert(
      fc.asyncProperty(bytes(32), bytes(24), message, async (key, nonce, text) => {
        const [byWasm, byTweetnacl] = await Promise.all(
          local().map((nacl) => nacl.secretbox(text, nonce, key)),
        );
        assert.equal(toHex(byWasm as Uint8Array), toHex(byTweetnacl as Uint8Array));
        for (const nacl of local()) {
          const opened = await nacl.secretboxOpen(byWasm as Uint8Array, nonce, key);
          assert.equal(toHex(opened ?? new Uint8Array([1])), toHex(text), nacl.provider);
        }
      }),
      RUNS,
    );
  });

  it('sealed boxes made by any provider open in every provider', async () => {
    await fc.assert(
      fc.asyncProperty(bytes(32), message, async (secretKey, text) => {
        const publicKey = openssl.x25519PublicKey(secretKey);
        for (const sealer of offering('boxSeal')) {
          const sealed = await sealer.boxSeal(text, publicKey);
          assert.equal(sealed.length, text.length + 48);
          for (const opener of offering('boxSealOpen')) {
            const opened = await opener.boxSealOpen(sealed, publicKey, secretKey);
            assert.equal(
              toHex(opened ?? new Uint8Array([1])),
              toHex(text),
              `${sealer.provider} -> ${opener.provider}`,
            );
          }
        }
      }),
      { numRuns: 15 },
    );
  });

  it('BLAKE2b agrees with and without a key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 16, max: 64 }),
        message,
        fc.option(fc.uint8Array({ minLength: 16, maxLength: 64, size: 'max' }), { nil: undefined }),
        async (length, text, key) => {
          const [a, b] = await Promise.all(
            local().map((nacl) => nacl.generichash(length, text, key)),
          );
          assert.equal(toHex(a as Uint8Array), toHex(b as Uint8Array));
          assert.equal((a as Uint8Array).length, length);
        },
      ),
      RUNS,
    );
  });

  it('verifyBatch gives the same verdicts everywhere for a mix of valid and corrupted signatures', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            seed: bytes(32),
            text: fc.uint8Array({ maxLength: 200, size: 'max' }),
            corrupt: fc.boolean(),
          }),
          { maxLength: 40, size: 'max' },
        ),
        async (entries) => {
          const items = entries.map(({ seed, text, corrupt }) => {
            const signature = openssl.ed25519Sign(text, seed);
            if (corrupt) signature[0] = (signature[0] ?? 0) ^ 1;
            return { message: text, signature, publicKey: openssl.ed25519PublicKey(seed) };
          });
          const expected = entries.map(({ corrupt }) => !corrupt);
          for (const nacl of offering('verifyBatch')) {
            assert.deepEqual(await nacl.verifyBatch(items), expected, nacl.provider);
          }
        },
      ),
      RUNS,
    );
  });
});

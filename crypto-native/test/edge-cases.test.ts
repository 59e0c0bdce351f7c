import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import nacl from 'tweetnacl';
import { NaclError } from '../js/errors.ts';
import type { Nacl } from '../js/nacl.ts';
import { fromHex } from './support/hex.ts';
import { openssl } from './support/node-crypto.ts';
import { openProviders, type Providers } from './support/providers.ts';

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const D = (P - ((121665n * modPow(121666n, P - 2n, P)) % P)) % P;

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

const toLittleEndian = (value: bigint, length = 32) => {
  const out = new Uint8Array(length);
  for (let i = 0, v = value; i < length; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
};
const fromLittleEndian = (bytes: Uint8Array) =>
  bytes.reduceRight((acc, byte) => (acc << 8n) | BigInt(byte), 0n);

const IDENTITY = toLittleEndian(1n);
const SMALL_ORDER_ED25519 = [
  toLittleEndian(0n),
  IDENTITY,
  fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'),
  fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'),
  toLittleEndian(P - 1n),
];
/** Non-canonical encodings y + p of y = 0..18, each also with the sign bit set. */
const NON_CANONICAL_ED25519 = Array.from({ length: 19 }, (_, y) =>
  toLittleEndian(P + BigInt(y)),
).flatMap((encoding) => {
  const signed = encoding.slice();
  signed[31] = (signed[31] ?? 0) | 0x80;
  return [encoding, signed];
});

/** X25519 u-coordinates of small order (and their non-canonical forms): all-zero shared secrets. */
const SMALL_ORDER_X25519 = [
  toLittleEndian(0n),
  toLittleEndian(1n),
  fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'),
  fromHex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'),
  toLittleEndian(P - 1n),
  toLittleEndian(P),
  toLittleEndian(P + 1n),
];

const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const publicKey = openssl.ed25519PublicKey(seed);
const text = new TextEncoder().encode('edge cases split implementations');
const validSignature = openssl.ed25519Sign(text, seed);

/** S + L: the same point equation holds, so a verifier that skips the S < L check accepts it. */
function malleated(signature: Uint8Array): Uint8Array {
  const forged = signature.slice();
  forged.set(toLittleEndian(fromLittleEndian(signature.subarray(32)) + L), 32);
  return forged;
}

/** R = identity and S = k·a mod L: valid by the group equation, but R has small order. */
function smallOrderRSignature(message: Uint8Array): Uint8Array {
  const digest = createHash('sha512').update(seed).digest();
  digest[0] = (digest[0] ?? 0) & 248;
  digest[31] = ((digest[31] ?? 0) & 127) | 64;
  const a = fromLittleEndian(new Uint8Array(digest.subarray(0, 32)));
  const k =
    fromLittleEndian(
      new Uint8Array(
        createHash('sha512').update(IDENTITY).update(publicKey).update(message).digest(),
      ),
    ) % L;
  const signature = new Uint8Array(64);
  signature.set(IDENTITY, 0);
  signature.set(toLittleEndian((k * a) % L), 32);
  return signature;
}

/** Identity key and identity R with S = 0: [0]B = R + [k]A holds for every message. */
const trivialSignature = new Uint8Array(64).fill(0);
trivialSignature.set(IDENTITY, 0);

let providers: Providers;
before(async () => {
  providers = await openProviders();
});
after(() => providers.close());

async function verdicts(message: Uint8Array, signature: Uint8Array, key: Uint8Array) {
  return Promise.all(
    providers.all.map((provider) => provider.verifyDetached(message, signature, key)),
  );
}

describe('edge cases that split Ed25519 implementations: every provider follows libsodium', () => {
  it('the two hard-coded order-8 y values double to y = 0: d·y^4 + 2·y^2 - 1 = 0 (mod p)', () => {
    // Doubling on -x^2 + y^2 = 1 + d·x^2·y^2 gives y(2P) = (x^2 + y^2) / (2 + x^2 - y^2), which is 0
    // (a point of order 4) exactly when x^2 = -y^2; on the curve that means d·y^4 + 2·y^2 - 1 = 0.
    for (const encoding of SMALL_ORDER_ED25519.slice(2, 4)) {
      const y = fromLittleEndian(encoding);
      assert.equal((D * modPow(y, 4n, P) + 2n * modPow(y, 2n, P) - 1n) % P, 0n);
    }
  });

  it('rejects S >= L, which plain tweetnacl accepts', async () => {
    const forged = malleated(validSignature);
    assert.equal(nacl.sign.detached.verify(text, forged, publicKey), true, 'the hazard is real');
    assert.equal(openssl.ed25519Verify(text, forged, publicKey), false);
    assert.deepEqual(await verdicts(text, forged, publicKey), [false, false, false]);
    assert.deepEqual(await verdicts(text, validSignature, publicKey), [true, true, true]);
  });

  it('rejects a small-order R, which plain tweetnacl accepts', async () => {
    const forged = smallOrderRSignature(text);
    assert.equal(nacl.sign.detached.verify(text, forged, publicKey), true, 'the hazard is real');
    assert.deepEqual(await verdicts(text, forged, publicKey), [false, false, false]);
  });

  it('rejects small-order public keys, even with a signature that satisfies the equation', async () => {
    assert.equal(
      nacl.sign.detached.verify(text, trivialSignature, IDENTITY),
      true,
      'the hazard is real',
    );
    for (const key of SMALL_ORDER_ED25519) {
      assert.deepEqual(await verdicts(text, trivialSignature, key), [false, false, false]);
      assert.deepEqual(await verdicts(text, validSignature, key), [false, false, false]);
    }
  });

  it('rejects non-canonical public key encodings', async () => {
    const nonCanonicalIdentity = toLittleEndian(P + 1n);
    assert.equal(
      nacl.sign.detached.verify(text, trivialSignature, nonCanonicalIdentity),
      true,
      'the hazard is real',
    );
    for (const key of NON_CANONICAL_ED25519) {
      assert.deepEqual(await verdicts(text, trivialSignature, key), [false, false, false]);
      assert.deepEqual(await verdicts(text, validSignature, key), [false, false, false]);
    }
  });

  it('verifyBatch applies the same rules item by item', async () => {
    const items = [
      { message: text, signature: validSignature, publicKey },
      { message: text, signature: malleated(validSignature), publicKey },
      { message: text, signature: smallOrderRSignature(text), publicKey },
      { message: text, signature: trivialSignature, publicKey: IDENTITY },
      { message: text, signature: trivialSignature, publicKey: toLittleEndian(P + 1n) },
    ];
    for (const provider of providers.all) {
      assert.deepEqual(
        await provider.verifyBatch(items),
        [true, false, false, false, false],
        provider.provider,
      );
    }
  });
});

describe('edge cases of X25519: all-zero shared secrets are refused everywhere', () => {
  const secretKey = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const nonce = new Uint8Array(24);

  async function weakKeyError(call: () => unknown) {
    await assert.rejects(
      async () => call(),
      (error: unknown) => error instanceof NaclError && error.code === 'WEAK_KEY',
    );
  }

  it('scalarMult, box, boxOpen and boxBeforeNm throw WEAK_KEY; OpenSSL refuses too', async () => {
    for (const point of SMALL_ORDER_X25519) {
      assert.throws(() => openssl.x25519(secretKey, point));
      assert.equal(
        nacl.scalarMult(secretKey, point).every((byte) => byte === 0),
        true,
        'tweetnacl alone would use it',
      );
      for (const provider of [providers.wasm, providers.tweetnacl] as Nacl[]) {
        await weakKeyError(() => provider.scalarMult(secretKey, point));
        await weakKeyError(() => provider.box(text, nonce, point, secretKey));
        await weakKeyError(() => provider.boxOpen(new Uint8Array(40), nonce, point, secretKey));
        await weakKeyError(() => provider.boxBeforeNm(point, secretKey));
      }
    }
  });

  it('sealing to a small-order key is refused, and a sealed box carrying one does not open', async () => {
    const recipient = openssl.x25519PublicKey(secretKey);
    for (const point of SMALL_ORDER_X25519) {
      for (const provider of providers.all) {
        await weakKeyError(() => provider.boxSeal(text, point));
        const forged = new Uint8Array(48 + text.length);
        forged.set(point, 0);
        assert.equal(
          await provider.boxSealOpen(forged, recipient, secretKey),
          null,
          provider.provider,
        );
      }
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromHex, toHex } from './support/hex.ts';
import { openssl } from './support/node-crypto.ts';
import { openProviders, type Providers } from './support/providers.ts';

// RFC 7748 section 5.2 (X25519 function) and section 6.1 (Diffie-Hellman of Alice and Bob).
const RFC7748_FUNCTION = [
  {
    scalar: 'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
    u: 'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
    output: 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
  },
  {
    scalar: '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
    u: 'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
    output: '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
  },
];
const ALICE_SECRET = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
const ALICE_PUBLIC = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const BOB_SECRET = '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb';
const BOB_PUBLIC = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
const SHARED_SECRET = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

// RFC 8032 section 7.1, TEST 1 to 3 (Ed25519).
const RFC8032 = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

// NaCl's published crypto_box / crypto_secretbox example: Alice (RFC 7748 keys) to Bob, one nonce,
// one 131-byte message. The secretbox key is box_beforenm(Bob's public key, Alice's secret key).
const NACL_NONCE = '69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37';
const NACL_SHARED_KEY = '1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389';
const NACL_MESSAGE =
  'be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705';
const NACL_CIPHERTEXT =
  'f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5';

let providers: Providers;
before(async () => {
  providers = await openProviders();
});
after(() => providers.close());

describe('known answers: Node built-in crypto (the referee) agrees with the published vectors', () => {
  it('RFC 7748 X25519', () => {
    for (const vector of RFC7748_FUNCTION) {
      // OpenSSL masks the top bit of u as RFC 7748 requires, like libsodium and tweetnacl.
      assert.equal(toHex(openssl.x25519(fromHex(vector.scalar), fromHex(vector.u))), vector.output);
    }
    assert.equal(toHex(openssl.x25519PublicKey(fromHex(ALICE_SECRET))), ALICE_PUBLIC);
    assert.equal(toHex(openssl.x25519(fromHex(ALICE_SECRET), fromHex(BOB_PUBLIC))), SHARED_SECRET);
  });

  it('RFC 8032 Ed25519', () => {
    for (const vector of RFC8032) {
      assert.equal(toHex(openssl.ed25519PublicKey(fromHex(vector.seed))), vector.publicKey);
      assert.equal(
        toHex(openssl.ed25519Sign(fromHex(vector.message), fromHex(vector.seed))),
        vector.signature,
      );
    }
  });
});

for (const name of ['wasm', 'tweetnacl', 'grpc'] as const) {
  describe(`known answers: ${name} provider`, () => {
    const nacl = () => providers[name];
    it('RFC 7748 X25519 function and Diffie-Hellman', async (t) => {
      if (!nacl().supports.has('scalarMult')) return t.skip(`${name} does not offer scalarMult`);
      for (const vector of RFC7748_FUNCTION) {
        const output = await nacl().scalarMult(fromHex(vector.scalar), fromHex(vector.u));
        assert.equal(toHex(output), vector.output);
      }
      assert.equal(toHex(await nacl().scalarMultBase(fromHex(ALICE_SECRET))), ALICE_PUBLIC);
      assert.equal(toHex(await nacl().scalarMultBase(fromHex(BOB_SECRET))), BOB_PUBLIC);
      const aliceSide = await nacl().scalarMult(fromHex(ALICE_SECRET), fromHex(BOB_PUBLIC));
      const bobSide = await nacl().scalarMult(fromHex(BOB_SECRET), fromHex(ALICE_PUBLIC));
      assert.equal(toHex(aliceSide), SHARED_SECRET);
      assert.equal(toHex(bobSide), SHARED_SECRET);
    });

    it('RFC 8032 Ed25519 key pairs, signatures and verification', async () => {
      for (const vector of RFC8032) {
        const message = fromHex(vector.message);
        const signature = fromHex(vector.signature);
        const publicKey = fromHex(vector.publicKey);
        if (nacl().supports.has('signKeyPairFromSeed')) {
          const pair = await nacl().signKeyPairFromSeed(fromHex(vector.seed));
          assert.equal(toHex(pair.publicKey), vector.publicKey);
          assert.equal(toHex(pair.secretKey), vector.seed + vector.publicKey);
          assert.equal(toHex(await nacl().signDetached(message, pair.secretKey)), vector.signature);
        }
        assert.equal(await nacl().verifyDetached(message, signature, publicKey), true);
      }
      const batch = RFC8032.map((vector) => ({
        message: fromHex(vector.message),
        signature: fromHex(vector.signature),
        publicKey: fromHex(vector.publicKey),
      }));
      assert.deepEqual(await nacl().verifyBatch(batch), [true, true, true]);
    });

    it("NaCl's published box and secretbox example", async (t) => {
      if (!nacl().supports.has('box')) return t.skip(`${name} has no box`);
      const nonce = fromHex(NACL_NONCE);
      const message = fromHex(NACL_MESSAGE);
      const alice = fromHex(ALICE_SECRET);
      const bob = fromHex(BOB_SECRET);
      const boxed = await nacl().box(message, nonce, fromHex(BOB_PUBLIC), alice);
      assert.equal(toHex(boxed), NACL_CIPHERTEXT);
      const opened = await nacl().boxOpen(boxed, nonce, fromHex(ALICE_PUBLIC), bob);
      assert.equal(toHex(opened ?? new Uint8Array()), NACL_MESSAGE);

      const sharedKey = await nacl().boxBeforeNm(fromHex(BOB_PUBLIC), alice);
      assert.equal(toHex(sharedKey), NACL_SHARED_KEY);
      assert.equal(toHex(await nacl().boxAfterNm(message, nonce, sharedKey)), NACL_CIPHERTEXT);
      assert.equal(toHex(await nacl().secretbox(message, nonce, sharedKey)), NACL_CIPHERTEXT);
      const reopened = await nacl().secretboxOpen(fromHex(NACL_CIPHERTEXT), nonce, sharedKey);
      assert.equal(toHex(reopened ?? new Uint8Array()), NACL_MESSAGE);
    });
  });
}

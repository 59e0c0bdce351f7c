import { blake2b } from '@noble/hashes/blake2.js';
import nacl from 'tweetnacl';
import { NaclError } from '../../errors.ts';
import type { KeyPair, NaclOperation, SignedMessage, SyncNacl } from '../../nacl.ts';
import { SIZES } from '../../sizes.ts';
import {
  batchItemOrNull,
  isAllZero,
  isShorterThan,
  optionalGenerichashKey,
  requireBytes,
  requireCiphertext,
  requireGenerichashLength,
  requireMessage,
  requireRandomLength,
  requireVerifyBatch,
  type SignedParts,
  signedPartsOrNull,
} from '../../validation.ts';
import { passesLibsodiumRules } from './ed25519-rules.ts';

// tweetnacl's typings omit `lowlevel`, which holds the HSalsa20 core that box_beforenm applies to
// the X25519 output: calling it directly lets us check that output for all zeros first.
const { crypto_core_hsalsa20: hsalsa20Core } = (
  nacl as unknown as {
    lowlevel: {
      crypto_core_hsalsa20(
        out: Uint8Array,
        input: Uint8Array,
        key: Uint8Array,
        c: Uint8Array,
      ): number;
    };
  }
).lowlevel;

const HSALSA20_SIGMA = new TextEncoder().encode('expand 32-byte k');
const HSALSA20_ZERO_NONCE = new Uint8Array(16);

const UNSUPPORTED: ReadonlySet<NaclOperation> = new Set<NaclOperation>([
  'secretstreamInitPush',
  'secretstreamPush',
  'secretstreamInitPull',
  'secretstreamPull',
  'pwhashStr',
  'pwhashStrVerify',
  'pwhashDerive',
]);

function unsupported(operation: NaclOperation): never {
  throw new NaclError(
    'UNSUPPORTED',
    `${operation} needs the wasm provider; tweetnacl has no such primitive`,
  );
}

/** X25519 that refuses a small-order public key, as libsodium does (its output would be all zero). */
function sharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const secret = nacl.scalarMult(secretKey, publicKey);
  if (isAllZero(secret)) throw new NaclError('WEAK_KEY', 'public key has small order');
  return secret;
}

function hsalsa20(secret: Uint8Array): Uint8Array {
  const sharedKey = new Uint8Array(SIZES.boxSharedKey);
  hsalsa20Core(sharedKey, HSALSA20_ZERO_NONCE, secret, HSALSA20_SIGMA);
  return sharedKey;
}

function beforeNm(publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return hsalsa20(sharedSecret(secretKey, publicKey));
}

function sealNonce(ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  const input = new Uint8Array(2 * SIZES.boxPublicKey);
  input.set(ephemeralPublicKey, 0);
  input.set(recipientPublicKey, SIZES.boxPublicKey);
  return blake2b(input, { dkLen: SIZES.boxNonce });
}

function verify(parts: SignedParts | null): boolean {
  if (parts === null || !passesLibsodiumRules(parts.signature, parts.publicKey)) return false;
  return nacl.sign.detached.verify(parts.message, parts.signature, parts.publicKey);
}

function openAfterNm(ciphertext: Uint8Array, nonce: Uint8Array, sharedKey: Uint8Array) {
  if (isShorterThan(ciphertext, SIZES.boxMac)) return null;
  const opened = nacl.secretbox.open(ciphertext, nonce, sharedKey);
  return opened === null ? null : owned(opened);
}

/**
 * tweetnacl hands some results out as views past a zeroed prefix (secretbox, secretbox.open):
 * callers get arrays on buffers of their own, as from every provider.
 */
function owned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes
    : bytes.slice();
}

function ownedPair(pair: { publicKey: Uint8Array; secretKey: Uint8Array }): KeyPair {
  return { publicKey: owned(pair.publicKey), secretKey: owned(pair.secretKey) };
}

export function createTweetnaclNacl(): SyncNacl {
  return {
    provider: 'tweetnacl',
    supports: new Set(
      (Object.keys(tweetnaclOperations) as NaclOperation[]).filter((op) => !UNSUPPORTED.has(op)),
    ),
    ...tweetnaclOperations,
  };
}

const tweetnaclOperations: Omit<SyncNacl, 'provider' | 'supports'> = {
  randomBytes: (length) => nacl.randomBytes(requireRandomLength(length)),

  boxKeyPair: (): KeyPair => ownedPair(nacl.box.keyPair()),
  boxKeyPairFromSeed(seed) {
    const checkedSeed = requireBytes('seed', seed, SIZES.signSeed);
    return ownedPair(
      nacl.box.keyPair.fromSecretKey(nacl.hash(checkedSeed).slice(0, SIZES.boxSecretKey)),
    );
  },
  scalarMultBase: (secretKey) =>
    owned(nacl.scalarMult.base(requireBytes('secretKey', secretKey, SIZES.boxSecretKey))),
  scalarMult: (secretKey, publicKey) =>
    owned(
      sharedSecret(
        requireBytes('secretKey', secretKey, SIZES.boxSecretKey),
        requireBytes('publicKey', publicKey, SIZES.boxPublicKey),
      ),
    ),

  box(message, nonce, publicKey, secretKey) {
    const m = requireMessage('message', message);
    const n = requireBytes('nonce', nonce, SIZES.boxNonce);
    const sharedKey = beforeNm(
      requireBytes('publicKey', publicKey, SIZES.boxPublicKey),
      requireBytes('secretKey', secretKey, SIZES.boxSecretKey),
    );
    return owned(nacl.secretbox(m, n, sharedKey));
  },
  boxOpen(ciphertext, nonce, publicKey, secretKey) {
    const c = requireCiphertext('ciphertext', ciphertext, SIZES.boxMac);
    const n = requireBytes('nonce', nonce, SIZES.boxNonce);
    const pk = requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
    const sk = requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
    // As in the C core: a ciphertext too short to hold a MAC fails before the keys are used.
    if (isShorterThan(c, SIZES.boxMac)) return null;
    return openAfterNm(c, n, beforeNm(pk, sk));
  },
  boxBeforeNm: (publicKey, secretKey) =>
    beforeNm(
      requireBytes('publicKey', publicKey, SIZES.boxPublicKey),
      requireBytes('secretKey', secretKey, SIZES.boxSecretKey),
    ),
  boxAfterNm: (message, nonce, sharedKey) =>
    owned(
      nacl.secretbox(
        requireMessage('message', message),
        requireBytes('nonce', nonce, SIZES.boxNonce),
        requireBytes('sharedKey', sharedKey, SIZES.boxSharedKey),
      ),
    ),
  boxOpenAfterNm: (ciphertext, nonce, sharedKey) =>
    openAfterNm(
      requireCiphertext('ciphertext', ciphertext, SIZES.boxMac),
      requireBytes('nonce', nonce, SIZES.boxNonce),
      requireBytes('sharedKey', sharedKey, SIZES.boxSharedKey),
    ),
  boxSeal(message, publicKey) {
    const m = requireMessage('message', message);
    const pk = requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
    const ephemeral = nacl.box.keyPair();
    const sealed = new Uint8Array(SIZES.sealOverhead + m.length);
    sealed.set(ephemeral.publicKey, 0);
    sealed.set(
      nacl.secretbox(m, sealNonce(ephemeral.publicKey, pk), beforeNm(pk, ephemeral.secretKey)),
      SIZES.boxPublicKey,
    );
    ephemeral.secretKey.fill(0);
    return sealed;
  },
  boxSealOpen(sealed, publicKey, secretKey) {
    const c = requireCiphertext('sealed', sealed, SIZES.sealOverhead);
    const pk = requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
    const sk = requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
    if (isShorterThan(c, SIZES.sealOverhead)) return null;
    const ephemeralPublicKey = c.subarray(0, SIZES.boxPublicKey);
    // The ephemeral key is part of the ciphertext: a small-order one is a forgery, not a caller error.
    const secret = nacl.scalarMult(sk, ephemeralPublicKey);
    if (isAllZero(secret)) return null;
    return openAfterNm(
      c.subarray(SIZES.boxPublicKey),
      sealNonce(ephemeralPublicKey, pk),
      hsalsa20(secret),
    );
  },

  secretbox: (message, nonce, key) =>
    owned(
      nacl.secretbox(
        requireMessage('message', message),
        requireBytes('nonce', nonce, SIZES.secretboxNonce),
        requireBytes('key', key, SIZES.secretboxKey),
      ),
    ),
  secretboxOpen: (ciphertext, nonce, key) =>
    openAfterNm(
      requireCiphertext('ciphertext', ciphertext, SIZES.secretboxMac),
      requireBytes('nonce', nonce, SIZES.secretboxNonce),
      requireBytes('key', key, SIZES.secretboxKey),
    ),

  signKeyPair: (): KeyPair => ownedPair(nacl.sign.keyPair()),
  signKeyPairFromSeed: (seed) =>
    ownedPair(nacl.sign.keyPair.fromSeed(requireBytes('seed', seed, SIZES.signSeed))),
  signDetached: (message, secretKey) =>
    owned(
      nacl.sign.detached(
        requireMessage('message', message),
        requireBytes('secretKey', secretKey, SIZES.signSecretKey),
      ),
    ),
  verifyDetached: (message, signature, publicKey) =>
    verify(signedPartsOrNull(message, signature, publicKey)),
  verifyBatch: (items: readonly SignedMessage[]) =>
    requireVerifyBatch(items).map((item) => verify(batchItemOrNull(item))),

  secretstreamInitPush: () => unsupported('secretstreamInitPush'),
  secretstreamPush: () => unsupported('secretstreamPush'),
  secretstreamInitPull: () => unsupported('secretstreamInitPull'),
  secretstreamPull: () => unsupported('secretstreamPull'),
  pwhashStr: () => unsupported('pwhashStr'),
  pwhashStrVerify: () => unsupported('pwhashStrVerify'),
  pwhashDerive: () => unsupported('pwhashDerive'),

  generichash(length, message, key) {
    const checkedKey = optionalGenerichashKey(key);
    const dkLen = requireGenerichashLength(length);
    // An empty key means unkeyed, as in libsodium; noble wants it left out instead.
    const options = checkedKey.length === 0 ? { dkLen } : { dkLen, key: checkedKey };
    return owned(blake2b(requireMessage('message', message), options));
  },
};

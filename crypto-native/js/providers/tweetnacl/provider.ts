import { blake2b } from '@noble/hashes/blake2.js';
import nacl from 'tweetnacl';
import { NaclError } from '../../errors.ts';
import type { KeyPair, NaclOperation, SignedMessage, SyncNacl } from '../../nacl.ts';
import { SIZES } from '../../sizes.ts';
import {
  isAllZero,
  isShorterThan,
  optionalGenerichashKey,
  requireBytes,
  requireGenerichashLength,
  requireMessage,
  requireRandomLength,
  requireVerifyBatch,
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

function verify(message: unknown, signature: unknown, publicKey: unknown): boolean {
  const parts = signedPartsOrNull(message, signature, publicKey);
  if (parts === null || !passesLibsodiumRules(parts.signature, parts.publicKey)) return false;
  return nacl.sign.detached.verify(parts.message, parts.signature, parts.publicKey);
}

function openAfterNm(ciphertext: Uint8Array, nonce: Uint8Array, sharedKey: Uint8Array) {
  if (isShorterThan(ciphertext, SIZES.boxMac)) return null;
  return nacl.secretbox.open(ciphertext, nonce, sharedKey);
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

  boxKeyPair: (): KeyPair => nacl.box.keyPair(),
  boxKeyPairFromSeed(seed) {
    requireBytes('seed', seed, SIZES.signSeed);
    return nacl.box.keyPair.fromSecretKey(nacl.hash(seed).slice(0, SIZES.boxSecretKey));
  },
  scalarMultBase: (secretKey) =>
    nacl.scalarMult.base(requireBytes('secretKey', secretKey, SIZES.boxSecretKey)),
  scalarMult: (secretKey, publicKey) =>
    sharedSecret(
      requireBytes('secretKey', secretKey, SIZES.boxSecretKey),
      requireBytes('publicKey', publicKey, SIZES.boxPublicKey),
    ),

  box(message, nonce, publicKey, secretKey) {
    requireMessage('message', message);
    requireBytes('nonce', nonce, SIZES.boxNonce);
    const sharedKey = beforeNm(
      requireBytes('publicKey', publicKey, SIZES.boxPublicKey),
      requireBytes('secretKey', secretKey, SIZES.boxSecretKey),
    );
    return nacl.secretbox(message, nonce, sharedKey);
  },
  boxOpen(ciphertext, nonce, publicKey, secretKey) {
    requireMessage('ciphertext', ciphertext);
    requireBytes('nonce', nonce, SIZES.boxNonce);
    requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
    requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
    // As in the C core: a ciphertext too short to hold a MAC fails before the keys are used.
    if (isShorterThan(ciphertext, SIZES.boxMac)) return null;
    return openAfterNm(ciphertext, nonce, beforeNm(publicKey, secretKey));
  },
  boxBeforeNm: (publicKey, secretKey) =>
    beforeNm(
      requireBytes('publicKey', publicKey, SIZES.boxPublicKey),
      requireBytes('secretKey', secretKey, SIZES.boxSecretKey),
    ),
  boxAfterNm: (message, nonce, sharedKey) =>
    nacl.secretbox(
      requireMessage('message', message),
      requireBytes('nonce', nonce, SIZES.boxNonce),
      requireBytes('sharedKey', sharedKey, SIZES.boxSharedKey),
    ),
  boxOpenAfterNm: (ciphertext, nonce, sharedKey) =>
    openAfterNm(
      requireMessage('ciphertext', ciphertext),
      requireBytes('nonce', nonce, SIZES.boxNonce),
      requireBytes('sharedKey', sharedKey, SIZES.boxSharedKey),
    ),
  boxSeal(message, publicKey) {
    requireMessage('message', message);
    requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
    const ephemeral = nacl.box.keyPair();
    const sealed = new Uint8Array(SIZES.sealOverhead + message.length);
    sealed.set(ephemeral.publicKey, 0);
    sealed.set(
      nacl.secretbox(
        message,
        sealNonce(ephemeral.publicKey, publicKey),
        beforeNm(publicKey, ephemeral.secretKey),
      ),
      SIZES.boxPublicKey,
    );
    ephemeral.secretKey.fill(0);
    return sealed;
  },
  boxSealOpen(sealed, publicKey, secretKey) {
    requireMessage('sealed', sealed);
    requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
    requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
    if (isShorterThan(sealed, SIZES.sealOverhead)) return null;
    const ephemeralPublicKey = sealed.subarray(0, SIZES.boxPublicKey);
    // The ephemeral key is part of the ciphertext: a small-order one is a forgery, not a caller error.
    const secret = nacl.scalarMult(secretKey, ephemeralPublicKey);
    if (isAllZero(secret)) return null;
    return openAfterNm(
      sealed.subarray(SIZES.boxPublicKey),
      sealNonce(ephemeralPublicKey, publicKey),
      hsalsa20(secret),
    );
  },

  secretbox: (message, nonce, key) =>
    nacl.secretbox(
      requireMessage('message', message),
      requireBytes('nonce', nonce, SIZES.secretboxNonce),
      requireBytes('key', key, SIZES.secretboxKey),
    ),
  secretboxOpen: (ciphertext, nonce, key) =>
    openAfterNm(
      requireMessage('ciphertext', ciphertext),
      requireBytes('nonce', nonce, SIZES.secretboxNonce),
      requireBytes('key', key, SIZES.secretboxKey),
    ),

  signKeyPair: (): KeyPair => nacl.sign.keyPair(),
  signKeyPairFromSeed: (seed) =>
    nacl.sign.keyPair.fromSeed(requireBytes('seed', seed, SIZES.signSeed)),
  signDetached: (message, secretKey) =>
    nacl.sign.detached(
      requireMessage('message', message),
      requireBytes('secretKey', secretKey, SIZES.signSecretKey),
    ),
  verifyDetached: verify,
  verifyBatch: (items: readonly SignedMessage[]) =>
    requireVerifyBatch(items).map((item) => {
      const { message, signature, publicKey } = (item ?? {}) as Partial<SignedMessage>;
      return verify(message, signature, publicKey);
    }),

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
    return blake2b(requireMessage('message', message), options);
  },
};

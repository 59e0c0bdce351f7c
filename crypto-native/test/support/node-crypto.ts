import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';

/**
 * Node's built-in crypto (OpenSSL): an X25519 and Ed25519 implementation that nobody on this
 * project wrote, used as an independent referee. Raw keys are wrapped in their fixed DER prefixes.
 */
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');

function privateKey(prefix: Buffer, raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'pkcs8' });
}

function publicKey(prefix: Buffer, raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'spki' });
}

function rawPublic(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

export const openssl = {
  x25519PublicKey: (secretKey: Uint8Array) =>
    rawPublic(createPublicKey(privateKey(X25519_PKCS8, secretKey))),
  /** Throws when OpenSSL refuses the peer key (an all-zero result). */
  x25519: (secretKey: Uint8Array, peerPublicKey: Uint8Array) =>
    new Uint8Array(
      diffieHellman({
        privateKey: privateKey(X25519_PKCS8, secretKey),
        publicKey: publicKey(X25519_SPKI, peerPublicKey),
      }),
    ),
  ed25519PublicKey: (seed: Uint8Array) =>
    rawPublic(createPublicKey(privateKey(ED25519_PKCS8, seed))),
  ed25519Sign: (message: Uint8Array, seed: Uint8Array) =>
    new Uint8Array(sign(null, message, privateKey(ED25519_PKCS8, seed))),
  /** false also when OpenSSL cannot even parse the key. */
  ed25519Verify(message: Uint8Array, signature: Uint8Array, key: Uint8Array): boolean {
    try {
      return verify(null, message, publicKey(ED25519_SPKI, key), signature);
    } catch {
      return false;
    }
  },
};

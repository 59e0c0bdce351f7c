/**
 * The one NaCl interface of AnoChat. Three providers implement it:
 * - `wasm`: the libsodium core compiled to WebAssembly (browser and Node), synchronous, every operation;
 * - `tweetnacl`: the pure-JS fallback where WebAssembly cannot load, synchronous; it has no
 *   secretstream and no Argon2id (`pwhash*`), and throws `UNSUPPORTED` for those;
 * - `grpc`: the native core behind the crypto-native server (Node only), asynchronous; it offers only
 *   what the server needs: signature checks, password hashing and sealed boxes.
 * `supports` lists what a provider offers; calling anything else throws `NaclError('UNSUPPORTED')`.
 *
 * Malformed input (wrong key, nonce or output sizes, oversized messages, out-of-range parameters)
 * throws a `NaclError` with the same code in every provider. Failing to open or verify is an answer,
 * not an error: `null` or `false`. A public key of small order (whose shared secret would be all zero)
 * is refused with `WEAK_KEY` wherever the caller supplies it.
 *
 * Results are copies the caller owns, each on an ArrayBuffer of its own (`result.buffer.byteLength
 * === result.byteLength`): nothing returned shares memory with a key, a plaintext or another
 * result, so a result can be transferred or wiped without touching anything else.
 *
 * Byte inputs are read through the engine's own view of them (buffer, offset, byteLength), never
 * through their `length` or methods, which a subclass can override.
 *
 * `verifyBatch` answers each item on its own: an item that is not a well-formed triple of bytes
 * (null, a string, a wrong size, a message above the limit) is `false`, and only a malformed batch
 * (not an array, too many items) throws.
 */

export type Mode = 'sync' | 'async';
type Out<M extends Mode, T> = M extends 'sync' ? T : Promise<T>;

export type ProviderName = 'wasm' | 'tweetnacl' | 'grpc';

export interface KeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export interface SignedMessage {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

export const SecretStreamTag = { message: 0, push: 1, rekey: 2, final: 3 } as const;
export type SecretStreamTag = (typeof SecretStreamTag)[keyof typeof SecretStreamTag];

export interface SecretStreamPushStart {
  /** Opaque 52-byte state; every push updates it in place. */
  state: Uint8Array;
  /** Sent ahead of the first chunk; the receiver needs it to start pulling. */
  header: Uint8Array;
}

export interface SecretStreamChunk {
  message: Uint8Array;
  tag: SecretStreamTag;
}

export interface Nacl<M extends Mode = Mode> {
  readonly provider: ProviderName;
  readonly supports: ReadonlySet<NaclOperation>;

  randomBytes(length: number): Out<M, Uint8Array>;

  /** X25519 */
  boxKeyPair(): Out<M, KeyPair>;
  /** secretKey = first 32 bytes of SHA-512(seed), as libsodium's crypto_box_seed_keypair. */
  boxKeyPairFromSeed(seed: Uint8Array): Out<M, KeyPair>;
  scalarMultBase(secretKey: Uint8Array): Out<M, Uint8Array>;
  scalarMult(secretKey: Uint8Array, publicKey: Uint8Array): Out<M, Uint8Array>;

  /** crypto_box_easy (X25519, XSalsa20-Poly1305): ciphertext = MAC (16) || encrypted message. */
  box(
    message: Uint8Array,
    nonce: Uint8Array,
    publicKey: Uint8Array,
    secretKey: Uint8Array,
  ): Out<M, Uint8Array>;
  boxOpen(
    ciphertext: Uint8Array,
    nonce: Uint8Array,
    publicKey: Uint8Array,
    secretKey: Uint8Array,
  ): Out<M, Uint8Array | null>;
  boxBeforeNm(publicKey: Uint8Array, secretKey: Uint8Array): Out<M, Uint8Array>;
  boxAfterNm(message: Uint8Array, nonce: Uint8Array, sharedKey: Uint8Array): Out<M, Uint8Array>;
  boxOpenAfterNm(
    ciphertext: Uint8Array,
    nonce: Uint8Array,
    sharedKey: Uint8Array,
  ): Out<M, Uint8Array | null>;
  /** crypto_box_seal: anonymous sender; ciphertext = ephemeral public key (32) || box. */
  boxSeal(message: Uint8Array, publicKey: Uint8Array): Out<M, Uint8Array>;
  boxSealOpen(
    sealed: Uint8Array,
    publicKey: Uint8Array,
    secretKey: Uint8Array,
  ): Out<M, Uint8Array | null>;

  /** crypto_secretbox_easy (XSalsa20-Poly1305). */
  secretbox(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Out<M, Uint8Array>;
  secretboxOpen(
    ciphertext: Uint8Array,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Out<M, Uint8Array | null>;

  /** Ed25519; the secret key is seed (32) || public key (32). */
  signKeyPair(): Out<M, KeyPair>;
  signKeyPairFromSeed(seed: Uint8Array): Out<M, KeyPair>;
  signDetached(message: Uint8Array, secretKey: Uint8Array): Out<M, Uint8Array>;
  /** libsodium's rules: S >= L, non-canonical or small-order keys and small-order R are invalid. */
  verifyDetached(
    message: Uint8Array,
    signature: Uint8Array,
    publicKey: Uint8Array,
  ): Out<M, boolean>;
  verifyBatch(items: readonly SignedMessage[]): Out<M, boolean[]>;

  /** XChaCha20-Poly1305 secretstream, for attachments in chunks. wasm only. */
  secretstreamInitPush(key: Uint8Array): Out<M, SecretStreamPushStart>;
  secretstreamPush(
    state: Uint8Array,
    message: Uint8Array,
    tag: SecretStreamTag,
    additionalData?: Uint8Array,
  ): Out<M, Uint8Array>;
  secretstreamInitPull(header: Uint8Array, key: Uint8Array): Out<M, Uint8Array>;
  /** null when the chunk is forged, truncated, reordered or from another stream. */
  secretstreamPull(
    state: Uint8Array,
    ciphertext: Uint8Array,
    additionalData?: Uint8Array,
  ): Out<M, SecretStreamChunk | null>;

  /** Argon2id in libsodium's string format. wasm and grpc only. */
  pwhashStr(password: Uint8Array, opsLimit: number, memLimit: number): Out<M, string>;
  pwhashStrVerify(hash: string, password: Uint8Array): Out<M, boolean>;
  /** Argon2id key derivation (crypto_pwhash). wasm only. */
  pwhashDerive(
    length: number,
    password: Uint8Array,
    salt: Uint8Array,
    opsLimit: number,
    memLimit: number,
  ): Out<M, Uint8Array>;

  /** BLAKE2b; key empty or 16..64 bytes; length 16..64. */
  generichash(length: number, message: Uint8Array, key?: Uint8Array): Out<M, Uint8Array>;
}

export type SyncNacl = Nacl<'sync'>;
export type AsyncNacl = Nacl<'async'>;

export type NaclOperation = Exclude<keyof Nacl, 'provider' | 'supports'>;

export const ALL_OPERATIONS: readonly NaclOperation[] = [
  'randomBytes',
  'boxKeyPair',
  'boxKeyPairFromSeed',
  'scalarMultBase',
  'scalarMult',
  'box',
  'boxOpen',
  'boxBeforeNm',
  'boxAfterNm',
  'boxOpenAfterNm',
  'boxSeal',
  'boxSealOpen',
  'secretbox',
  'secretboxOpen',
  'signKeyPair',
  'signKeyPairFromSeed',
  'signDetached',
  'verifyDetached',
  'verifyBatch',
  'secretstreamInitPush',
  'secretstreamPush',
  'secretstreamInitPull',
  'secretstreamPull',
  'pwhashStr',
  'pwhashStrVerify',
  'pwhashDerive',
  'generichash',
];

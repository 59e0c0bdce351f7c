import { NaclError, type NaclErrorCode } from '../../errors.ts';
import type {
  KeyPair,
  NaclOperation,
  SecretStreamChunk,
  SecretStreamTag,
  SignedMessage,
  SyncNacl,
} from '../../nacl.ts';
import { ALL_OPERATIONS } from '../../nacl.ts';
import { SIZES } from '../../sizes.ts';
import {
  isShorterThan,
  optionalBytes,
  optionalGenerichashKey,
  requireBytes,
  requireDeriveLength,
  requireGenerichashLength,
  requireMessage,
  requirePassword,
  requirePwhashLimits,
  requirePwhashString,
  requireRandomLength,
  requireSecretStreamTag,
  requireVerifyBatch,
  signedPartsOrNull,
} from '../../validation.ts';
import type { NaclWasm } from '../../wasm-loader/instantiate.ts';
import { WasmArena } from './arena.ts';

const STATUS_CODES: Record<number, NaclErrorCode> = {
  [-1]: 'INVALID_LENGTH',
  [-2]: 'TOO_LARGE',
  [-3]: 'EMPTY',
  [-5]: 'WEAK_KEY',
  [-6]: 'INVALID_ARGUMENT',
  [-7]: 'INTERNAL',
};
const STATUS_OK = 0;
const STATUS_FAILED = -4;

/** The libsodium core compiled to WebAssembly, behind the Nacl interface. */
export function createWasmNacl(wasm: NaclWasm): SyncNacl {
  const core = wasm.exports;
  const arena = new WasmArena(wasm);

  function lastError(): string {
    return arena.readCString(core.anochat_last_error());
  }

  /** Throws for statuses that mean "bad input"; returns whether the operation succeeded. */
  function succeeded(status: number): boolean {
    if (status === STATUS_OK) return true;
    if (status === STATUS_FAILED) return false;
    throw new NaclError(STATUS_CODES[status] ?? 'INTERNAL', lastError());
  }

  function mustSucceed(status: number): void {
    if (!succeeded(status)) throw new NaclError('INTERNAL', lastError());
  }

  function keyPair(
    publicKeyLength: number,
    secretKeyLength: number,
    seed: Uint8Array | null,
    generate: (pk: number, sk: number, seedPointer: number) => number,
  ): KeyPair {
    const [pk, sk, seedPointer] = arena.layout([
      publicKeyLength,
      secretKeyLength,
      seed?.length ?? 0,
    ]) as [number, number, number];
    if (seed !== null) arena.copyIn(seedPointer, seed);
    try {
      mustSucceed(generate(pk, sk, seedPointer));
      return {
        publicKey: arena.copyOut(pk, publicKeyLength),
        secretKey: arena.copyOut(sk, secretKeyLength),
      };
    } finally {
      arena.wipe();
    }
  }

  /** Runs one C call on inputs copied into the arena and returns the output, or null on FAILED. */
  function transform(
    inputs: readonly Uint8Array[],
    outputLength: number,
    call: (out: number, inputs: number[]) => number,
  ): Uint8Array | null {
    const pointers = arena.layout([outputLength, ...inputs.map((input) => input.length)]);
    const out = pointers[0] as number;
    const inputPointers = pointers.slice(1);
    for (const [i, input] of inputs.entries()) arena.copyIn(inputPointers[i] as number, input);
    try {
      return succeeded(call(out, inputPointers)) ? arena.copyOut(out, outputLength) : null;
    } finally {
      arena.wipe();
    }
  }

  function transformOrThrow(
    inputs: readonly Uint8Array[],
    outputLength: number,
    call: (out: number, inputs: number[]) => number,
  ): Uint8Array {
    const output = transform(inputs, outputLength, call);
    if (output === null) throw new NaclError('INTERNAL', lastError());
    return output;
  }

  function at(pointers: number[], index: number): number {
    return pointers[index] as number;
  }

  function verifyParts(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) {
    const [sig, msg, pk] = arena.layout([signature.length, message.length, publicKey.length]) as [
      number,
      number,
      number,
    ];
    arena.copyIn(sig, signature);
    arena.copyIn(msg, message);
    arena.copyIn(pk, publicKey);
    try {
      return succeeded(
        core.anochat_sign_verify_detached(
          sig,
          signature.length,
          msg,
          message.length,
          pk,
          publicKey.length,
        ),
      );
    } finally {
      arena.wipe();
    }
  }

  function verifyBatch(items: readonly SignedMessage[]): boolean[] {
    const checked = requireVerifyBatch(items).map((item) => {
      const { message, signature, publicKey } = (item ?? {}) as Partial<SignedMessage>;
      return signedPartsOrNull(message, signature, publicKey);
    });
    const wellFormed = checked.filter((parts) => parts !== null);
    const results = new Array<boolean>(checked.length).fill(false);
    if (wellFormed.length === 0) return results;

    const n = wellFormed.length;
    const messagesLength = wellFormed.reduce((sum, parts) => sum + parts.message.length, 0);
    // The uint32 length array goes first so that it is 4-byte aligned at the arena's base.
    const [lens, pks, sigs, msgs, out] = arena.layout([
      4 * n,
      SIZES.signPublicKey * n,
      SIZES.signature * n,
      messagesLength,
      n,
    ]) as [number, number, number, number, number];
    let messageOffset = msgs;
    wellFormed.forEach((parts, i) => {
      arena.writeUint32(lens + 4 * i, parts.message.length);
      arena.copyIn(pks + SIZES.signPublicKey * i, parts.publicKey);
      arena.copyIn(sigs + SIZES.signature * i, parts.signature);
      arena.copyIn(messageOffset, parts.message);
      messageOffset += parts.message.length;
    });
    try {
      mustSucceed(
        core.anochat_sign_verify_batch(
          out,
          n,
          pks,
          SIZES.signPublicKey * n,
          sigs,
          SIZES.signature * n,
          msgs,
          messagesLength,
          lens,
          n,
        ),
      );
      const verdicts = arena.copyOut(out, n);
      let next = 0;
      checked.forEach((parts, i) => {
        if (parts !== null) results[i] = verdicts[next++] === 1;
      });
      return results;
    } finally {
      arena.wipe();
    }
  }

  const operations: Omit<SyncNacl, 'provider' | 'supports'> = {
    randomBytes(length) {
      const size = requireRandomLength(length);
      return transformOrThrow([], size, (out) => core.anochat_random_bytes(out, size));
    },

    boxKeyPair: () =>
      keyPair(SIZES.boxPublicKey, SIZES.boxSecretKey, null, (pk, sk) =>
        core.anochat_box_keypair(pk, SIZES.boxPublicKey, sk, SIZES.boxSecretKey),
      ),
    boxKeyPairFromSeed: (seed) =>
      keyPair(
        SIZES.boxPublicKey,
        SIZES.boxSecretKey,
        requireBytes('seed', seed, SIZES.signSeed),
        (pk, sk, s) =>
          core.anochat_box_seed_keypair(pk, SIZES.boxPublicKey, sk, SIZES.boxSecretKey, s, 32),
      ),
    scalarMultBase(secretKey) {
      requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      return transformOrThrow([secretKey], SIZES.scalarMult, (out, [sk]) =>
        core.anochat_scalarmult_base(out, SIZES.scalarMult, sk as number, 32),
      );
    },
    scalarMult(secretKey, publicKey) {
      requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      return transformOrThrow([secretKey, publicKey], SIZES.scalarMult, (out, p) =>
        core.anochat_scalarmult(out, SIZES.scalarMult, at(p, 0), 32, at(p, 1), 32),
      );
    },

    box(message, nonce, publicKey, secretKey) {
      requireMessage('message', message);
      requireBytes('nonce', nonce, SIZES.boxNonce);
      requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      const length = message.length + SIZES.boxMac;
      return transformOrThrow([message, nonce, publicKey, secretKey], length, (out, p) =>
        core.anochat_box(
          out,
          length,
          at(p, 0),
          message.length,
          at(p, 1),
          24,
          at(p, 2),
          32,
          at(p, 3),
          32,
        ),
      );
    },
    boxOpen(ciphertext, nonce, publicKey, secretKey) {
      requireMessage('ciphertext', ciphertext);
      requireBytes('nonce', nonce, SIZES.boxNonce);
      requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      if (isShorterThan(ciphertext, SIZES.boxMac)) return null;
      const length = ciphertext.length - SIZES.boxMac;
      return transform([ciphertext, nonce, publicKey, secretKey], length, (out, p) =>
        core.anochat_box_open(
          out,
          length,
          at(p, 0),
          ciphertext.length,
          at(p, 1),
          24,
          at(p, 2),
          32,
          at(p, 3),
          32,
        ),
      );
    },
    boxBeforeNm(publicKey, secretKey) {
      requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      return transformOrThrow([publicKey, secretKey], SIZES.boxSharedKey, (out, p) =>
        core.anochat_box_beforenm(out, SIZES.boxSharedKey, at(p, 0), 32, at(p, 1), 32),
      );
    },
    boxAfterNm(message, nonce, sharedKey) {
      requireMessage('message', message);
      requireBytes('nonce', nonce, SIZES.boxNonce);
      requireBytes('sharedKey', sharedKey, SIZES.boxSharedKey);
      const length = message.length + SIZES.boxMac;
      return transformOrThrow([message, nonce, sharedKey], length, (out, p) =>
        core.anochat_box_easy_afternm(
          out,
          length,
          at(p, 0),
          message.length,
          at(p, 1),
          24,
          at(p, 2),
          32,
        ),
      );
    },
    boxOpenAfterNm(ciphertext, nonce, sharedKey) {
      requireMessage('ciphertext', ciphertext);
      requireBytes('nonce', nonce, SIZES.boxNonce);
      requireBytes('sharedKey', sharedKey, SIZES.boxSharedKey);
      if (isShorterThan(ciphertext, SIZES.boxMac)) return null;
      const length = ciphertext.length - SIZES.boxMac;
      return transform([ciphertext, nonce, sharedKey], length, (out, p) =>
        core.anochat_box_open_easy_afternm(
          out,
          length,
          at(p, 0),
          ciphertext.length,
          at(p, 1),
          24,
          at(p, 2),
          32,
        ),
      );
    },
    boxSeal(message, publicKey) {
      requireMessage('message', message);
      requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      const length = message.length + SIZES.sealOverhead;
      return transformOrThrow([message, publicKey], length, (out, p) =>
        core.anochat_box_seal(out, length, at(p, 0), message.length, at(p, 1), 32),
      );
    },
    boxSealOpen(sealed, publicKey, secretKey) {
      requireMessage('sealed', sealed);
      requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      if (isShorterThan(sealed, SIZES.sealOverhead)) return null;
      const length = sealed.length - SIZES.sealOverhead;
      return transform([sealed, publicKey, secretKey], length, (out, p) => {
        const status = core.anochat_box_seal_open(
          out,
          length,
          at(p, 0),
          sealed.length,
          at(p, 1),
          32,
          at(p, 2),
          32,
        );
        // A small-order ephemeral key sits inside the ciphertext: a forgery, so "does not open".
        return status === -5 ? STATUS_FAILED : status;
      });
    },

    secretbox(message, nonce, key) {
      requireMessage('message', message);
      requireBytes('nonce', nonce, SIZES.secretboxNonce);
      requireBytes('key', key, SIZES.secretboxKey);
      const length = message.length + SIZES.secretboxMac;
      return transformOrThrow([message, nonce, key], length, (out, p) =>
        core.anochat_secretbox(out, length, at(p, 0), message.length, at(p, 1), 24, at(p, 2), 32),
      );
    },
    secretboxOpen(ciphertext, nonce, key) {
      requireMessage('ciphertext', ciphertext);
      requireBytes('nonce', nonce, SIZES.secretboxNonce);
      requireBytes('key', key, SIZES.secretboxKey);
      if (isShorterThan(ciphertext, SIZES.secretboxMac)) return null;
      const length = ciphertext.length - SIZES.secretboxMac;
      return transform([ciphertext, nonce, key], length, (out, p) =>
        core.anochat_secretbox_open(
          out,
          length,
          at(p, 0),
          ciphertext.length,
          at(p, 1),
          24,
          at(p, 2),
          32,
        ),
      );
    },

    signKeyPair: () =>
      keyPair(SIZES.signPublicKey, SIZES.signSecretKey, null, (pk, sk) =>
        core.anochat_sign_keypair(pk, SIZES.signPublicKey, sk, SIZES.signSecretKey),
      ),
    signKeyPairFromSeed: (seed) =>
      keyPair(
        SIZES.signPublicKey,
        SIZES.signSecretKey,
        requireBytes('seed', seed, SIZES.signSeed),
        (pk, sk, s) =>
          core.anochat_sign_seed_keypair(pk, SIZES.signPublicKey, sk, SIZES.signSecretKey, s, 32),
      ),
    signDetached(message, secretKey) {
      requireMessage('message', message);
      requireBytes('secretKey', secretKey, SIZES.signSecretKey);
      return transformOrThrow([message, secretKey], SIZES.signature, (out, p) =>
        core.anochat_sign_detached(out, SIZES.signature, at(p, 0), message.length, at(p, 1), 64),
      );
    },
    verifyDetached(message, signature, publicKey) {
      const parts = signedPartsOrNull(message, signature, publicKey);
      return parts !== null && verifyParts(parts.message, parts.signature, parts.publicKey);
    },
    verifyBatch,

    secretstreamInitPush(key) {
      requireBytes('key', key, SIZES.secretstreamKey);
      const [state, header, keyPointer] = arena.layout([
        SIZES.secretstreamState,
        SIZES.secretstreamHeader,
        SIZES.secretstreamKey,
      ]) as [number, number, number];
      arena.copyIn(keyPointer, key);
      try {
        mustSucceed(
          core.anochat_secretstream_init_push(
            state,
            SIZES.secretstreamState,
            header,
            24,
            keyPointer,
            32,
          ),
        );
        return {
          state: arena.copyOut(state, SIZES.secretstreamState),
          header: arena.copyOut(header, SIZES.secretstreamHeader),
        };
      } finally {
        arena.wipe();
      }
    },
    secretstreamPush(state, message, tag, additionalData) {
      requireBytes('state', state, SIZES.secretstreamState);
      requireMessage('message', message);
      const ad = optionalBytes('additionalData', additionalData);
      const checkedTag = requireSecretStreamTag(tag);
      const length = message.length + SIZES.secretstreamOverhead;
      const [statePointer, out, msg, adPointer] = arena.layout([
        SIZES.secretstreamState,
        length,
        message.length,
        ad.length,
      ]) as [number, number, number, number];
      arena.copyIn(statePointer, state);
      arena.copyIn(msg, message);
      arena.copyIn(adPointer, ad);
      try {
        mustSucceed(
          core.anochat_secretstream_push(
            statePointer,
            SIZES.secretstreamState,
            out,
            length,
            msg,
            message.length,
            adPointer,
            ad.length,
            checkedTag,
          ),
        );
        state.set(arena.view(statePointer, SIZES.secretstreamState));
        return arena.copyOut(out, length);
      } finally {
        arena.wipe();
      }
    },
    secretstreamInitPull(header, key) {
      requireBytes('header', header, SIZES.secretstreamHeader);
      requireBytes('key', key, SIZES.secretstreamKey);
      return transformOrThrow([header, key], SIZES.secretstreamState, (state, p) =>
        core.anochat_secretstream_init_pull(
          state,
          SIZES.secretstreamState,
          at(p, 0),
          24,
          at(p, 1),
          32,
        ),
      );
    },
    secretstreamPull(state, ciphertext, additionalData): SecretStreamChunk | null {
      requireBytes('state', state, SIZES.secretstreamState);
      requireMessage('ciphertext', ciphertext);
      const ad = optionalBytes('additionalData', additionalData);
      if (isShorterThan(ciphertext, SIZES.secretstreamOverhead)) return null;
      const length = ciphertext.length - SIZES.secretstreamOverhead;
      const [statePointer, tag, out, c, adPointer] = arena.layout([
        SIZES.secretstreamState,
        1,
        length,
        ciphertext.length,
        ad.length,
      ]) as [number, number, number, number, number];
      arena.copyIn(statePointer, state);
      arena.copyIn(c, ciphertext);
      arena.copyIn(adPointer, ad);
      try {
        const opened = succeeded(
          core.anochat_secretstream_pull(
            statePointer,
            SIZES.secretstreamState,
            out,
            length,
            tag,
            c,
            ciphertext.length,
            adPointer,
            ad.length,
          ),
        );
        if (!opened) return null;
        state.set(arena.view(statePointer, SIZES.secretstreamState));
        return {
          message: arena.copyOut(out, length),
          tag: arena.view(tag, 1)[0] as SecretStreamTag,
        };
      } finally {
        arena.wipe();
      }
    },

    pwhashStr(password, opsLimit, memLimit) {
      requirePassword(password);
      requirePwhashLimits(opsLimit, memLimit);
      const hash = transformOrThrow([password], SIZES.pwhashStr, (out, p) =>
        core.anochat_pwhash_str(
          out,
          SIZES.pwhashStr,
          at(p, 0),
          password.length,
          opsLimit,
          memLimit,
        ),
      );
      const end = hash.indexOf(0);
      return new TextDecoder().decode(hash.subarray(0, end === -1 ? hash.length : end));
    },
    pwhashStrVerify(hash, password) {
      const encoded = new TextEncoder().encode(requirePwhashString(hash));
      requirePassword(password);
      if (encoded.length >= SIZES.pwhashStr) return false;
      const [hashPointer, passwordPointer] = arena.layout([encoded.length, password.length]) as [
        number,
        number,
      ];
      arena.copyIn(hashPointer, encoded);
      arena.copyIn(passwordPointer, password);
      try {
        return succeeded(
          core.anochat_pwhash_str_verify(
            hashPointer,
            encoded.length,
            passwordPointer,
            password.length,
          ),
        );
      } finally {
        arena.wipe();
      }
    },
    pwhashDerive(length, password, salt, opsLimit, memLimit) {
      const size = requireDeriveLength(length);
      requirePassword(password);
      requireBytes('salt', salt, SIZES.pwhashSalt);
      requirePwhashLimits(opsLimit, memLimit);
      return transformOrThrow([password, salt], size, (out, p) =>
        core.anochat_pwhash_derive(
          out,
          size,
          at(p, 0),
          password.length,
          at(p, 1),
          16,
          opsLimit,
          memLimit,
        ),
      );
    },

    generichash(length, message, key) {
      const size = requireGenerichashLength(length);
      requireMessage('message', message);
      const checkedKey = optionalGenerichashKey(key);
      return transformOrThrow([message, checkedKey], size, (out, p) =>
        core.anochat_generichash(out, size, at(p, 0), message.length, at(p, 1), checkedKey.length),
      );
    },
  };

  return {
    provider: 'wasm',
    supports: new Set<NaclOperation>(ALL_OPERATIONS),
    ...operations,
  };
}

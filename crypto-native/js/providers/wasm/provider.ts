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
  batchItemOrNull,
  isShorterThan,
  optionalBytes,
  optionalGenerichashKey,
  requireBytes,
  requireCiphertext,
  requireDeriveLength,
  requireGenerichashLength,
  requireMessage,
  requirePassword,
  requirePwhashLimits,
  requirePwhashString,
  requireRandomLength,
  requireSecretStreamTag,
  requireVerifyBatch,
  type SignedParts,
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
    const checked = requireVerifyBatch(items).map(batchItemOrNull);
    const wellFormed = checked.filter((parts): parts is SignedParts => parts !== null);
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
      const sk = requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      return transformOrThrow([sk], SIZES.scalarMult, (out, [sk]) =>
        core.anochat_scalarmult_base(out, SIZES.scalarMult, sk as number, 32),
      );
    },
    scalarMult(secretKey, publicKey) {
      const sk = requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      const pk = requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      return transformOrThrow([sk, pk], SIZES.scalarMult, (out, p) =>
        core.anochat_scalarmult(out, SIZES.scalarMult, at(p, 0), 32, at(p, 1), 32),
      );
    },

    box(message, nonce, publicKey, secretKey) {
      const m = requireMessage('message', message);
      const n = requireBytes('nonce', nonce, SIZES.boxNonce);
      const pk = requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      const sk = requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      const length = m.length + SIZES.boxMac;
      return transformOrThrow([m, n, pk, sk], length, (out, p) =>
        core.anochat_box(out, length, at(p, 0), m.length, at(p, 1), 24, at(p, 2), 32, at(p, 3), 32),
      );
    },
    boxOpen(ciphertext, nonce, publicKey, secretKey) {
      const c = requireCiphertext('ciphertext', ciphertext, SIZES.boxMac);
      const n = requireBytes('nonce', nonce, SIZES.boxNonce);
      const pk = requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      const sk = requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      if (isShorterThan(c, SIZES.boxMac)) return null;
      const length = c.length - SIZES.boxMac;
      return transform([c, n, pk, sk], length, (out, p) =>
        core.anochat_box_open(
          out,
          length,
          at(p, 0),
          c.length,
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
      const pk = requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      const sk = requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      return transformOrThrow([pk, sk], SIZES.boxSharedKey, (out, p) =>
        core.anochat_box_beforenm(out, SIZES.boxSharedKey, at(p, 0), 32, at(p, 1), 32),
      );
    },
    boxAfterNm(message, nonce, sharedKey) {
      const m = requireMessage('message', message);
      const n = requireBytes('nonce', nonce, SIZES.boxNonce);
      const k = requireBytes('sharedKey', sharedKey, SIZES.boxSharedKey);
      const length = m.length + SIZES.boxMac;
      return transformOrThrow([m, n, k], length, (out, p) =>
        core.anochat_box_easy_afternm(out, length, at(p, 0), m.length, at(p, 1), 24, at(p, 2), 32),
      );
    },
    boxOpenAfterNm(ciphertext, nonce, sharedKey) {
      const c = requireCiphertext('ciphertext', ciphertext, SIZES.boxMac);
      const n = requireBytes('nonce', nonce, SIZES.boxNonce);
      const k = requireBytes('sharedKey', sharedKey, SIZES.boxSharedKey);
      if (isShorterThan(c, SIZES.boxMac)) return null;
      const length = c.length - SIZES.boxMac;
      return transform([c, n, k], length, (out, p) =>
        core.anochat_box_open_easy_afternm(
          out,
          length,
          at(p, 0),
          c.length,
          at(p, 1),
          24,
          at(p, 2),
          32,
        ),
      );
    },
    boxSeal(message, publicKey) {
      const m = requireMessage('message', message);
      const pk = requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      const length = m.length + SIZES.sealOverhead;
      return transformOrThrow([m, pk], length, (out, p) =>
        core.anochat_box_seal(out, length, at(p, 0), m.length, at(p, 1), 32),
      );
    },
    boxSealOpen(sealed, publicKey, secretKey) {
      const c = requireCiphertext('sealed', sealed, SIZES.sealOverhead);
      const pk = requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      const sk = requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      if (isShorterThan(c, SIZES.sealOverhead)) return null;
      const length = c.length - SIZES.sealOverhead;
      return transform([c, pk, sk], length, (out, p) => {
        const status = core.anochat_box_seal_open(
          out,
          length,
          at(p, 0),
          c.length,
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
      const m = requireMessage('message', message);
      const n = requireBytes('nonce', nonce, SIZES.secretboxNonce);
      const k = requireBytes('key', key, SIZES.secretboxKey);
      const length = m.length + SIZES.secretboxMac;
      return transformOrThrow([m, n, k], length, (out, p) =>
        core.anochat_secretbox(out, length, at(p, 0), m.length, at(p, 1), 24, at(p, 2), 32),
      );
    },
    secretboxOpen(ciphertext, nonce, key) {
      const c = requireCiphertext('ciphertext', ciphertext, SIZES.secretboxMac);
      const n = requireBytes('nonce', nonce, SIZES.secretboxNonce);
      const k = requireBytes('key', key, SIZES.secretboxKey);
      if (isShorterThan(c, SIZES.secretboxMac)) return null;
      const length = c.length - SIZES.secretboxMac;
      return transform([c, n, k], length, (out, p) =>
        core.anochat_secretbox_open(out, length, at(p, 0), c.length, at(p, 1), 24, at(p, 2), 32),
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
      const m = requireMessage('message', message);
      const sk = requireBytes('secretKey', secretKey, SIZES.signSecretKey);
      return transformOrThrow([m, sk], SIZES.signature, (out, p) =>
        core.anochat_sign_detached(out, SIZES.signature, at(p, 0), m.length, at(p, 1), 64),
      );
    },
    verifyDetached(message, signature, publicKey) {
      const parts = signedPartsOrNull(message, signature, publicKey);
      return parts !== null && verifyParts(parts.message, parts.signature, parts.publicKey);
    },
    verifyBatch,

    secretstreamInitPush(key) {
      const k = requireBytes('key', key, SIZES.secretstreamKey);
      const [state, header, keyPointer] = arena.layout([
        SIZES.secretstreamState,
        SIZES.secretstreamHeader,
        SIZES.secretstreamKey,
      ]) as [number, number, number];
      arena.copyIn(keyPointer, k);
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
      const s = requireBytes('state', state, SIZES.secretstreamState);
      const m = requireMessage('message', message);
      const ad = optionalBytes('additionalData', additionalData);
      const checkedTag = requireSecretStreamTag(tag);
      const length = m.length + SIZES.secretstreamOverhead;
      const [statePointer, out, msg, adPointer] = arena.layout([
        SIZES.secretstreamState,
        length,
        m.length,
        ad.length,
      ]) as [number, number, number, number];
      arena.copyIn(statePointer, s);
      arena.copyIn(msg, m);
      arena.copyIn(adPointer, ad);
      try {
        mustSucceed(
          core.anochat_secretstream_push(
            statePointer,
            SIZES.secretstreamState,
            out,
            length,
            msg,
            m.length,
            adPointer,
            ad.length,
            checkedTag,
          ),
        );
        s.set(arena.view(statePointer, SIZES.secretstreamState));
        return arena.copyOut(out, length);
      } finally {
        arena.wipe();
      }
    },
    secretstreamInitPull(header, key) {
      const h = requireBytes('header', header, SIZES.secretstreamHeader);
      const k = requireBytes('key', key, SIZES.secretstreamKey);
      return transformOrThrow([h, k], SIZES.secretstreamState, (state, p) =>
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
      const s = requireBytes('state', state, SIZES.secretstreamState);
      const chunk = requireCiphertext('ciphertext', ciphertext, SIZES.secretstreamOverhead);
      const ad = optionalBytes('additionalData', additionalData);
      if (isShorterThan(chunk, SIZES.secretstreamOverhead)) return null;
      const length = chunk.length - SIZES.secretstreamOverhead;
      const [statePointer, tag, out, c, adPointer] = arena.layout([
        SIZES.secretstreamState,
        1,
        length,
        chunk.length,
        ad.length,
      ]) as [number, number, number, number, number];
      arena.copyIn(statePointer, s);
      arena.copyIn(c, chunk);
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
            chunk.length,
            adPointer,
            ad.length,
          ),
        );
        if (!opened) return null;
        s.set(arena.view(statePointer, SIZES.secretstreamState));
        return {
          message: arena.copyOut(out, length),
          tag: arena.view(tag, 1)[0] as SecretStreamTag,
        };
      } finally {
        arena.wipe();
      }
    },

    pwhashStr(password, opsLimit, memLimit) {
      const pw = requirePassword(password);
      requirePwhashLimits(opsLimit, memLimit);
      const hash = transformOrThrow([pw], SIZES.pwhashStr, (out, p) =>
        core.anochat_pwhash_str(out, SIZES.pwhashStr, at(p, 0), pw.length, opsLimit, memLimit),
      );
      const end = hash.indexOf(0);
      return new TextDecoder().decode(hash.subarray(0, end === -1 ? hash.length : end));
    },
    pwhashStrVerify(hash, password) {
      const encoded = new TextEncoder().encode(requirePwhashString(hash));
      const pw = requirePassword(password);
      if (encoded.length >= SIZES.pwhashStr) return false;
      const [hashPointer, passwordPointer] = arena.layout([encoded.length, pw.length]) as [
        number,
        number,
      ];
      arena.copyIn(hashPointer, encoded);
      arena.copyIn(passwordPointer, pw);
      try {
        return succeeded(
          core.anochat_pwhash_str_verify(hashPointer, encoded.length, passwordPointer, pw.length),
        );
      } finally {
        arena.wipe();
      }
    },
    pwhashDerive(length, password, salt, opsLimit, memLimit) {
      const size = requireDeriveLength(length);
      const pw = requirePassword(password);
      const checkedSalt = requireBytes('salt', salt, SIZES.pwhashSalt);
      requirePwhashLimits(opsLimit, memLimit);
      return transformOrThrow([pw, checkedSalt], size, (out, p) =>
        core.anochat_pwhash_derive(
          out,
          size,
          at(p, 0),
          pw.length,
          at(p, 1),
          16,
          opsLimit,
          memLimit,
        ),
      );
    },

    generichash(length, message, key) {
      const size = requireGenerichashLength(length);
      const m = requireMessage('message', message);
      const checkedKey = optionalGenerichashKey(key);
      return transformOrThrow([m, checkedKey], size, (out, p) =>
        core.anochat_generichash(out, size, at(p, 0), m.length, at(p, 1), checkedKey.length),
      );
    },
  };

  return {
    provider: 'wasm',
    supports: new Set<NaclOperation>(ALL_OPERATIONS),
    ...operations,
  };
}

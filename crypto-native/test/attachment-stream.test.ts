import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  decodePayload,
  decryptAttachment,
  E2eError,
  type E2eResult,
  encodePayload,
  encryptAttachment,
  encryptedAttachmentSize,
  type SealedAttachment,
  startAttachmentDecryption,
  startAttachmentEncryption,
  supportsAttachments,
} from '@anochat/protocol';
import { ATTACHMENT_CHUNK_BYTES, MAX_PREVIEW_BYTES } from '@anochat/schemas/e2e/limits';
import type { AttachmentPayload } from '@anochat/schemas/e2e/payload';
import { loadSyncProviders } from '@anochat/test-support/e2e-world';
import type { SyncNacl } from '../js/nacl.ts';
import { type Libsodium, loadLibsodium, seededBytes } from './support/oracles.ts';

const CHUNK = ATTACHMENT_CHUNK_BYTES;
const ENCRYPTED_CHUNK = CHUNK + 17;
const SIZES = [0, 1, 1000, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5];

let wasm: SyncNacl;
let tweetnacl: SyncNacl;
let sodium: Libsodium;
before(async () => {
  ({ wasm, tweetnacl } = await loadSyncProviders());
  sodium = await loadLibsodium();
});

function codeOf<T>(result: E2eResult<T>): string {
  return result.ok ? 'ok' : result.error.code;
}

function sealed(file: Uint8Array): { blob: Uint8Array; sealed: SealedAttachment } {
  const result = encryptAttachment(wasm, file);
  assert.ok(result.ok);
  return result.value;
}

function chunksOf(blob: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < blob.length; offset += ENCRYPTED_CHUNK)
    out.push(blob.slice(offset, offset + ENCRYPTED_CHUNK));
  return out;
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

/** Feeds `blob` to a decryptor in slices of `step` bytes and returns the file or the refusal. */
function decryptInSlices(descriptor: SealedAttachment, blob: Uint8Array, step: number) {
  const started = startAttachmentDecryption(wasm, descriptor);
  assert.ok(started.ok);
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < blob.length; offset += step) {
    const chunks = started.value.push(blob.subarray(offset, offset + step));
    if (!chunks.ok) return chunks;
    parts.push(...chunks.value);
  }
  const rest = started.value.finish();
  if (!rest.ok) return rest;
  return { ok: true as const, value: Buffer.concat([...parts, ...rest.value]) };
}

describe('attachment encryption (secretstream in 64 KiB chunks)', () => {
  it('round-trips every size around the chunk boundaries, whatever the slicing of the input', () => {
    for (const size of SIZES) {
      const file = seededBytes(size, size + 1);
      const started = startAttachmentEncryption(wasm);
      assert.ok(started.ok);
      const parts: Uint8Array[] = [];
      // Odd slices so that chunks are assembled across pushes.
      for (let offset = 0; offset < file.length; offset += 7919)
        parts.push(...started.value.push(file.subarray(offset, offset + 7919)));
      const last = started.value.finish();
      parts.push(...last.chunks);
      const blob = join(parts);
      assert.equal(blob.length, encryptedAttachmentSize(size), `blob size of ${size}`);
      assert.equal(last.sealed.size, size);
      for (const step of [1 + (size % 13), 4096, ENCRYPTED_CHUNK, 1 << 20]) {
        if (step === 1 + (size % 13) && size > CHUNK) continue; // byte-wise over 64 KiB is slow, not telling
        const opened = decryptInSlices(last.sealed, blob, step);
        assert.ok(opened.ok, `size ${size} step ${step}: ${codeOf(opened)}`);
        assert.deepEqual(new Uint8Array(opened.value), file);
      }
    }
  });

  it('writes exactly what libsodium-wrappers reads: tags, chunk lengths and the chained hash', () => {
    for (const size of SIZES) {
      const file = seededBytes(size, 3 * size + 2);
      const { blob, sealed: descriptor } = sealed(file);
      const state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(
        descriptor.header,
        descriptor.key,
      );
      const chunks = chunksOf(blob);
      let hash: Uint8Array = sodium.crypto_generichash(
        32,
        sodium.from_string('anochat/v1/attachment'),
        null,
      );
      const plaintext: Uint8Array[] = [];
      for (const [index, chunk] of chunks.entries()) {
        const pulled = sodium.crypto_secretstream_xchacha20poly1305_pull(state, chunk, null);
        assert.ok(pulled, `libsodium opens chunk ${index} of ${size}`);
        const expectedTag =
          index === chunks.length - 1
            ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
            : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
        assert.equal(pulled.tag, expectedTag);
        plaintext.push(pulled.message);
        hash = sodium.crypto_generichash(32, chunk, hash);
      }
      assert.deepEqual(join(plaintext), file);
      assert.deepEqual(descriptor.contentHash, hash, `hash of ${size}`);
    }
  });

  it('reads what libsodium-wrappers writes in this format', () => {
    const size = 2 * CHUNK + 99;
    const file = seededBytes(size, 77);
    const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
    const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
    let hash: Uint8Array = sodium.crypto_generichash(
      32,
      sodium.from_string('anochat/v1/attachment'),
      null,
    );
    const parts: Uint8Array[] = [];
    for (let offset = 0; offset < size; offset += CHUNK) {
      const last = offset + CHUNK >= size;
      const chunk = sodium.crypto_secretstream_xchacha20poly1305_push(
        state,
        file.subarray(offset, offset + CHUNK),
        null,
        last
          ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
          : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
      );
      hash = sodium.crypto_generichash(32, chunk, hash);
      parts.push(chunk);
    }
    const opened = decryptAttachment(wasm, { key, header, size, contentHash: hash }, join(parts));
    assert.ok(opened.ok);
    assert.deepEqual(opened.value, file);
  });

  it('gives every file its own key and header', () => {
    const file = seededBytes(100, 1);
    const a = sealed(file);
    const b = sealed(file);
    assert.notDeepEqual(a.sealed.key, b.sealed.key);
    assert.notDeepEqual(a.sealed.header, b.sealed.header);
    assert.notDeepEqual(a.blob, b.blob);
  });
});

describe('attachment decryption refuses, with a typed error, and shows nothing of', () => {
  const size = 3 * CHUNK + 5;
  let file: Uint8Array;
  let blob: Uint8Array;
  let descriptor: SealedAttachment;
  before(() => {
    file = seededBytes(size, 5);
    ({ blob, sealed: descriptor } = sealed(file));
  });

  it('a flipped bit in any chunk (DECRYPT_FAILED), before any later chunk is released', () => {
    for (const position of [
      0,
      40,
      ENCRYPTED_CHUNK + 1,
      2 * ENCRYPTED_CHUNK + 500,
      blob.length - 1,
    ]) {
      const altered = blob.slice();
      altered[position] = (altered[position] as number) ^ 1;
      assert.equal(
        codeOf(decryptAttachment(wasm, descriptor, altered)),
        'DECRYPT_FAILED',
        `${position}`,
      );
    }
  });

  it('a stream cut at a chunk boundary or inside a chunk (TRUNCATED)', () => {
    for (const cut of [
      0,
      1,
      ENCRYPTED_CHUNK,
      ENCRYPTED_CHUNK + 10,
      3 * ENCRYPTED_CHUNK,
      blob.length - 1,
    ]) {
      assert.equal(
        codeOf(decryptAttachment(wasm, descriptor, blob.subarray(0, cut))),
        'TRUNCATED',
        `${cut}`,
      );
    }
  });

  it('a stream whose last chunk was withheld, even when the size is made to match (TRUNCATED)', () => {
    // Three full chunks of a file of exactly three chunks' size: no FINAL tag among them.
    const exact = seededBytes(4 * CHUNK, 9);
    const { blob: exactBlob, sealed: exactDescriptor } = sealed(exact);
    const withheld = exactBlob.subarray(0, 3 * ENCRYPTED_CHUNK);
    const claimed = { ...exactDescriptor, size: 3 * CHUNK };
    assert.equal(codeOf(decryptAttachment(wasm, claimed, withheld)), 'TRUNCATED');
  });

  it('reordered chunks, a dropped chunk, a chunk of another file (DECRYPT_FAILED)', () => {
    const chunks = chunksOf(blob);
    const [c0, c1, c2, c3] = chunks as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    assert.equal(
      codeOf(decryptAttachment(wasm, descriptor, join([c1, c0, c2, c3]))),
      'DECRYPT_FAILED',
    );
    assert.equal(
      codeOf(decryptAttachment(wasm, descriptor, join([c0, c2, c1, c3]))),
      'DECRYPT_FAILED',
    );
    const other = chunksOf(sealed(seededBytes(size, 6)).blob);
    assert.equal(
      codeOf(decryptAttachment(wasm, descriptor, join([c0, other[1] as Uint8Array, c2, c3]))),
      'DECRYPT_FAILED',
    );
    // Dropping a chunk and repeating another keeps the length: still refused.
    assert.equal(
      codeOf(decryptAttachment(wasm, descriptor, join([c0, c0, c2, c3]))),
      'DECRYPT_FAILED',
    );
  });

  it('bytes after the final chunk (MALFORMED) and a descriptor with another hash (HASH_MISMATCH)', () => {
    const extended = join([blob, new Uint8Array(17)]);
    assert.equal(codeOf(decryptAttachment(wasm, descriptor, extended)), 'MALFORMED');
    const otherHash = { ...descriptor, contentHash: new Uint8Array(32) };
    assert.equal(codeOf(decryptAttachment(wasm, otherHash, blob)), 'HASH_MISMATCH');
  });

  it('a whole file under another key or header (DECRYPT_FAILED)', () => {
    const otherKey = { ...descriptor, key: new Uint8Array(32).fill(1) };
    assert.equal(codeOf(decryptAttachment(wasm, otherKey, blob)), 'DECRYPT_FAILED');
    const otherHeader = { ...descriptor, header: new Uint8Array(24).fill(1) };
    assert.equal(codeOf(decryptAttachment(wasm, otherHeader, blob)), 'DECRYPT_FAILED');
  });

  it('answers the same refusal again after the first one', () => {
    const started = startAttachmentDecryption(wasm, descriptor);
    assert.ok(started.ok);
    const altered = blob.slice();
    altered[3] = (altered[3] as number) ^ 0x80;
    assert.equal(
      codeOf(started.value.push(altered.subarray(0, ENCRYPTED_CHUNK))),
      'DECRYPT_FAILED',
    );
    assert.equal(codeOf(started.value.push(blob.subarray(ENCRYPTED_CHUNK))), 'DECRYPT_FAILED');
    assert.equal(codeOf(started.value.finish()), 'DECRYPT_FAILED');
  });
});

describe('attachments on the tweetnacl fallback', () => {
  it('are refused with UNSUPPORTED both ways (it has no secretstream)', () => {
    assert.equal(supportsAttachments(tweetnacl), false);
    assert.equal(supportsAttachments(wasm), true);
    assert.equal(codeOf(startAttachmentEncryption(tweetnacl)), 'UNSUPPORTED');
    const { sealed: descriptor } = sealed(seededBytes(10, 1));
    assert.equal(codeOf(startAttachmentDecryption(tweetnacl, descriptor)), 'UNSUPPORTED');
  });
});

describe('the attachment descriptor in the message payload', () => {
  const base: AttachmentPayload = {
    type: 'attachment',
    fileName: 'beach.jpg',
    mime: 'image/jpeg',
    size: 123_456,
    key: new Uint8Array(32).fill(1),
    header: new Uint8Array(24).fill(2),
    contentHash: new Uint8Array(32).fill(3),
    blobId: randomUUID(),
  };

  it('round-trips with and without each optional field', () => {
    const variants: AttachmentPayload[] = [
      base,
      { ...base, width: 4032, height: 3024 },
      { ...base, mime: 'video/mp4', durationMs: 61_500, width: 1920, height: 1080 },
      { ...base, preview: new Uint8Array(seededBytes(MAX_PREVIEW_BYTES, 4)) },
      { ...base, caption: 'sunset 🌅' },
      {
        ...base,
        width: 1,
        height: 1,
        durationMs: 0,
        preview: new Uint8Array([0xff, 0xd8]),
        caption: '',
      },
    ];
    for (const payload of variants) {
      const decoded = decodePayload(encodePayload(payload));
      assert.ok(decoded.ok, JSON.stringify(Object.keys(payload)));
      assert.deepEqual(decoded.value, payload);
    }
  });

  it('refuses bad descriptors at the sender (INVALID_INPUT)', () => {
    const bad: unknown[] = [
      { ...base, preview: new Uint8Array(MAX_PREVIEW_BYTES + 1) },
      { ...base, preview: new Uint8Array(0) },
      { ...base, width: 10 },
      { ...base, width: 0, height: 10 },
      { ...base, durationMs: -1 },
      { ...base, blobId: 'not-a-uuid' },
    ];
    for (const payload of bad) {
      assert.throws(
        () => encodePayload(payload as AttachmentPayload),
        (error: unknown) => error instanceof E2eError && error.code === 'INVALID_INPUT',
      );
    }
  });

  it('refuses unknown flags and a preview cut short (MALFORMED)', () => {
    const encoded = encodePayload(base);
    // The flags byte follows the fixed fields: type, two strings, a varint size, 32 + 24 + 32 + 16.
    const flagsAt = 1 + 1 + 9 + 1 + 10 + 3 + 32 + 24 + 32 + 16;
    assert.equal(encoded[flagsAt], 0);
    const withUnknownFlag = encoded.slice();
    withUnknownFlag[flagsAt] = 16;
    assert.equal(codeOf(decodePayload(withUnknownFlag)), 'MALFORMED');
    const withPreviewFlag = encoded.slice();
    withPreviewFlag[flagsAt] = 4;
    assert.equal(codeOf(decodePayload(withPreviewFlag)), 'MALFORMED');
  });
});

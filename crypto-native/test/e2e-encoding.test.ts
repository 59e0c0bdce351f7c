/**
 * Properties of the end-to-end binary encodings. Sizes covered (fast-check's default size would
 * cap every array and string at about 10 elements whatever maxLength says, so each arbitrary
 * below sets size: 'max'): message ciphertexts of 17 to 2,000 bytes; texts of 0 to 300 graphemes
 * (plain texts) and 0 to 4,000 graphemes within MAX_TEXT_BYTES (replies and edits); file names of
 * 1 to 60 graphemes within MAX_FILE_NAME_BYTES; junk of 0 to 401 bytes; base64 of 0 to 300 bytes;
 * row texts of 0 to 300 characters; fixed-size keys, nonces and signatures at their sizes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkKeyEnvelopeRow,
  checkMessageRow,
  decodeBase64,
  decodeDeviceCertificate,
  decodeDeviceRevocation,
  decodeKeyEnvelope,
  decodeMessageEnvelope,
  decodePayload,
  type E2eResult,
  encodeBase64,
  encodeDeviceCertificate,
  encodeKeyEnvelope,
  encodeMessageEnvelope,
  encodePayload,
  KEY_ENVELOPE_BYTES,
  MESSAGE_HEADER_BYTES,
  paddedLength,
} from '@anochat/protocol';
import { E2E_ERROR_CODES } from '@anochat/schemas/e2e/errors';
import { MAX_FILE_NAME_BYTES, MAX_TEXT_BYTES } from '@anochat/schemas/e2e/limits';
import type { MessagePayload } from '@anochat/schemas/e2e/payload';
import fc from 'fast-check';

/** fast-check records have a null prototype; results are plain objects, hence the spreads below. Any 16 bytes are a valid id on the wire, so ids are generated as bytes and spelled as UUIDs. */
const id = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
});
const bytesOf = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const epoch = fc.integer({ min: 0, max: 2_147_483_647 });

const messageEnvelope = fc.record({
  v: fc.constant(1),
  id,
  conversationId: id,
  epoch,
  senderDeviceId: id,
  nonce: bytesOf(24),
  signature: bytesOf(64),
  ciphertext: fc.uint8Array({ minLength: 17, maxLength: 2000, size: 'max' }),
});

const ZERO_ADDRESS = {
  id: '00000000-0000-0000-0000-000000000000',
  conversationId: '00000000-0000-0000-0000-000000000000',
  senderDeviceId: '00000000-0000-0000-0000-000000000000',
};

const keyEnvelope = fc.record({
  v: fc.constant(1),
  conversationId: id,
  epoch,
  recipientDeviceId: id,
  senderDeviceId: id,
  nonce: bytesOf(24),
  signature: bytesOf(64),
  ciphertext: bytesOf(KEY_ENVELOPE_BYTES - 1 - 16 - 4 - 16 - 16 - 24 - 64),
});

const utf8Length = (text: string) => new TextEncoder().encode(text).length;
const longText = fc
  .string({ unit: 'grapheme', maxLength: 4000, size: 'max' })
  .filter((text) => utf8Length(text) <= MAX_TEXT_BYTES);

const emoji = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 4 })
  .filter((value) => new TextEncoder().encode(value).length <= 64);
const payload: fc.Arbitrary<MessagePayload> = fc.oneof(
  fc.record({
    type: fc.constant('text' as const),
    text: fc.string({ unit: 'grapheme', maxLength: 300, size: 'max' }),
  }),
  fc.record({
    type: fc.constant('text' as const),
    text: longText,
    replyTo: id,
  }),
  fc.record({
    type: fc.constant('edit' as const),
    messageId: id,
    text: longText,
  }),
  fc.record({ type: fc.constant('reaction' as const), messageId: id, emoji, on: fc.boolean() }),
  fc.record({ type: fc.constant('deletion' as const), messageId: id }),
  fc.record({
    type: fc.constant('attachment' as const),
    fileName: fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 60, size: 'max' })
      .filter((name) => utf8Length(name) <= MAX_FILE_NAME_BYTES),
    mime: fc.constantFrom('image/jpeg', 'application/pdf', 'text/plain', 'video/mp4'),
    size: fc.maxSafeNat(),
    key: bytesOf(32),
    header: bytesOf(24),
    contentHash: bytesOf(32),
    blobId: id,
  }),
  // With every optional field: dimensions, duration, preview, caption.
  fc.record({
    type: fc.constant('attachment' as const),
    fileName: fc.constantFrom('a.jpg', 'clip 🎬.mp4'),
    mime: fc.constantFrom('image/jpeg', 'video/mp4'),
    size: fc.maxSafeNat(),
    key: bytesOf(32),
    header: bytesOf(24),
    contentHash: bytesOf(32),
    blobId: id,
    width: fc.integer({ min: 1, max: 65_535 }),
    height: fc.integer({ min: 1, max: 65_535 }),
    durationMs: fc.integer({ min: 0, max: 360_000_000 }),
    preview: fc.uint8Array({ minLength: 1, maxLength: 8192 }),
    caption: fc.string({ maxLength: 200 }),
  }),
);

/** Random bytes, and random bytes behind a valid version byte so parsers get past the first check. */
const junk = fc.oneof(
  fc.uint8Array({ maxLength: 400, size: 'max' }),
  fc.uint8Array({ maxLength: 400, size: 'max' }).map((bytes) => Uint8Array.of(1, ...bytes)),
);

function assertTypedFailureOrValue<T>(result: E2eResult<T>): void {
  if (!result.ok) {
    assert.ok(E2E_ERROR_CODES.includes(result.error.code), result.error.code);
    assert.equal(typeof result.error.message, 'string');
  }
}

describe('binary encodings: properties', () => {
  it('message envelopes: decode(encode(x), address of x) = x, and the address is not in the bytes', () => {
    fc.assert(
      fc.property(messageEnvelope, (envelope) => {
        const bytes = encodeMessageEnvelope(envelope);
        assert.equal(bytes.length, MESSAGE_HEADER_BYTES + envelope.ciphertext.length);
        const decoded = decodeMessageEnvelope(bytes, envelope);
        assert.deepEqual(decoded, { ok: true, value: { ...envelope } });
        assert.deepEqual(encodeMessageEnvelope(envelope), bytes);
      }),
    );
  });

  it('key envelopes: decode(encode(x)) = x', () => {
    fc.assert(
      fc.property(keyEnvelope, (envelope) => {
        assert.deepEqual(decodeKeyEnvelope(encodeKeyEnvelope(envelope)), {
          ok: true,
          value: { ...envelope },
        });
      }),
    );
  });

  it('payloads: decode(encode(p)) = p, and the padded length is a bucket', () => {
    fc.assert(
      fc.property(payload, (value) => {
        const bytes = encodePayload(value);
        assert.equal(bytes.length, paddedLength(bytes.length));
        assert.deepEqual(decodePayload(bytes), { ok: true, value: { ...value } });
      }),
    );
  });

  it('base64: the same text as Node, and only canonical text decodes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300, size: 'max' }), (bytes) => {
        const text = encodeBase64(bytes);
        assert.equal(text, Buffer.from(bytes).toString('base64'));
        assert.deepEqual(decodeBase64(text), bytes);
      }),
    );
    for (const text of ['QQ', 'QR==', 'QUJ=', 'QU=J', 'Q===', '====', 'QUJD\n', 'QUJD=', '*UJD']) {
      assert.equal(decodeBase64(text), null, text);
    }
  });

  it('random bytes never crash a parser: always a value or a typed failure', () => {
    fc.assert(
      fc.property(junk, (bytes) => {
        assertTypedFailureOrValue(decodeMessageEnvelope(bytes, ZERO_ADDRESS));
        assertTypedFailureOrValue(decodeKeyEnvelope(bytes));
        assertTypedFailureOrValue(decodeDeviceCertificate(bytes));
        assertTypedFailureOrValue(decodeDeviceRevocation(bytes));
        assertTypedFailureOrValue(decodePayload(bytes));
        const text = encodeBase64(bytes);
        const row = ZERO_ADDRESS;
        assertTypedFailureOrValue(checkMessageRow({ ...row, envelope: text }));
        assertTypedFailureOrValue(
          checkKeyEnvelopeRow({ ...row, epoch: 0, recipientDeviceId: row.id, envelope: text }),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('random text never crashes the row checks', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, size: 'max' }), (text) => {
        assertTypedFailureOrValue(checkMessageRow({ ...ZERO_ADDRESS, envelope: text }));
      }),
    );
  });

  it('a decoded certificate re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9._-]{3,32}$/, { size: 'max' }),
        bytesOf(32),
        bytesOf(32),
        fc.maxSafeNat(),
        bytesOf(64),
        (username, boxPublicKey, signPublicKey, createdAt, signature) => {
          const certificate = { username, boxPublicKey, signPublicKey, createdAt, signature };
          const bytes = encodeDeviceCertificate(certificate);
          assert.deepEqual(decodeDeviceCertificate(bytes), { ok: true, value: certificate });
        },
      ),
    );
  });
});

describe('binary encodings: named refusals', () => {
  it('message envelopes: empty, unknown version, too short, too large, epoch out of range, bad address', () => {
    const address = {
      id: '6f1c2a34-0d2e-4c55-9a1b-1e2f3a4b5c6d',
      conversationId: '7a1c2a34-0d2e-4c55-9a1b-1e2f3a4b5c6d',
      senderDeviceId: '8b1c2a34-0d2e-4c55-9a1b-1e2f3a4b5c6d',
    };
    const valid = encodeMessageEnvelope({
      v: 1,
      ...address,
      epoch: 0,
      nonce: new Uint8Array(24),
      signature: new Uint8Array(64),
      ciphertext: new Uint8Array(48),
    });
    const code = (bytes: Uint8Array, at = address) => {
      const result = decodeMessageEnvelope(bytes, at);
      return result.ok ? 'ok' : result.error.code;
    };
    assert.equal(code(valid), 'ok');
    assert.equal(code(valid, { ...address, conversationId: 'not-a-uuid' }), 'MALFORMED');
    assert.equal(code(new Uint8Array(0)), 'MALFORMED');
    assert.equal(code(Uint8Array.of(2, ...valid.subarray(1))), 'UNSUPPORTED_VERSION');
    assert.equal(code(valid.subarray(0, MESSAGE_HEADER_BYTES + 16)), 'MALFORMED');
    const huge = new Uint8Array(64 * 1024 + 1);
    huge[0] = 1;
    assert.equal(code(huge), 'TOO_LARGE');
    const farEpoch = valid.slice();
    farEpoch[1] = 0x80;
    assert.equal(code(farEpoch), 'MALFORMED');
  });

  it('payloads: missing padding, unknown type, trailing bytes, invalid UTF-8, non-minimal lengths', () => {
    const code = (bytes: number[]) => {
      const result = decodePayload(Uint8Array.from(bytes));
      return result.ok ? 'ok' : `${result.error.code}: ${result.error.message}`;
    };
    assert.equal(code([1, 0, 2, 0x68, 0x69, 0x80, 0, 0]), 'ok');
    assert.match(code([1, 0, 2, 0x68, 0x69]), /^MALFORMED: payload padding/);
    assert.match(code([9, 0x80]), /^MALFORMED: payload: unknown payload type 9/);
    assert.match(code([1, 0, 1, 0x68, 0x69, 0x80]), /^MALFORMED: payload: bytes after/);
    assert.match(code([1, 0, 2, 0xc3, 0x28, 0x80]), /^MALFORMED: payload: invalid UTF-8/);
    assert.match(code([1, 0, 0x82, 0x00, 0x80]), /^MALFORMED: payload: non-minimal/);
    assert.match(code([1, 0, 5, 0x68, 0x80]), /^MALFORMED: payload: truncated/);
    assert.match(code([3, ...new Array(16).fill(0), 2, 1, 0x31, 0x80]), /^MALFORMED/);
  });

  it('payloads that break the schema are refused when sealing, with INVALID_INPUT', () => {
    const tooLong = 'x'.repeat(MAX_TEXT_BYTES + 1);
    for (const bad of [
      { type: 'text', text: tooLong },
      { type: 'edit', messageId: 'not-a-uuid', text: 'x' },
      { type: 'reaction', messageId: '6f1c2a34-0d2e-4c55-9a1b-1e2f3a4b5c6d', emoji: '', on: true },
      {
        type: 'attachment',
        fileName: 'a',
        mime: 'nonsense',
        size: 1,
        key: new Uint8Array(32),
        header: new Uint8Array(24),
        contentHash: new Uint8Array(32),
        blobId: '6f1c2a34-0d2e-4c55-9a1b-1e2f3a4b5c6d',
      },
      { type: 'poll', question: '?' },
    ]) {
      assert.throws(() => encodePayload(bad as MessagePayload), {
        name: 'E2eError',
        code: 'INVALID_INPUT',
      });
    }
  });
});

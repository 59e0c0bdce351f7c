/**
 * The hand-written VerifyBatch codec against protobufjs. Sizes covered: fields of 0 to 100 bytes
 * and of 100 to 20,000 bytes (varint lengths of one, two and three bytes), batches of 0 to 30
 * items, verdict lists of 0 to 2,000; every arbitrary sets size: 'max' (fast-check's default
 * would stop arrays at about 10 elements, and the long fields near 110 bytes).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as protoLoader from '@grpc/proto-loader';
import fc from 'fast-check';
import { loadCryptoDefinition } from '../js/providers/grpc/client.node.ts';
import { createVerifyBatchCodec } from '../js/providers/grpc/verify-batch-codec.node.ts';

/** protobufjs, through @grpc/proto-loader, is the reference the hand-written codec must match. */
const definition = loadCryptoDefinition();
const verifyBatch = (definition['anochat.crypto.v1.Crypto'] as protoLoader.ServiceDefinition)
  .VerifyBatch as protoLoader.MethodDefinition<object, object, object, object>;
const codec = createVerifyBatchCodec(definition);

const field = fc.oneof(
  fc.uint8Array({ maxLength: 100, size: 'max' }),
  fc.uint8Array({ minLength: 100, maxLength: 20_000, size: 'max' }),
);
const item = fc.record(
  { publicKey: field, message: field, signature: field },
  { noNullPrototype: true },
);
const bytesOf = (value: unknown) => new Uint8Array(value as Uint8Array);

describe('the VerifyBatch codec of the gRPC provider', () => {
  it('writes requests that protobufjs reads back field for field', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 30, size: 'max' }), (items) => {
        const decoded = verifyBatch.requestDeserialize(codec.serialize({ items })) as {
          items: { publicKey: Buffer; message: Buffer; signature: Buffer }[];
        };
        assert.deepEqual(
          decoded.items.map(({ publicKey, message, signature }) => ({
            publicKey: bytesOf(publicKey),
            message: bytesOf(message),
            signature: bytesOf(signature),
          })),
          items,
        );
      }),
    );
  });

  it('reads the verdicts protobufjs writes, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 2000, size: 'max' }), (valid) => {
        assert.deepEqual(codec.deserialize(verifyBatch.responseSerialize({ valid })).valid, valid);
      }),
    );
  });

  it('reads unpacked verdicts and skips fields it does not know', () => {
    // valid=true unpacked, an unknown varint field 2, an unknown bytes field 3, valid=false
    // unpacked, an unknown fixed32 field 4, then a packed run [true, false, true].
    const bytes = Buffer.from([
      0x08, 0x01, 0x10, 0x96, 0x01, 0x1a, 0x02, 0xaa, 0xbb, 0x08, 0x00, 0x25, 1, 2, 3, 4, 0x0a,
      0x03, 0x01, 0x00, 0x01,
    ]);
    assert.deepEqual(codec.deserialize(bytes).valid, [true, false, true, false, true]);
  });

  it('rejects truncated or malformed responses instead of guessing verdicts', () => {
    for (const broken of [
      [0x0a, 0x05, 0x01], // packed run longer than the message
      [0x08], // tag without its value
      [0x08, 0x80], // varint cut short
      [0x0b, 0x00], // wire type 3 (groups) is not protobuf 3
    ]) {
      assert.throws(() => codec.deserialize(Buffer.from(broken)), /VerifyBatchResponse/);
    }
  });
});

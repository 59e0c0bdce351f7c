/**
 * Bad input through the Nacl interface and straight to the gRPC server. Sizes covered: one case
 * per class of bad input (wrong fixed sizes, a message one byte above maxMessageBytes, batches
 * one item above maxVerifyBatchItems, messages above the gRPC cap); the fuzz sends byte fields of
 * 0 to 100 bytes, batches of 0 to 20 items and hash strings of 0 to 200 characters (size: 'max',
 * so that lengths reach those bounds instead of fast-check's default of about 10).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CRYPTO_LIMITS } from '@anochat/schemas/crypto-limits';
import fc from 'fast-check';
import { NaclError, type NaclErrorCode } from '../js/errors.ts';
import type { Nacl, NaclOperation } from '../js/nacl.ts';
import { type CryptoClient, connectCryptoClient } from '../js/providers/grpc/client.node.ts';
import { openProviders, type Providers } from './support/providers.ts';

const b = (length: number) => new Uint8Array(length);
const oversized = new Uint8Array(CRYPTO_LIMITS.maxMessageBytes + 1);
const state = () => b(52);
/** u = 9, a valid X25519 public key: these calls fail on their ciphertext, not on a weak key. */
const basePoint = new Uint8Array(32);
basePoint[0] = 9;

interface BadCall {
  operation: NaclOperation;
  args: unknown[];
  code: NaclErrorCode;
}

/** One entry per class of bad input, for every operation that takes input. */
const BAD_CALLS: BadCall[] = [
  { operation: 'randomBytes', args: [-1], code: 'INVALID_ARGUMENT' },
  { operation: 'randomBytes', args: [1.5], code: 'INVALID_ARGUMENT' },
  { operation: 'randomBytes', args: [CRYPTO_LIMITS.maxRandomBytes + 1], code: 'INVALID_ARGUMENT' },
  { operation: 'boxKeyPairFromSeed', args: [b(31)], code: 'INVALID_LENGTH' },
  { operation: 'boxKeyPairFromSeed', args: ['seed'], code: 'INVALID_ARGUMENT' },
  { operation: 'scalarMultBase', args: [b(33)], code: 'INVALID_LENGTH' },
  { operation: 'scalarMult', args: [b(32), b(31)], code: 'INVALID_LENGTH' },
  { operation: 'box', args: [b(1), b(23), b(32), b(32)], code: 'INVALID_LENGTH' },
  { operation: 'box', args: [b(1), b(24), b(0), b(32)], code: 'INVALID_LENGTH' },
  { operation: 'box', args: [oversized, b(24), b(32), b(32)], code: 'TOO_LARGE' },
  { operation: 'box', args: [[1, 2, 3], b(24), b(32), b(32)], code: 'INVALID_ARGUMENT' },
  { operation: 'boxOpen', args: [b(20), b(24), b(32), b(64)], code: 'INVALID_LENGTH' },
  { operation: 'boxBeforeNm', args: [b(32), null], code: 'INVALID_ARGUMENT' },
  { operation: 'boxAfterNm', args: [b(5), b(24), b(16)], code: 'INVALID_LENGTH' },
  { operation: 'boxOpenAfterNm', args: [b(20), b(25), b(32)], code: 'INVALID_LENGTH' },
  { operation: 'boxSeal', args: [b(5), b(16)], code: 'INVALID_LENGTH' },
  { operation: 'boxSeal', args: [oversized, b(32)], code: 'TOO_LARGE' },
  { operation: 'boxSealOpen', args: [b(60), b(32), b(31)], code: 'INVALID_LENGTH' },
  { operation: 'boxSealOpen', args: ['sealed', b(32), b(32)], code: 'INVALID_ARGUMENT' },
  { operation: 'secretbox', args: [b(5), b(24), b(31)], code: 'INVALID_LENGTH' },
  { operation: 'secretbox', args: [oversized, b(24), b(32)], code: 'TOO_LARGE' },
  { operation: 'secretboxOpen', args: [b(20), b(0), b(32)], code: 'INVALID_LENGTH' },
  { operation: 'signKeyPairFromSeed', args: [b(64)], code: 'INVALID_LENGTH' },
  { operation: 'signDetached', args: [b(5), b(32)], code: 'INVALID_LENGTH' },
  { operation: 'signDetached', args: [oversized, b(64)], code: 'TOO_LARGE' },
  { operation: 'verifyDetached', args: [oversized, b(64), b(32)], code: 'TOO_LARGE' },
  { operation: 'verifyDetached', args: [b(1), 'sig', b(32)], code: 'INVALID_ARGUMENT' },
  { operation: 'verifyBatch', args: ['items'], code: 'INVALID_ARGUMENT' },
  {
    operation: 'verifyBatch',
    args: [Array.from({ length: CRYPTO_LIMITS.maxVerifyBatchItems + 1 }, () => ({}))],
    code: 'TOO_LARGE',
  },
  { operation: 'secretstreamInitPush', args: [b(16)], code: 'INVALID_LENGTH' },
  { operation: 'secretstreamPush', args: [b(51), b(1), 0], code: 'INVALID_LENGTH' },
  { operation: 'secretstreamPush', args: [state(), b(1), 4], code: 'INVALID_ARGUMENT' },
  { operation: 'secretstreamPush', args: [state(), b(1), 0, 'ad'], code: 'INVALID_ARGUMENT' },
  { operation: 'secretstreamInitPull', args: [b(23), b(32)], code: 'INVALID_LENGTH' },
  { operation: 'secretstreamPull', args: [state(), b(40), 7], code: 'INVALID_ARGUMENT' },
  { operation: 'pwhashStr', args: [b(8), 0, 65536], code: 'INVALID_ARGUMENT' },
  { operation: 'pwhashStr', args: [b(8), 2, 1024], code: 'INVALID_ARGUMENT' },
  { operation: 'pwhashStr', args: [b(8), 2, 65536 + 512], code: 'INVALID_ARGUMENT' },
  { operation: 'pwhashDerive', args: [32, b(8), b(16), 2, 8192 + 1], code: 'INVALID_ARGUMENT' },
  {
    operation: 'pwhashStr',
    args: [b(8), 2, CRYPTO_LIMITS.pwhashMaxMemLimit + 1],
    code: 'INVALID_ARGUMENT',
  },
  {
    operation: 'pwhashStr',
    args: [b(CRYPTO_LIMITS.maxPasswordBytes + 1), 2, 65536],
    code: 'TOO_LARGE',
  },
  { operation: 'pwhashStrVerify', args: [42, b(8)], code: 'INVALID_ARGUMENT' },
  { operation: 'pwhashDerive', args: [15, b(8), b(16), 2, 65536], code: 'INVALID_ARGUMENT' },
  { operation: 'pwhashDerive', args: [32, b(8), b(15), 2, 65536], code: 'INVALID_LENGTH' },
  { operation: 'generichash', args: [65, b(1)], code: 'INVALID_ARGUMENT' },
  { operation: 'generichash', args: [32, b(1), b(15)], code: 'INVALID_LENGTH' },
  { operation: 'generichash', args: [32, oversized], code: 'TOO_LARGE' },
];

/** Input that is malformed but must be answered, not thrown: it cannot open or does not verify. */
const FALSE_OR_NULL: { operation: NaclOperation; args: unknown[]; answer: unknown }[] = [
  { operation: 'verifyDetached', args: [b(3), b(63), b(32)], answer: false },
  { operation: 'verifyDetached', args: [b(3), b(64), b(33)], answer: false },
  {
    operation: 'verifyBatch',
    args: [[{ message: b(1), signature: b(1), publicKey: b(1) }]],
    answer: [false],
  },
  {
    operation: 'verifyBatch',
    args: [[{ message: 'text', signature: b(64), publicKey: b(32) }, null, 7]],
    answer: [false, false, false],
  },
  { operation: 'boxOpen', args: [b(15), b(24), basePoint, b(32)], answer: null },
  { operation: 'secretboxOpen', args: [b(0), b(24), b(32)], answer: null },
  { operation: 'boxSealOpen', args: [b(47), basePoint, b(32)], answer: null },
  { operation: 'secretstreamPull', args: [state(), b(16)], answer: null },
  { operation: 'pwhashStrVerify', args: ['$argon2id$v=19$garbage', b(8)], answer: false },
  { operation: 'pwhashStrVerify', args: ['x'.repeat(500), b(8)], answer: false },
];

let providers: Providers;
before(async () => {
  providers = await openProviders();
});
after(() => providers.close());

function call(nacl: Nacl, operation: NaclOperation, args: unknown[]): unknown {
  return (nacl[operation] as (...a: unknown[]) => unknown).apply(nacl, args);
}

describe('malformed input through the Nacl interface: same error code in every provider', () => {
  it('each class of bad input throws a NaclError with its code and a message naming the field', async () => {
    for (const nacl of providers.all) {
      for (const { operation, args, code } of BAD_CALLS) {
        if (!nacl.supports.has(operation)) continue;
        await assert.rejects(
          async () => call(nacl, operation, args),
          (error: unknown) =>
            error instanceof NaclError && error.code === code && error.message.length > 10,
          `${nacl.provider}.${operation} should throw ${code}`,
        );
      }
    }
  });

  it('input that cannot open or verify is answered with null or false', async () => {
    for (const nacl of providers.all) {
      for (const { operation, args, answer } of FALSE_OR_NULL) {
        if (!nacl.supports.has(operation)) continue;
        assert.deepEqual(
          await call(nacl, operation, args),
          answer,
          `${nacl.provider}.${operation}`,
        );
      }
    }
  });

  it('unsupported operations say so with UNSUPPORTED', async () => {
    for (const nacl of providers.all) {
      for (const operation of ['secretstreamInitPush', 'pwhashDerive', 'box'] as NaclOperation[]) {
        if (nacl.supports.has(operation)) continue;
        await assert.rejects(
          async () => call(nacl, operation, [b(32)]),
          (error: unknown) => error instanceof NaclError && error.code === 'UNSUPPORTED',
        );
      }
    }
  });
});

describe('malformed requests straight to the gRPC server: INVALID_ARGUMENT, and it keeps serving', () => {
  let client: CryptoClient;
  before(() => {
    client = connectCryptoClient(providers.server.address);
  });
  after(() => client.close());

  const rejectsWith = (promise: Promise<unknown>, code: NaclErrorCode, pattern: RegExp) =>
    assert.rejects(
      promise,
      (error: unknown) =>
        error instanceof NaclError && error.code === code && pattern.test(error.message),
    );

  async function assertStillServing() {
    const health = await client.rpc.Health({});
    assert.equal(health.serving, true);
  }

  it('answers each malformed request with a clear message', async () => {
    const { rpc } = client;
    await rejectsWith(
      rpc.SealTo({ recipientPublicKey: b(31), message: b(1) }),
      'INVALID_LENGTH',
      /recipient_public_key/,
    );
    await rejectsWith(
      rpc.SealOpen({ publicKey: b(32), secretKey: b(3), sealed: b(60) }),
      'INVALID_LENGTH',
      /secret_key/,
    );
    await rejectsWith(
      rpc.PwHash({ password: b(8), opsLimit: 0, memLimit: 65536 }),
      'INVALID_ARGUMENT',
      /ops_limit/,
    );
    await rejectsWith(
      rpc.PwHash({
        password: b(8),
        opsLimit: 2,
        memLimit: CRYPTO_LIMITS.grpcPwhashMaxMemLimit + 1,
      }),
      'INVALID_ARGUMENT',
      /mem_limit/,
    );
    await rejectsWith(
      rpc.VerifyBatch({
        items: Array.from({ length: CRYPTO_LIMITS.maxVerifyBatchItems + 1 }, () => ({
          publicKey: b(32),
          message: b(0),
          signature: b(64),
        })),
      }),
      'TOO_LARGE',
      /items/,
    );
    await rejectsWith(
      rpc.SealTo({
        recipientPublicKey: b(32),
        message: new Uint8Array(CRYPTO_LIMITS.maxGrpcMessageBytes + 1),
      }),
      'TOO_LARGE',
      /./,
    );
    await assertStillServing();
  });

  it('answers malformed content as false rather than failing the batch', async () => {
    const response = await client.rpc.VerifyBatch({
      items: [
        { publicKey: b(31), message: b(1), signature: b(64) },
        { publicKey: b(32), message: b(1), signature: b(65) },
      ],
    });
    assert.deepEqual(response.valid, [false, false]);
    const opened = await client.rpc.SealOpen({ publicKey: b(32), secretKey: b(32), sealed: b(10) });
    assert.equal(opened.opened, false);
    const verified = await client.rpc.PwVerify({ hash: 'not a hash', password: b(3) });
    assert.equal(verified.valid, false);
  });

  it('survives a fuzz of random requests to every method', async () => {
    const bytesField = fc.uint8Array({ maxLength: 100, size: 'max' });
    const request = fc.oneof(
      fc.record({
        method: fc.constant('VerifyBatch' as const),
        body: fc.record({
          items: fc.array(
            fc.record({ publicKey: bytesField, message: bytesField, signature: bytesField }),
            { maxLength: 20, size: 'max' },
          ),
        }),
      }),
      fc.record({
        method: fc.constant('PwHash' as const),
        body: fc.record({
          password: bytesField,
          opsLimit: fc.integer({ min: 0, max: 40 }),
          memLimit: fc.integer({ min: 0, max: 70000 }),
        }),
      }),
      fc.record({
        method: fc.constant('PwVerify' as const),
        body: fc.record({ hash: fc.string({ maxLength: 200, size: 'max' }), password: bytesField }),
      }),
      fc.record({
        method: fc.constant('SealTo' as const),
        body: fc.record({ recipientPublicKey: bytesField, message: bytesField }),
      }),
      fc.record({
        method: fc.constant('SealOpen' as const),
        body: fc.record({ publicKey: bytesField, secretKey: bytesField, sealed: bytesField }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(request, async ({ method, body }) => {
        try {
          await (client.rpc[method] as (request: unknown) => Promise<unknown>)(body);
        } catch (error) {
          assert.ok(error instanceof NaclError, String(error));
          assert.ok(
            ['INVALID_ARGUMENT', 'INVALID_LENGTH', 'WEAK_KEY', 'TOO_LARGE'].includes(error.code),
            `${method}: ${error.code} ${error.message}`,
          );
        }
      }),
      { numRuns: 200 },
    );
    await assertStillServing();
  });
});

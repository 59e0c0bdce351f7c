/**
 * Edges found by an outside review (issue 11), each in every provider that offers the operation.
 * Sizes covered: messages of exactly maxMessageBytes (64 MiB) and ciphertexts one byte past their
 * limit; the largest message one gRPC call carries; inputs of 0 to 100 KiB for the rest.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deriveAccountSecrets, E2eError } from '@anochat/protocol';
import { CRYPTO_LIMITS } from '@anochat/schemas/crypto-limits';
import * as grpc from '@grpc/grpc-js';
import { NaclError } from '../js/errors.ts';
import type { Nacl, NaclOperation, SyncNacl } from '../js/nacl.ts';
import { startCryptoServer } from '../js/native-server.node.ts';
import { createGrpcNacl } from '../js/providers/grpc/provider.node.ts';
import { SIZES } from '../js/sizes.ts';
import { seededBytes } from './support/oracles.ts';
import { openProviders, type Providers } from './support/providers.ts';

let providers: Providers;
before(async () => {
  providers = await openProviders();
});
after(() => providers.close());

const local = (): SyncNacl[] => [providers.wasm, providers.tweetnacl];
const MAX = CRYPTO_LIMITS.maxMessageBytes;

function isNaclError(code: string) {
  return (error: unknown) => error instanceof NaclError && error.code === code;
}

describe('opening accepts whatever sealing produced, up to the 64 MiB message limit', () => {
  const largest = seededBytes(MAX, 1);
  const key = seededBytes(32, 2);
  const nonce = seededBytes(24, 3);

  it('WASM: secretbox, box, box after precomputation and sealed boxes of a 64 MiB message open', () => {
    const nacl = providers.wasm;
    const alice = nacl.boxKeyPairFromSeed(seededBytes(32, 4));
    const bob = nacl.boxKeyPairFromSeed(seededBytes(32, 5));
    const secretboxed = nacl.secretbox(largest, nonce, key);
    assert.equal(secretboxed.length, MAX + SIZES.secretboxMac);
    assert.equal(nacl.secretboxOpen(secretboxed, nonce, key)?.length, MAX);
    const boxed = nacl.box(largest, nonce, bob.publicKey, alice.secretKey);
    assert.equal(nacl.boxOpen(boxed, nonce, alice.publicKey, bob.secretKey)?.length, MAX);
    const shared = nacl.boxBeforeNm(bob.publicKey, alice.secretKey);
    assert.equal(
      nacl.boxOpenAfterNm(nacl.boxAfterNm(largest, nonce, shared), nonce, shared)?.length,
      MAX,
    );
    const sealed = nacl.boxSeal(largest, bob.publicKey);
    assert.equal(nacl.boxSealOpen(sealed, bob.publicKey, bob.secretKey)?.length, MAX);
  });

  it('tweetnacl: a ciphertext of the largest size is examined (null when forged), not refused', () => {
    // Sealing 64 MiB in pure JavaScript takes seconds per call; the size rule is the same code
    // path whether the MAC then verifies or not, so forged ciphertexts of the largest size show it.
    const nacl = providers.tweetnacl;
    const bob = nacl.boxKeyPairFromSeed(seededBytes(32, 5));
    const forged = (overhead: number) => new Uint8Array(MAX + overhead);
    assert.equal(nacl.secretboxOpen(forged(SIZES.secretboxMac), nonce, key), null);
    assert.equal(nacl.boxOpenAfterNm(forged(SIZES.boxMac), nonce, key), null);
    assert.equal(nacl.boxOpen(forged(SIZES.boxMac), nonce, bob.publicKey, bob.secretKey), null);
    const sealed = forged(SIZES.sealOverhead);
    sealed.set(bob.publicKey);
    assert.equal(nacl.boxSealOpen(sealed, bob.publicKey, bob.secretKey), null);
  });

  it('a secretstream chunk of 64 MiB pulls', () => {
    const { state, header } = providers.wasm.secretstreamInitPush(key);
    const chunk = providers.wasm.secretstreamPush(state, largest, 3);
    const pull = providers.wasm.secretstreamInitPull(header, key);
    assert.equal(providers.wasm.secretstreamPull(pull, chunk)?.message.length, MAX);
  });

  it('a ciphertext one byte longer than the largest one is TOO_LARGE', async () => {
    const overheads: [NaclOperation, number, (c: Uint8Array) => unknown[]][] = [
      ['secretboxOpen', SIZES.secretboxMac, (c) => [c, nonce, key]],
      ['boxOpen', SIZES.boxMac, (c) => [c, nonce, key, key]],
      ['boxOpenAfterNm', SIZES.boxMac, (c) => [c, nonce, key]],
      ['boxSealOpen', SIZES.sealOverhead, (c) => [c, key, key]],
      ['secretstreamPull', SIZES.secretstreamOverhead, (c) => [new Uint8Array(52), c]],
    ];
    for (const [operation, overhead, args] of overheads) {
      const tooLong = new Uint8Array(MAX + overhead + 1);
      for (const nacl of local().filter((n) => n.supports.has(operation))) {
        assert.throws(
          () => (nacl[operation] as (...a: unknown[]) => unknown)(...args(tooLong)),
          isNaclError('TOO_LARGE'),
          `${nacl.provider}.${operation}`,
        );
      }
    }
  });

  it('over gRPC, the largest message SealTo takes comes back through SealOpen', async () => {
    const recipient = providers.wasm.boxKeyPairFromSeed(seededBytes(32, 6));
    // One message carries at most maxGrpcMessageBytes, less 128 bytes of framing, less the 48 the
    // sealed box adds: the answer to SealTo must fit the request of SealOpen.
    const largestOverGrpc = CRYPTO_LIMITS.maxGrpcMessageBytes - 128 - SIZES.sealOverhead;
    const text = seededBytes(largestOverGrpc, 7);
    const sealed = await providers.grpc.boxSeal(text, recipient.publicKey);
    const opened = await providers.grpc.boxSealOpen(
      sealed,
      recipient.publicKey,
      recipient.secretKey,
    );
    assert.equal(opened?.length, largestOverGrpc);
    await assert.rejects(
      providers.grpc.boxSeal(seededBytes(largestOverGrpc + 1, 8), recipient.publicKey),
      isNaclError('TOO_LARGE'),
    );
  });
});

describe('Argon2id costs: a memory limit that is not a whole number of KiB is refused everywhere', () => {
  const cost = { opsLimit: 1, memLimitBytes: 8192 + 512 };

  it('deriveAccountSecrets refuses it with the same typed error in every client provider', async () => {
    for (const nacl of local()) {
      await assert.rejects(
        deriveAccountSecrets(nacl, 'alice', 'correct horse', cost),
        (error: unknown) =>
          error instanceof E2eError &&
          error.code === 'INVALID_INPUT' &&
          /multiple of 1024/.test(error.message),
        nacl.provider,
      );
    }
  });

  it('and the providers agree on the same cost in whole KiB', async () => {
    const whole = { opsLimit: 1, memLimitBytes: 8192 + 1024 };
    const [fromWasm, fromFallback] = await Promise.all(
      local().map((nacl) => deriveAccountSecrets(nacl, 'alice', 'correct horse', whole)),
    );
    assert.deepEqual(fromWasm, fromFallback);
  });

  it('pwhashStr and pwhashDerive refuse it in WASM and on the server', async () => {
    const password = new Uint8Array(8);
    assert.throws(
      () => providers.wasm.pwhashStr(password, 1, 9000),
      isNaclError('INVALID_ARGUMENT'),
    );
    assert.throws(
      () => providers.wasm.pwhashDerive(32, password, new Uint8Array(16), 1, 9000),
      isNaclError('INVALID_ARGUMENT'),
    );
    await assert.rejects(
      providers.grpc.pwhashStr(password, 1, 9000),
      isNaclError('INVALID_ARGUMENT'),
    );
  });
});

describe('every result owns its memory: nothing returned shares a buffer with a secret', () => {
  /** One call of each operation, with valid input; key pairs and chunks are checked part by part. */
  async function everyResult(nacl: Nacl): Promise<[string, Uint8Array][]> {
    const results: [string, Uint8Array][] = [];
    const add = (name: string, value: unknown) => {
      if (value instanceof Uint8Array) results.push([name, value]);
      else if (value !== null && typeof value === 'object') {
        for (const [part, inner] of Object.entries(value)) add(`${name}.${part}`, inner);
      }
    };
    const has = (operation: NaclOperation) => nacl.supports.has(operation);
    const seed = seededBytes(32, 9);
    const pair = providers.wasm.boxKeyPairFromSeed(seed);
    const signer = providers.wasm.signKeyPairFromSeed(seed);
    const nonce = seededBytes(24, 10);
    const text = seededBytes(100, 11);
    if (has('randomBytes')) add('randomBytes', await nacl.randomBytes(32));
    if (has('boxKeyPair')) add('boxKeyPair', await nacl.boxKeyPair());
    if (has('boxKeyPairFromSeed')) add('boxKeyPairFromSeed', await nacl.boxKeyPairFromSeed(seed));
    if (has('scalarMultBase')) add('scalarMultBase', await nacl.scalarMultBase(pair.secretKey));
    if (has('scalarMult')) add('scalarMult', await nacl.scalarMult(pair.secretKey, pair.publicKey));
    if (has('box')) {
      const boxed = await nacl.box(text, nonce, pair.publicKey, pair.secretKey);
      add('box', boxed);
      add('boxOpen', await nacl.boxOpen(boxed, nonce, pair.publicKey, pair.secretKey));
      const shared = await nacl.boxBeforeNm(pair.publicKey, pair.secretKey);
      add('boxBeforeNm', shared);
      const afterNm = await nacl.boxAfterNm(text, nonce, shared);
      add('boxAfterNm', afterNm);
      add('boxOpenAfterNm', await nacl.boxOpenAfterNm(afterNm, nonce, shared));
    }
    if (has('boxSeal')) {
      const sealed = await nacl.boxSeal(text, pair.publicKey);
      add('boxSeal', sealed);
      add('boxSealOpen', await nacl.boxSealOpen(sealed, pair.publicKey, pair.secretKey));
    }
    if (has('secretbox')) {
      const boxed = await nacl.secretbox(text, nonce, seed);
      add('secretbox', boxed);
      add('secretboxOpen', await nacl.secretboxOpen(boxed, nonce, seed));
    }
    if (has('signKeyPair')) add('signKeyPair', await nacl.signKeyPair());
    if (has('signKeyPairFromSeed'))
      add('signKeyPairFromSeed', await nacl.signKeyPairFromSeed(seed));
    if (has('signDetached')) add('signDetached', await nacl.signDetached(text, signer.secretKey));
    if (has('secretstreamInitPush')) {
      const start = await nacl.secretstreamInitPush(seed);
      add('secretstreamInitPush', start);
      const chunk = await nacl.secretstreamPush(start.state, text, 0);
      add('secretstreamPush', chunk);
      const pull = await nacl.secretstreamInitPull(start.header, seed);
      add('secretstreamInitPull', pull);
      add('secretstreamPull', await nacl.secretstreamPull(pull, chunk));
    }
    if (has('pwhashDerive')) {
      add('pwhashDerive', await nacl.pwhashDerive(32, text, seed.subarray(0, 16), 1, 8192));
    }
    if (has('generichash')) add('generichash', await nacl.generichash(32, text, seed));
    return results;
  }

  it('each result of each provider is the only view of its ArrayBuffer', async () => {
    for (const nacl of providers.all) {
      const results = await everyResult(nacl);
      assert.ok(results.length >= 2, nacl.provider);
      for (const [name, bytes] of results) {
        assert.equal(bytes.byteOffset, 0, `${nacl.provider}.${name}`);
        assert.equal(bytes.buffer.byteLength, bytes.byteLength, `${nacl.provider}.${name}`);
      }
    }
  });

  it('transferring a ciphertext leaves a secret key made just before it intact', () => {
    for (const nacl of local()) {
      const keys = nacl.signKeyPair();
      const copy = keys.secretKey.slice();
      const ciphertext = nacl.secretbox(new Uint8Array(10), new Uint8Array(24), new Uint8Array(32));
      structuredClone(ciphertext, { transfer: [ciphertext.buffer as ArrayBuffer] });
      assert.deepEqual(keys.secretKey, copy, nacl.provider);
    }
  });
});

describe('byte inputs are measured by the engine, not by their own length property', () => {
  /** Reports one byte whatever it holds, as a hostile or buggy caller could. */
  class ShortLiar extends Uint8Array {
    override get length(): number {
      return 1;
    }
  }

  it('a subclass with a false length is read whole, so the result is the real message’s', async () => {
    const key = seededBytes(32, 12);
    const nonce = seededBytes(24, 13);
    const real = seededBytes(100 * 1024, 14);
    const liar = new ShortLiar(real);
    assert.equal(liar.length, 1);
    for (const nacl of local()) {
      const expected = nacl.secretbox(real, nonce, key);
      assert.deepEqual(nacl.secretbox(liar, nonce, key), expected, nacl.provider);
      assert.deepEqual(nacl.generichash(32, liar), nacl.generichash(32, real), nacl.provider);
      const opened = nacl.secretboxOpen(new ShortLiar(expected), nonce, key);
      assert.deepEqual(opened, real, nacl.provider);
    }
    const signer = providers.wasm.signKeyPairFromSeed(key);
    const signature = providers.wasm.signDetached(real, signer.secretKey);
    for (const nacl of providers.all) {
      assert.equal(await nacl.verifyDetached(liar, signature, signer.publicKey), true);
    }
  });

  it('a key whose length claims 32 but holds 33 bytes is INVALID_LENGTH', async () => {
    const liarKey = new (class extends Uint8Array {
      override get length(): number {
        return 32;
      }
    })(33);
    for (const nacl of local()) {
      assert.throws(
        () => nacl.secretbox(new Uint8Array(1), new Uint8Array(24), liarKey),
        isNaclError('INVALID_LENGTH'),
      );
    }
    await assert.rejects(
      providers.grpc.boxSeal(new Uint8Array(1), liarKey),
      isNaclError('INVALID_LENGTH'),
    );
  });

  it('an own length property on a plain Uint8Array changes nothing', () => {
    const message = seededBytes(5000, 15);
    const doctored = message.slice();
    Object.defineProperty(doctored, 'length', { value: 2 });
    for (const nacl of local()) {
      assert.deepEqual(nacl.generichash(32, doctored), nacl.generichash(32, message));
    }
  });

  it('a view of a transferred (detached) buffer is refused, not read', () => {
    const detached = new Uint8Array(32);
    structuredClone(detached, { transfer: [detached.buffer] });
    for (const nacl of local()) {
      assert.throws(
        () => nacl.secretbox(detached, new Uint8Array(24), new Uint8Array(32)),
        (error: unknown) => error instanceof NaclError,
      );
    }
  });
});

describe('verifyBatch answers item by item: a malformed item fails alone', () => {
  it('null, a number, a string message and an oversized message are false; the rest verify', async () => {
    const signer = providers.wasm.signKeyPairFromSeed(seededBytes(32, 16));
    const item = (n: number) => {
      const message = seededBytes(n, n);
      return {
        message,
        signature: providers.wasm.signDetached(message, signer.secretKey),
        publicKey: signer.publicKey,
      };
    };
    const items = [
      item(10),
      null,
      item(20),
      7,
      { ...item(30), message: 'not bytes' },
      { ...item(40), message: new Uint8Array(MAX + 1) },
      item(50),
    ] as never[];
    for (const nacl of providers.all) {
      assert.deepEqual(
        await nacl.verifyBatch(items),
        [true, false, true, false, false, false, true],
        nacl.provider,
      );
    }
  });
});

describe('the gRPC server: unparseable requests and Argon2id under a memory budget', () => {
  it('answers bytes that are not its request message with INVALID_ARGUMENT and the reason', async () => {
    const client = new grpc.Client(providers.server.address, grpc.credentials.createInsecure());
    try {
      for (const method of ['VerifyBatch', 'PwHash', 'PwVerify', 'SealTo', 'SealOpen']) {
        const error = await new Promise<grpc.ServiceError | null>((resolve) => {
          client.makeUnaryRequest(
            `/anochat.crypto.v1.Crypto/${method}`,
            (bytes: Buffer) => bytes,
            (bytes: Buffer) => bytes,
            Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]),
            (failure) => resolve(failure),
          );
        });
        assert.equal(error?.code, grpc.status.INVALID_ARGUMENT, method);
        assert.match(error?.details ?? '', /^request: is not a valid anochat\.crypto\.v1\./);
        const reason = error?.metadata.get('grpc-status-details-bin')[0];
        assert.equal(
          reason === undefined ? '' : Buffer.from(reason).toString(),
          'INVALID_ARGUMENT',
        );
      }
    } finally {
      client.close();
    }
    assert.equal((await providers.grpc.health()).serving, true);
  });

  it('runs only as much Argon2id as its budget holds and answers the rest UNAVAILABLE', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'anochat-budget-'));
    const budget = 32 * 1024 * 1024;
    const server = await startCryptoServer(`unix:${join(folder, 'crypto.sock')}`, {
      args: ['--pwhash-memory-budget', String(budget), '--pwhash-max-waiting', '1'],
    });
    const nacl = createGrpcNacl(server.address);
    try {
      const password = new Uint8Array(8);
      // Three at the whole budget: one runs, one waits its turn, the third finds the queue full.
      const calls = await Promise.allSettled(
        Array.from({ length: 3 }, () => nacl.pwhashStr(password, 4, budget)),
      );
      const refused = calls.filter((call) => call.status === 'rejected');
      assert.equal(calls.filter((call) => call.status === 'fulfilled').length, 2);
      assert.equal(refused.length, 1);
      assert.ok(isNaclError('UNAVAILABLE')((refused[0] as PromiseRejectedResult).reason));
      // Above the whole budget: a request that could never run, refused as such.
      await assert.rejects(
        nacl.pwhashStr(password, 1, budget + 1024),
        isNaclError('INVALID_ARGUMENT'),
      );
    } finally {
      nacl.close();
      await server.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

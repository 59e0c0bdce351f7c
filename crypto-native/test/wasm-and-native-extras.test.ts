import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CRYPTO_LIMITS } from '@anochat/schemas/crypto-limits';
import { createWasmNacl } from '../js/providers/wasm/provider.ts';
import type { NaclWasm } from '../js/wasm-loader/instantiate.ts';
import { loadNaclWasm } from '../js/wasm-loader/load-file.node.ts';
import { openProviders, type Providers } from './support/providers.ts';

const password = new TextEncoder().encode('correct horse battery staple');
const FAST_ARGON = { ops: 1, mem: 8192 };

let providers: Providers;
before(async () => {
  providers = await openProviders();
});
after(() => providers.close());

describe('Argon2id: password hashes interoperate between WASM and the native server', () => {
  it('a hash made in WASM verifies on the server and the reverse; a wrong password does not', async () => {
    const inWasm = providers.wasm.pwhashStr(password, FAST_ARGON.ops, FAST_ARGON.mem);
    const onServer = await providers.grpc.pwhashStr(password, FAST_ARGON.ops, FAST_ARGON.mem);
    assert.match(inWasm, /^\$argon2id\$v=19\$m=8,t=1,p=1\$/);
    assert.notEqual(inWasm, onServer, 'each hash has its own salt');
    assert.equal(await providers.grpc.pwhashStrVerify(inWasm, password), true);
    assert.equal(providers.wasm.pwhashStrVerify(onServer, password), true);
    const wrong = new TextEncoder().encode('correct horse battery stapler');
    assert.equal(await providers.grpc.pwhashStrVerify(inWasm, wrong), false);
    assert.equal(providers.wasm.pwhashStrVerify(onServer, wrong), false);
  });

  it('key derivation is deterministic per salt and differs across salts and lengths', () => {
    const salt = new Uint8Array(16).fill(7);
    const first = providers.wasm.pwhashDerive(32, password, salt, FAST_ARGON.ops, FAST_ARGON.mem);
    assert.deepEqual(
      providers.wasm.pwhashDerive(32, password, salt, FAST_ARGON.ops, FAST_ARGON.mem),
      first,
    );
    const otherSalt = providers.wasm.pwhashDerive(
      32,
      password,
      new Uint8Array(16).fill(8),
      FAST_ARGON.ops,
      FAST_ARGON.mem,
    );
    assert.notDeepEqual(otherSalt, first);
    assert.equal(
      providers.wasm.pwhashDerive(64, password, salt, FAST_ARGON.ops, FAST_ARGON.mem).length,
      64,
    );
  });
});

describe('the WASM provider reuses one arena and leaves nothing behind', () => {
  it('round-trips messages from 0 bytes to 8 MiB, and wipes the arena after each call', () => {
    const nacl = providers.wasm;
    const key = nacl.randomBytes(32);
    const nonce = nacl.randomBytes(24);
    for (const size of [0, 1, 1023, 65536, 8 * 1024 * 1024]) {
      const text = new Uint8Array(size).fill(0x5a);
      const boxed = nacl.secretbox(text, nonce, key);
      assert.deepEqual(nacl.secretboxOpen(boxed, nonce, key), text);
    }
  });

  it('keeps no copy of a secret key in WebAssembly memory after a call', async () => {
    const wasm = await loadNaclWasm();
    const nacl = createWasmNacl(wasm);
    const key = new Uint8Array(32).fill(0xa7);
    nacl.secretbox(new Uint8Array(100), new Uint8Array(24), key);
    const memory = new Uint8Array(wasm.memory.buffer);
    const needle = Buffer.from(key);
    assert.equal(Buffer.from(memory).indexOf(needle), -1);
  });
});

describe('the raw WebAssembly exports validate their own input (no trap, a status and a reason)', () => {
  let wasm: NaclWasm;
  before(async () => {
    wasm = await loadNaclWasm();
  });

  const reason = () => {
    const memory = new Uint8Array(wasm.memory.buffer);
    let end = wasm.exports.anochat_last_error();
    const start = end;
    while (memory[end] !== 0) end++;
    return new TextDecoder().decode(memory.subarray(start, end));
  };

  it('rejects wrong lengths, NULL pointers with lengths, oversized input and bad parameters', () => {
    const core = wasm.exports;
    // Lengths describe real buffers (the C ABI trusts them for bounds): oversized input gets an
    // honest oversized buffer.
    const scratch = core.malloc(4096);
    const bigLength = CRYPTO_LIMITS.maxMessageBytes + 1;
    const big = core.malloc(bigLength + 16);
    const cases: [string, () => number, number][] = [
      [
        'secretbox nonce 23',
        () => core.anochat_secretbox(scratch, 17, scratch, 1, scratch, 23, scratch, 32),
        -1,
      ],
      [
        'secretbox output too small',
        () => core.anochat_secretbox(scratch, 16, scratch, 1, scratch, 24, scratch, 32),
        -1,
      ],
      [
        'secretbox NULL message with length',
        () => core.anochat_secretbox(scratch, 116, 0, 100, scratch, 24, scratch, 32),
        -1,
      ],
      [
        'box secret key 31',
        () => core.anochat_box(scratch, 17, scratch, 1, scratch, 24, scratch, 32, scratch, 31),
        -1,
      ],
      [
        'box of a message above maxMessageBytes',
        () =>
          core.anochat_box(
            big,
            bigLength + 16,
            big,
            bigLength,
            scratch,
            24,
            scratch,
            32,
            scratch,
            32,
          ),
        -2,
      ],
      [
        'sign secret key 32',
        () => core.anochat_sign_detached(scratch, 64, scratch, 1, scratch, 32),
        -1,
      ],
      [
        'verify signature 63',
        () => core.anochat_sign_verify_detached(scratch, 63, scratch, 1, scratch, 32),
        -4,
      ],
      [
        'verify_batch inconsistent packing',
        () =>
          core.anochat_sign_verify_batch(
            scratch,
            2,
            scratch,
            64,
            scratch,
            64,
            scratch,
            0,
            scratch,
            2,
          ),
        -1,
      ],
      [
        'verify_batch too many items',
        () =>
          core.anochat_sign_verify_batch(
            scratch,
            5000,
            scratch,
            160000,
            scratch,
            320000,
            scratch,
            0,
            scratch,
            5000,
          ),
        -2,
      ],
      [
        'secretstream tag 9',
        () => core.anochat_secretstream_push(scratch, 52, scratch + 100, 18, scratch, 1, 0, 0, 9),
        -6,
      ],
      ['pwhash ops 0', () => core.anochat_pwhash_str(scratch, 128, scratch, 4, 0, 8192), -6],
      ['pwhash output 127', () => core.anochat_pwhash_str(scratch, 127, scratch, 4, 1, 8192), -1],
      ['generichash output 65', () => core.anochat_generichash(scratch, 65, scratch, 1, 0, 0), -6],
      [
        'generichash key 8',
        () => core.anochat_generichash(scratch, 32, scratch, 1, scratch, 8),
        -1,
      ],
      [
        'scalarmult small order',
        () => {
          new Uint8Array(wasm.memory.buffer).fill(0, scratch + 64, scratch + 96);
          return core.anochat_scalarmult(scratch, 32, scratch + 32, 32, scratch + 64, 32);
        },
        -5,
      ],
      [
        'random bytes above the limit',
        () => core.anochat_random_bytes(big, CRYPTO_LIMITS.maxRandomBytes + 1),
        -2,
      ],
    ];
    for (const [name, run, status] of cases) {
      assert.equal(run(), status, name);
      assert.ok(reason().length > 5, `${name} explains itself`);
    }
    core.free(scratch);
    core.free(big);
    const nacl = createWasmNacl(wasm);
    const key = nacl.randomBytes(32);
    assert.notEqual(
      nacl.secretboxOpen(
        nacl.secretbox(new Uint8Array(3), new Uint8Array(24), key),
        new Uint8Array(24),
        key,
      ),
      null,
    );
  });
});

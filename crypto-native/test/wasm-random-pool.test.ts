import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import { createWasmNacl } from '../js/providers/wasm/provider.ts';
import { pooledRandomFill } from '../js/wasm-loader/instantiate.ts';
import { loadNaclWasm } from '../js/wasm-loader/load-file.node.ts';

/** The platform's CSPRNG, counting how often it is asked. */
function countedCrypto() {
  const counted = {
    calls: 0,
    getRandomValues(array: Uint8Array) {
      counted.calls += 1;
      return webcrypto.getRandomValues(array);
    },
  };
  return counted;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('the WebAssembly module’s randomness pool', () => {
  it('hands out every byte once, drawing 4 KiB at a time for small requests', () => {
    const source = countedCrypto();
    const fill = pooledRandomFill(source);
    const nonces = Array.from({ length: 200 }, () => {
      const nonce = new Uint8Array(24);
      fill(nonce);
      return hex(nonce);
    });
    assert.equal(new Set(nonces).size, 200);
    assert.ok(!nonces.includes('00'.repeat(24)));
    assert.equal(source.calls, Math.ceil((200 * 24) / 4096));
  });

  it('fills a large request straight from the source, across its 64 KiB limit', () => {
    const source = countedCrypto();
    const large = new Uint8Array(100 * 1024);
    pooledRandomFill(source)(large);
    assert.equal(source.calls, 2);
    assert.notEqual(hex(large.subarray(0, 32)), hex(large.subarray(65536, 65568)));
    assert.ok(large.subarray(65536).some((byte) => byte !== 0));
  });

  it('serves the module: nonces from randomBytes never repeat', async () => {
    const nacl = createWasmNacl(await loadNaclWasm());
    const seen = new Set(Array.from({ length: 1000 }, () => hex(nacl.randomBytes(24))));
    assert.equal(seen.size, 1000);
  });
});

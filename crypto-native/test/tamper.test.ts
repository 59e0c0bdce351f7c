import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SecretStreamTag } from '../js/nacl.ts';
import { openProviders, type Providers } from './support/providers.ts';

/** Every copy of `bytes` with exactly one bit flipped. */
function* singleBitFlips(bytes: Uint8Array): Generator<{ flipped: Uint8Array; bit: number }> {
  for (let bit = 0; bit < bytes.length * 8; bit++) {
    const flipped = bytes.slice();
    flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
    yield { flipped, bit };
  }
}

const text = new TextEncoder().encode('meet at the station');

let providers: Providers;
before(async () => {
  providers = await openProviders();
});
after(() => providers.close());

describe('tampering: one flipped bit anywhere is rejected', () => {
  for (const name of ['wasm', 'tweetnacl'] as const) {
    it(`${name}: box, its nonce and both keys; secretbox, its nonce and key`, () => {
      const nacl = providers[name];
      const alice = nacl.boxKeyPair();
      const bob = nacl.boxKeyPair();
      const nonce = nacl.randomBytes(24);
      const boxed = nacl.box(text, nonce, bob.publicKey, alice.secretKey);
      for (const { flipped, bit } of singleBitFlips(boxed)) {
        assert.equal(
          nacl.boxOpen(flipped, nonce, alice.publicKey, bob.secretKey),
          null,
          `bit ${bit}`,
        );
      }
      for (const { flipped } of singleBitFlips(nonce)) {
        assert.equal(nacl.boxOpen(boxed, flipped, alice.publicKey, bob.secretKey), null);
      }
      for (const { flipped, bit } of singleBitFlips(alice.publicKey)) {
        // Bit 255 of an X25519 key is ignored by design (RFC 7748 masks it): same key, same result.
        if (bit === 255) continue;
        assert.equal(nacl.boxOpen(boxed, nonce, flipped, bob.secretKey), null, `bit ${bit}`);
      }

      const key = nacl.randomBytes(32);
      const sealed = nacl.secretbox(text, nonce, key);
      for (const { flipped, bit } of singleBitFlips(sealed)) {
        assert.equal(nacl.secretboxOpen(flipped, nonce, key), null, `bit ${bit}`);
      }
      for (const { flipped } of singleBitFlips(key)) {
        assert.equal(nacl.secretboxOpen(sealed, nonce, flipped), null);
      }
      assert.deepEqual(nacl.secretboxOpen(sealed, nonce, key), text);
    });
  }

  it('sealed boxes, in every provider', async () => {
    const recipient = providers.wasm.boxKeyPair();
    for (const nacl of providers.all) {
      const sealed = await nacl.boxSeal(text, recipient.publicKey);
      const flips = [...singleBitFlips(sealed)];
      const opened = await Promise.all(
        flips.map(({ flipped }) =>
          nacl.boxSealOpen(flipped, recipient.publicKey, recipient.secretKey),
        ),
      );
      opened.forEach((result, bit) => {
        // The top bit of the ephemeral X25519 key (bit 255) is masked by the curve, but it is
        // hashed into the nonce, so even that flip must fail.
        assert.equal(result, null, `${nacl.provider} bit ${bit}`);
      });
      assert.deepEqual(
        await nacl.boxSealOpen(sealed, recipient.publicKey, recipient.secretKey),
        text,
      );
    }
  });

  it('signatures and signed messages, in every provider (the gRPC one in a single batch)', async () => {
    const signer = providers.wasm.signKeyPair();
    const signature = providers.wasm.signDetached(text, signer.secretKey);
    const items = [
      ...[...singleBitFlips(signature)].map(({ flipped }) => ({
        message: text,
        signature: flipped,
        publicKey: signer.publicKey,
      })),
      ...[...singleBitFlips(text)].map(({ flipped }) => ({
        message: flipped,
        signature,
        publicKey: signer.publicKey,
      })),
      ...[...singleBitFlips(signer.publicKey)].map(({ flipped }) => ({
        message: text,
        signature,
        publicKey: flipped,
      })),
    ];
    for (const nacl of providers.all) {
      const results = await nacl.verifyBatch(items);
      assert.equal(results.length, items.length);
      assert.equal(results.filter(Boolean).length, 0, nacl.provider);
      assert.equal(await nacl.verifyDetached(text, signature, signer.publicKey), true);
    }
  });

  it('wasm secretstream: flipped, truncated, reordered, replayed or foreign chunks are rejected', () => {
    const nacl = providers.wasm;
    const key = nacl.randomBytes(32);
    const { state, header } = nacl.secretstreamInitPush(key);
    const chunks = [
      nacl.secretstreamPush(state, text, SecretStreamTag.message),
      nacl.secretstreamPush(state, text, SecretStreamTag.message, new Uint8Array([1, 2])),
      nacl.secretstreamPush(state, text, SecretStreamTag.final),
    ];
    const pullFrom = (chunkList: Uint8Array[], ads: (Uint8Array | undefined)[] = []) => {
      const pull = nacl.secretstreamInitPull(header, key);
      return chunkList.map((chunk, i) => nacl.secretstreamPull(pull, chunk, ads[i]));
    };
    const ads = [undefined, new Uint8Array([1, 2]), undefined];
    assert.deepEqual(
      pullFrom(chunks, ads).map((chunk) => chunk?.tag),
      [SecretStreamTag.message, SecretStreamTag.message, SecretStreamTag.final],
    );
    for (const { flipped, bit } of singleBitFlips(chunks[0] as Uint8Array)) {
      assert.equal(pullFrom([flipped])[0], null, `bit ${bit}`);
    }
    assert.equal(pullFrom([chunks[1] as Uint8Array])[0], null, 'second chunk first');
    assert.equal(
      pullFrom([chunks[0] as Uint8Array, chunks[0] as Uint8Array])[1],
      null,
      'replayed chunk',
    );
    assert.equal(
      pullFrom(chunks, [undefined, new Uint8Array([1, 3])])[1],
      null,
      'other additional data',
    );
    assert.equal(pullFrom([(chunks[0] as Uint8Array).subarray(0, 20)])[0], null, 'truncated chunk');
    const other = nacl.secretstreamInitPush(nacl.randomBytes(32));
    const foreign = nacl.secretstreamPush(other.state, text, SecretStreamTag.message);
    assert.equal(pullFrom([foreign])[0], null, 'chunk of another stream');
  });
});

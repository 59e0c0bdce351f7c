import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SyncNacl } from '../js/nacl.ts';
import type { PageHelpers } from './browser/page-entry.ts';
import { type CryptoPage, openCryptoPage } from './support/browser.ts';
import { fromHex, toHex } from './support/hex.ts';
import { openProviders, type Providers } from './support/providers.ts';

type BrowserGlobals = { anochatNacl: SyncNacl; anochatHelpers: PageHelpers };

let browserPage: CryptoPage;
let providers: Providers;
before(async () => {
  providers = await openProviders();
  browserPage = await openCryptoPage();
});
after(async () => {
  await browserPage.close();
  await providers.close();
});

describe('the WASM build in headless Chromium', () => {
  it('reproduces RFC 8032 TEST 2 and the RFC 7748 Alice/Bob shared secret', async () => {
    const result = await browserPage.page.evaluate(() => {
      const { anochatNacl: nacl, anochatHelpers } = globalThis as unknown as BrowserGlobals;
      const { hex, bytes } = anochatHelpers;
      const pair = nacl.signKeyPairFromSeed(
        bytes('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'),
      );
      return {
        signature: hex(nacl.signDetached(bytes('72'), pair.secretKey)),
        shared: hex(
          nacl.scalarMult(
            bytes('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
            bytes('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'),
          ),
        ),
      };
    });
    assert.equal(
      result.signature,
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    );
    assert.equal(result.shared, '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  });

  it('opens what the native server sealed, and the native server opens what the browser sealed', async () => {
    const recipient = providers.wasm.boxKeyPair();
    const text = new TextEncoder().encode('from the train, no signal');
    const sealedByNative = await providers.grpc.boxSeal(text, recipient.publicKey);
    const { openedInBrowser, sealedInBrowser } = await browserPage.page.evaluate(
      ({ sealed, publicKey, secretKey, message }) => {
        const nacl = (globalThis as unknown as BrowserGlobals).anochatNacl;
        const opened = nacl.boxSealOpen(
          new Uint8Array(sealed),
          new Uint8Array(publicKey),
          new Uint8Array(secretKey),
        );
        return {
          openedInBrowser: opened ? Array.from(opened) : null,
          sealedInBrowser: Array.from(
            nacl.boxSeal(new Uint8Array(message), new Uint8Array(publicKey)),
          ),
        };
      },
      {
        sealed: Array.from(sealedByNative),
        publicKey: Array.from(recipient.publicKey),
        secretKey: Array.from(recipient.secretKey),
        message: Array.from(text),
      },
    );
    assert.deepEqual(openedInBrowser, Array.from(text));
    const openedByNative = await providers.grpc.boxSealOpen(
      new Uint8Array(sealedInBrowser),
      recipient.publicKey,
      recipient.secretKey,
    );
    assert.deepEqual(openedByNative, text);
  });

  it('streams a 1 MiB attachment with secretstream and hashes it like Node does', async () => {
    const key = fromHex('11'.repeat(32));
    const { header, chunks, digest } = await browserPage.page.evaluate((keyBytes) => {
      const nacl = (globalThis as unknown as BrowserGlobals).anochatNacl;
      const attachment = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) & 0xff);
      const { state, header: streamHeader } = nacl.secretstreamInitPush(new Uint8Array(keyBytes));
      const pieces: number[][] = [];
      for (let offset = 0; offset < attachment.length; offset += 256 * 1024) {
        const last = offset + 256 * 1024 >= attachment.length;
        pieces.push(
          Array.from(
            nacl.secretstreamPush(
              state,
              attachment.subarray(offset, offset + 256 * 1024),
              last ? 3 : 0,
            ),
          ),
        );
      }
      return {
        header: Array.from(streamHeader),
        chunks: pieces,
        digest: Array.from(nacl.generichash(32, attachment)),
      };
    }, Array.from(key));
    const pull = providers.wasm.secretstreamInitPull(new Uint8Array(header), key);
    const parts = chunks.map((chunk) =>
      providers.wasm.secretstreamPull(pull, new Uint8Array(chunk)),
    );
    assert.deepEqual(
      parts.map((part) => part?.tag),
      [0, 0, 0, 3],
    );
    const whole = new Uint8Array(1024 * 1024);
    for (const [i, part] of parts.entries())
      whole.set(part?.message ?? new Uint8Array(), i * 256 * 1024);
    assert.equal(toHex(whole.subarray(0, 4)), '001f3e5d');
    assert.equal(toHex(providers.tweetnacl.generichash(32, whole)), toHex(new Uint8Array(digest)));
  });

  it('refuses malformed input in the browser with the same NaclError codes', async () => {
    const codes = await browserPage.page.evaluate(() => {
      const { anochatNacl: nacl, anochatHelpers } = globalThis as unknown as BrowserGlobals;
      const attempt = anochatHelpers.errorCode;
      return [
        attempt(() => nacl.secretbox(new Uint8Array(1), new Uint8Array(23), new Uint8Array(32))),
        attempt(() => nacl.scalarMult(new Uint8Array(32), new Uint8Array(32))),
        attempt(() => nacl.pwhashStr(new Uint8Array(1), 0, 8192)),
      ];
    });
    assert.deepEqual(codes, ['INVALID_LENGTH', 'WEAK_KEY', 'INVALID_ARGUMENT']);
  });
});

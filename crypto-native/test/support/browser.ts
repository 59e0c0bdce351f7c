import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_LAUNCH } from '@anochat/test-support/chromium';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';

const WASM_FILE = fileURLToPath(new URL('../../build/wasm/anochat-nacl.wasm', import.meta.url));
const TEST_PAGE_ENTRY = fileURLToPath(new URL('../browser/page-entry.ts', import.meta.url));

/** Debian's Chromium, headless, with the flags that keep it off the (closed) network. */

export interface CryptoPage {
  page: Page;
  close(): Promise<void>;
}

/**
 * Serves a page that runs `entry` (bundled) beside the wasm module, opens it in Chromium and waits
 * for the entry's `anochatReady` promise.
 */
export async function openCryptoPage(entry = TEST_PAGE_ENTRY): Promise<CryptoPage> {
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    minify: true,
  });
  const script = bundle.outputFiles[0]?.text ?? '';
  const wasm = readFileSync(WASM_FILE);
  const files: Record<string, { type: string; body: string | Buffer }> = {
    '/': {
      type: 'text/html',
      body: '<!doctype html><script type="module" src="/page.js"></script>',
    },
    '/page.js': { type: 'text/javascript', body: script },
    '/anochat-nacl.wasm': { type: 'application/wasm', body: wasm },
  };
  const server: Server = createServer((request, response) => {
    const file = files[request.url ?? ''];
    response.writeHead(file ? 200 : 404, { 'content-type': file?.type ?? 'text/plain' });
    response.end(file?.body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const browser: Browser = await chromium.launch(CHROMIUM_LAUNCH);
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.evaluate(
    () => (globalThis as unknown as { anochatReady: Promise<void> }).anochatReady,
  );
  return {
    page,
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

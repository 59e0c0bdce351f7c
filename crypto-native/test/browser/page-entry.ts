import { createWasmNacl } from '../../js/providers/wasm/provider.ts';
import { instantiateNaclWasm } from '../../js/wasm-loader/instantiate.ts';

/**
 * Loaded by the test page in Chromium: exposes the wasm provider, loaded as the app will load it,
 * and the small helpers the tests' page.evaluate callbacks use (defining functions inside those
 * callbacks breaks under tsx, which wraps named functions in a helper the page lacks).
 */
const helpers = {
  hex: (bytes: Uint8Array) => Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join(''),
  bytes: (hex: string) =>
    new Uint8Array(hex.match(/../g)?.map((x) => Number.parseInt(x, 16)) ?? []),
  errorCode(run: () => unknown): string {
    try {
      run();
      return 'no error';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  },
};

async function load() {
  const response = await fetch('/anochat-nacl.wasm');
  const nacl = createWasmNacl(await instantiateNaclWasm(await response.arrayBuffer()));
  Object.assign(globalThis, { anochatNacl: nacl, anochatHelpers: helpers });
}

Object.assign(globalThis, { anochatReady: load() });

export type PageHelpers = typeof helpers;

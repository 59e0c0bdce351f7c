import { createWasmNacl } from '../js/providers/wasm/provider.ts';
import { instantiateNaclWasm } from '../js/wasm-loader/instantiate.ts';
import { runLocalSuite } from './local-suite.ts';

/** The benchmark page: the same suite as in Node, on the wasm provider as Chromium runs it. */
async function load() {
  const response = await fetch('/anochat-nacl.wasm');
  const nacl = createWasmNacl(await instantiateNaclWasm(await response.arrayBuffer()));
  Object.assign(globalThis, { runWasmSuite: () => runLocalSuite(nacl) });
}

Object.assign(globalThis, { anochatReady: load() });

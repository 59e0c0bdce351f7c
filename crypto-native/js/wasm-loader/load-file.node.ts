/** Node only: loads build/wasm/anochat-nacl.wasm from disk. Browsers fetch the file themselves. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { instantiateNaclWasm, NACL_WASM_PACKAGE_PATH, type NaclWasm } from './instantiate.ts';

/** crypto-native/build/wasm/anochat-nacl.wasm, resolved from this module (js/wasm-loader/). */
export const NACL_WASM_URL: URL = new URL(`../../${NACL_WASM_PACKAGE_PATH}`, import.meta.url);

/** Reads the module (by default the one built by scripts/build-wasm.sh) and instantiates it. */
export async function loadNaclWasm(location: string | URL = NACL_WASM_URL): Promise<NaclWasm> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    // Copied onto a plain ArrayBuffer: TypeScript does not take a Buffer<ArrayBufferLike> as BufferSource.
    bytes = new Uint8Array(await readFile(location));
  } catch (error) {
    const path = location instanceof URL ? fileURLToPath(location) : location;
    throw new Error(
      `cannot read ${path}: build it with \`bash crypto-native/scripts/build-wasm.sh\` (${String(error)})`,
      { cause: error },
    );
  }
  return instantiateNaclWasm(bytes);
}

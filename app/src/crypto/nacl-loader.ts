import naclWasmUrl from 'anochat-nacl.wasm?url';
import { createWasmNacl, instantiateNaclWasm, type SyncNacl } from '@anochat/crypto-native';

export interface LoadedNacl {
  nacl: SyncNacl;
  provider: 'wasm' | 'tweetnacl';
}

/**
 * The WebAssembly build of crypto-native's C core (libsodium, SIMD), or tweetnacl where it cannot
 * load (no WebAssembly SIMD, a blocked fetch): both implement the same `Nacl` and agree byte for
 * byte, so which one runs changes speed, never results.
 */
export async function loadNacl(wasmUrl: string = naclWasmUrl): Promise<LoadedNacl> {
  try {
    const response = await fetch(wasmUrl);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return {
      nacl: createWasmNacl(await instantiateNaclWasm(await response.arrayBuffer())),
      provider: 'wasm',
    };
  } catch (error) {
    console.warn('AnoChat: WebAssembly crypto unavailable, using tweetnacl', error);
    // Fetched only then: most browsers never download the fallback.
    const { createTweetnaclNacl } = await import('@anochat/crypto-native/tweetnacl');
    return { nacl: createTweetnaclNacl(), provider: 'tweetnacl' };
  }
}

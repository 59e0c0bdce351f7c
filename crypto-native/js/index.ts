/** Browser-safe entry: the interface and the in-process providers. Node-only parts are in node.ts. */
export { NaclError, type NaclErrorCode } from './errors.ts';
export * from './nacl.ts';
export { createTweetnaclNacl } from './providers/tweetnacl/provider.ts';
export { createWasmNacl } from './providers/wasm/provider.ts';
export { SIZES } from './sizes.ts';
// The protocol layer (@anochat/protocol) checks Argon2id costs as every provider does.
export { requirePwhashLimits } from './validation.ts';
export { instantiateNaclWasm } from './wasm-loader/instantiate.ts';

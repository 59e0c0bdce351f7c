/** Node-only entry: the gRPC provider, the native server process and the wasm module from disk. */

export {
  CRYPTO_SERVER_BINARY,
  type RunningCryptoServer,
  startCryptoServer,
} from './native-server.node.ts';
export { createGrpcNacl, type GrpcNacl } from './providers/grpc/provider.node.ts';
export { loadNaclWasm } from './wasm-loader/load-file.node.ts';

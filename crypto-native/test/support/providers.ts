import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Nacl, SyncNacl } from '../../js/nacl.ts';
import { type RunningCryptoServer, startCryptoServer } from '../../js/native-server.node.ts';
import { createGrpcNacl, type GrpcNacl } from '../../js/providers/grpc/provider.node.ts';
import { createTweetnaclNacl } from '../../js/providers/tweetnacl/provider.ts';
import { createWasmNacl } from '../../js/providers/wasm/provider.ts';
import { loadNaclWasm } from '../../js/wasm-loader/load-file.node.ts';

export interface Providers {
  wasm: SyncNacl;
  tweetnacl: SyncNacl;
  grpc: GrpcNacl;
  all: Nacl[];
  server: RunningCryptoServer;
  close(): Promise<void>;
}

/** Every provider on its real backend: the wasm build, tweetnacl, and a native server on a unix socket. */
export async function openProviders(): Promise<Providers> {
  const folder = mkdtempSync(join(tmpdir(), 'anochat-crypto-'));
  const server = await startCryptoServer(`unix:${join(folder, 'crypto.sock')}`);
  const wasm = createWasmNacl(await loadNaclWasm());
  const tweetnacl = createTweetnaclNacl();
  const grpc = createGrpcNacl(server.address);
  return {
    wasm,
    tweetnacl,
    grpc,
    all: [wasm, tweetnacl, grpc],
    server,
    async close() {
      grpc.close();
      await server.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

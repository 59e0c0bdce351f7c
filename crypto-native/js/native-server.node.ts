import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CRYPTO_SERVER_BINARY = fileURLToPath(
  new URL('../build/native/anochat-crypto-server', import.meta.url),
);

export interface RunningCryptoServer {
  /** The gRPC address clients dial: `unix:/path` or `host:port`. */
  address: string;
  process: ChildProcess;
  /** Sends SIGTERM (calls in flight finish) and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Spawns the native crypto-native server and resolves once it reports that it is listening. */
export function startCryptoServer(
  address: string,
  {
    binary = CRYPTO_SERVER_BINARY,
    readyTimeoutMs = 10_000,
    args = [] as readonly string[],
  }: { binary?: string; readyTimeoutMs?: number; args?: readonly string[] } = {},
): Promise<RunningCryptoServer> {
  if (!existsSync(binary)) {
    return Promise.reject(
      new Error(`${binary} is missing: build it with crypto-native/scripts/build-native.sh`),
    );
  }
  // `args`: further command-line options (the Argon2id memory budget: see the server's --help).
  const child = spawn(binary, ['--listen', address, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`crypto-native server did not listen on ${address} within ${readyTimeoutMs} ms`),
      );
    }, readyTimeoutMs);
    let output = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve({ address, process: child, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`crypto-native server exited with ${code} before listening: ${output}`));
    });
  });
}

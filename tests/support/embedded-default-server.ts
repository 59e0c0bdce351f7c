import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(import.meta.resolve('@anochat/sync-server/start-default'));

export interface Started {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** The real `npm start` entry as a child process: real PGlite, real crypto-native, real HTTP. */
export async function startEmbeddedDefault(
  dataDirectory: string,
  overrides: Record<string, string> = {},
): Promise<Started> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ['DATABASE_URL', 'CRYPTO_GRPC_ADDRESS', 'JWT_SECRET', 'DATABASE_POOL_MAX']) {
    delete env[name];
  }
  Object.assign(env, {
    DATA_DIR: dataDirectory,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    ARGON2_OPS_LIMIT: '1',
    ARGON2_MEM_LIMIT: '8192',
    ...overrides,
  });
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line within 40 s:\n${output}`)),
      40_000,
    );
    const check = () => {
      const match = /ready at (http:\/\/[^"\s]+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready:\n${output}`));
    });
  });
  return { child, baseUrl: url, output: () => output, exited };
}

/** SIGTERM (the graceful stop), then the exit code. */
export async function stopWithSigterm(started: Started): Promise<number | null> {
  started.child.kill('SIGTERM');
  return started.exited;
}

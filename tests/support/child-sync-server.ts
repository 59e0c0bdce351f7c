import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { testEnvironment } from './sync-server.ts';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(import.meta.resolve('@anochat/sync-server/main'));

export interface ChildSyncServer {
  baseUrl: string;
  process: ChildProcess;
  /** Everything it wrote, for diagnostics. */
  output(): string;
  /** SIGTERM, then wait for the exit (the graceful stop). */
  stop(): Promise<void>;
}

/**
 * The sync server as its own process (src/main.ts, through tsx), configured by the environment like
 * in production: its own socket.io server, Redis clients and module state, nothing shared in memory.
 */
export async function spawnSyncServer(
  databaseUrl: string,
  cryptoAddress: string,
  overrides: Record<string, string> = {},
  /** Sees everything the child has written so far, each time it writes (before it listens too). */
  onOutput: (output: string) => void = () => undefined,
): Promise<ChildSyncServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPOSITORY,
    env: {
      PATH: process.env.PATH ?? '',
      ...testEnvironment(databaseUrl, cryptoAddress),
      LOG_LEVEL: 'info',
      ...overrides,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start:\n${output}`)), 30_000);
    child.stderr?.on('data', (chunk) => {
      output += String(chunk);
      onOutput(output);
    });
    child.stdout?.on('data', (chunk) => {
      output += String(chunk);
      onOutput(output);
      for (const line of output.split('\n')) {
        if (!line.includes('sync server listening')) continue;
        const parsed = JSON.parse(line) as { port?: number };
        if (typeof parsed.port === 'number') {
          clearTimeout(timer);
          resolve(parsed.port);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code}:\n${output}`));
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

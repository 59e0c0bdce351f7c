import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The newest installed PostgreSQL's programs (Debian keeps them out of PATH). */
function binary(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(a) - Number(b)) : [];
  for (const version of versions.reverse()) {
    const path = join(root, version, 'bin', name);
    if (existsSync(path)) return path;
  }
  return name;
}

export interface PrivatePostgres {
  /** A `postgres://` URL reaching it over its unix socket (it listens on no TCP port). */
  url: string;
  start(): Promise<void>;
  /** `fast`: connections are terminated (FATAL 57P01); `immediate`: like a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of the test's own, in a temporary folder, reached only through a unix
 * socket there: the test can stop it, restart it and take it away without touching the shared
 * server on 5432 or any port. initdb takes about 2 s. As root, it runs as the `postgres` user
 * (PostgreSQL refuses to run as root).
 */
export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const folder = await mkdtemp(join(tmpdir(), 'anochat-pg-'));
  const data = join(folder, 'data');
  const asRoot = process.getuid?.() === 0;
  const asOwner = async (program: string, args: string[]) => {
    if (!asRoot) return run(binary(program), args);
    return run('runuser', ['-u', 'postgres', '--', binary(program), ...args]);
  };
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: group } = await run('id', ['-g', 'postgres']);
    await chown(folder, Number(stdout.trim()), Number(group.trim()));
  }
  await asOwner('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-k ${folder} -c listen_addresses='' -p 5432 -c fsync=off -c full_page_writes=off`;
  let running = false;
  const cluster: PrivatePostgres = {
    url: `postgres://postgres@localhost:5432/postgres?host=${encodeURIComponent(folder)}`,
    async start() {
      await asOwner('pg_ctl', [
        '-D',
        data,
        '-o',
        options,
        '-l',
        join(folder, 'log'),
        '-w',
        'start',
      ]);
      running = true;
    },
    async stop(mode = 'fast') {
      if (!running) return;
      await asOwner('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
      running = false;
    },
    async destroy() {
      await cluster.stop('immediate').catch(() => undefined);
      await rm(folder, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}

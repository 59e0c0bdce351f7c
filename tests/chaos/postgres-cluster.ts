import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of the chaos harness's own (never the shared one): initdb in a temporary
 * folder, a free port, started and stopped by the harness, which also crashes it, restarts it and
 * takes it away for seconds. PostgreSQL refuses to run as root, so as root every command runs as
 * the `postgres` user (runuser).
 */
export interface PostgresCluster {
  readonly port: number;
  /** A database of this cluster. */
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  /** 'immediate': a crash (every connection dropped, recovery at the next start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  readonly running: boolean;
  destroy(): Promise<void>;
}

/** The newest installed PostgreSQL's programs (Debian keeps them out of PATH). */
function postgresBin(): string {
  if (process.env.CHAOS_POSTGRES_BIN) return process.env.CHAOS_POSTGRES_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return join(root, versions[0] ?? '15', 'bin');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    run('id', ['-u', 'postgres']),
    run('id', ['-g', 'postgres']),
  ]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function createPostgresCluster(): Promise<PostgresCluster> {
  const BIN = postgresBin();
  if (!existsSync(join(BIN, 'initdb'))) {
    throw new Error(`PostgreSQL binaries not found in ${BIN} (set CHAOS_POSTGRES_BIN)`);
  }
  const asRoot = process.getuid?.() === 0;
  const folder = mkdtempSync(join(tmpdir(), 'anochat-chaos-pg-'));
  if (asRoot) {
    const { uid, gid } = await postgresIds();
    chownSync(folder, uid, gid);
  }
  const data = join(folder, 'data');
  const tool = (name: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(BIN, name), ...args])
      : run(join(BIN, name), args);

  await tool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  // Durability across an OS crash is not under test; a PostgreSQL crash (immediate stop) still
  // recovers every commit from the WAL.
  const settings = [
    `-p ${port}`,
    `-k ${folder}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  let running = false;

  async function start() {
    if (running) return;
    await tool('pg_ctl', ['-D', data, '-o', settings, '-l', join(folder, 'log'), '-w', 'start']);
    running = true;
  }

  async function stop(mode: 'fast' | 'immediate') {
    if (!running) return;
    await tool('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    running = false;
  }

  async function admin(sql: string) {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'postgres',
    });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  await start();
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    createDatabase: (name) => admin(`CREATE DATABASE ${name}`),
    dropDatabase: (name) => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    stop,
    start,
    get running() {
      return running;
    },
    async destroy() {
      await stop('immediate').catch(() => undefined);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

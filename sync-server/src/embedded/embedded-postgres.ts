/**
 * An in-process PostgreSQL for the zero-setup default: PGlite (PostgreSQL compiled to WebAssembly)
 * persisted in a folder, served over the PostgreSQL wire protocol on a unix socket by the session
 * broker (session-broker.ts), so the server's ordinary `pg` pool and migrations run against it
 * unchanged and every connection behaves as if it had a backend of its own.
 */
import { mkdir, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { type SessionBroker, startSessionBroker } from './session-broker.ts';

/** The port only names the socket file (`.s.PGSQL.<port>`), as libpq and `pg` expect. */
const SOCKET_PORT = 5432;

export interface EmbeddedPostgresLocation {
  /** Where PGlite keeps its files. */
  dataDirectory: string;
  /** The folder holding the socket file. */
  socketDirectory: string;
  /** Internal failures of the broker (a connection dropped because PGlite failed on it). */
  onWarning?: (message: string, error?: unknown) => void;
}

export interface EmbeddedPostgres {
  /** A `postgres://` URL for `pg` that reaches the socket. */
  url: string;
  /** Closes the socket (dropping connections), then PGlite, which flushes its files. */
  stop(): Promise<void>;
}

/** The URL the embedded database will answer on, known before it starts. */
export function embeddedPostgresUrl(socketDirectory: string): string {
  return `postgres://postgres@localhost:${SOCKET_PORT}/postgres?host=${encodeURIComponent(socketDirectory)}`;
}

export async function startEmbeddedPostgres(
  location: EmbeddedPostgresLocation,
): Promise<EmbeddedPostgres> {
  await mkdir(location.dataDirectory, { recursive: true, mode: 0o700 });
  await mkdir(location.socketDirectory, { recursive: true, mode: 0o700 });
  const socketPath = join(location.socketDirectory, `.s.PGSQL.${SOCKET_PORT}`);
  await claimSocketPath(socketPath);

  const db = await PGlite.create(location.dataDirectory);
  let broker: SessionBroker;
  try {
    broker = await startSessionBroker({
      db,
      path: socketPath,
      ...(location.onWarning ? { onWarning: location.onWarning } : {}),
    });
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    url: embeddedPostgresUrl(location.socketDirectory),
    async stop() {
      try {
        await broker.stop();
      } finally {
        await db.close();
      }
    },
  };
}

/** Another server answers on this data folder's socket. */
export class DataFolderInUseError extends Error {
  override readonly name = 'DataFolderInUseError';
  constructor(socketPath: string) {
    super(`${socketPath} is in use: another server is running on this data folder`);
  }
}

/**
 * A socket file left by a process that died is removed; one that still answers means another
 * server owns this data folder, and two PGlite instances on the same files would corrupt them.
 */
async function claimSocketPath(socketPath: string): Promise<void> {
  const answers = await new Promise<boolean>((resolve) => {
    const probe = connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (answers) throw new DataFolderInUseError(socketPath);
  await unlink(socketPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

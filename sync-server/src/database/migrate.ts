import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../logging/logger.ts';
import { isConnectionFailure, withClient } from './checkout.ts';

export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../../migrations', import.meta.url));

/** Any constant shared by every instance: the key of the session advisory lock migrations hold. */
const MIGRATION_LOCK_KEY = 4_207_001;

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(directory = MIGRATIONS_DIRECTORY): Promise<Migration[]> {
  const files = (await readdir(directory)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (match === null) throw new Error(`migration file ${file} is not named NNNN_name.sql`);
    const sql = await readFile(join(directory, file), 'utf8');
    const version = Number(match[1]);
    if (migrations.some((existing) => existing.version === version)) {
      throw new Error(`two migrations have version ${version}`);
    }
    const checksum = createHash('sha256').update(sql).digest('hex');
    migrations.push({ version, name: match[2] as string, sql, checksum });
  }
  return migrations;
}

/**
 * Applies the migrations not yet recorded in schema_migrations, each in its own transaction, in
 * version order. A session advisory lock makes instances that start together take turns: the
 * second one waits, then finds nothing left to do. A recorded migration whose file has changed
 * stops the start, since the database no longer matches the code.
 */
export async function migrate(
  pool: pg.Pool,
  logger: Logger,
  migrations?: Migration[],
): Promise<{ applied: number[] }> {
  const all = migrations ?? (await readMigrations());
  return withClient(pool, async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number; checksum: string }>(
        'SELECT version, checksum FROM schema_migrations',
      );
      const recorded = new Map(rows.map((row) => [row.version, row.checksum]));
      const applied: number[] = [];
      for (const migration of all) {
        const checksum = recorded.get(migration.version);
        if (checksum !== undefined) {
          if (checksum !== migration.checksum) {
            throw new Error(
              `migration ${migration.version}_${migration.name} changed after it was applied`,
            );
          }
          continue;
        }
        await applyOne(client, migration);
        logger.info({ version: migration.version, name: migration.name }, 'migration applied');
        applied.push(migration.version);
      }
      return { applied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  });
}

async function applyOne(client: pg.PoolClient, migration: Migration): Promise<void> {
  try {
    await client.query('BEGIN');
    await client.query(migration.sql);
    await client.query(
      'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
      [migration.version, migration.name, migration.checksum],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    // A lost connection is not the migration's fault: it is tried again on the next start attempt.
    if (isConnectionFailure(error)) throw error;
    throw new Error(`migration ${migration.version}_${migration.name} failed: ${String(error)}`, {
      cause: error,
    });
  }
}

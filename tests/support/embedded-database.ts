import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '@anochat/sync-server/embedded-postgres';
import { PGlite } from '@electric-sql/pglite';
import type { TestDatabase } from './database.ts';

/** The installed PGlite's version: a template is only good for the PGlite that made it. */
const PGLITE_VERSION = (
  JSON.parse(
    readFileSync(
      fileURLToPath(
        new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url),
      ),
      'utf8',
    ),
  ) as { version: string }
).version;

/**
 * An initialised, empty PGlite data folder, made once per PGlite version and kept in the user's
 * cache: a fresh PGlite spends ~15 s in initdb, a copy of this folder opens in ~2 s.
 */
export async function pgliteTemplate(): Promise<string> {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'anochat');
  const template = join(cache, `pglite-template-${PGLITE_VERSION}`);
  if (existsSync(template)) return template;
  await mkdir(cache, { recursive: true });
  const building = join(
    cache,
    `pglite-template-${PGLITE_VERSION}.${randomBytes(4).toString('hex')}`,
  );
  const db = await PGlite.create(building);
  await db.close();
  // Another run may have made it meanwhile: either copy is as good.
  await rename(building, template).catch(() => rm(building, { recursive: true, force: true }));
  return template;
}

/** Fills `dataDirectory` (a `DATA_DIR` for start-default.ts) with an empty PGlite database. */
export async function seedEmbeddedDataDirectory(dataDirectory: string): Promise<void> {
  await cp(await pgliteTemplate(), join(dataDirectory, 'pglite'), { recursive: true });
}

/**
 * The embedded default (PGlite behind the session broker, as `npm start` runs it) as a throwaway
 * database in this process: the same `{ url, drop }` as a PostgreSQL test database.
 */
export async function createEmbeddedTestDatabase(): Promise<TestDatabase> {
  const folder = await mkdtemp(join(tmpdir(), 'anochat-embedded-test-'));
  await seedEmbeddedDataDirectory(folder);
  const embedded = await startEmbeddedPostgres({
    dataDirectory: join(folder, 'pglite'),
    socketDirectory: join(folder, 'pglite-socket'),
  });
  return {
    url: embedded.url,
    name: 'postgres',
    async drop() {
      await embedded.stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** Which database the suites run on: ANOCHAT_TEST_BACKEND=embedded, or PostgreSQL (default). */
export const testBackend: 'postgres' | 'embedded' =
  process.env.ANOCHAT_TEST_BACKEND === 'embedded' ? 'embedded' : 'postgres';

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@anochat/test-support/database';
import pg from 'pg';
import { migrate, readMigrations } from '../src/database/migrate.ts';
import { createLogger } from '../src/logging/logger.ts';

const logger = createLogger('silent');
const REPLICATED_TABLES = [
  'users',
  'devices',
  'conversations',
  'members',
  'messages',
  'receipts',
  'key_envelopes',
  'key_archive',
  'blocks',
  'mutes',
];

describe('migrations', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  before(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
  });
  after(async () => {
    await pool.end();
    await database.drop();
  });

  it('build the schema from an empty database, then find nothing to do', async () => {
    const versions = (await readMigrations()).map((migration) => migration.version);
    assert.deepEqual((await migrate(pool, logger)).applied, versions);
    assert.deepEqual((await migrate(pool, logger)).applied, []);
    const { rows } = await pool.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    assert.deepEqual(
      rows.map((row) => row.version),
      versions,
    );
  });

  it('give every replicated table an xid8 rev kept current by a trigger', async () => {
    const { rows } = await pool.query<{ table_name: string; data_type: string }>(
      `SELECT c.table_name, c.udt_name AS data_type FROM information_schema.columns c
        WHERE c.column_name = 'rev' AND c.table_schema = 'public' AND c.is_nullable = 'NO'`,
    );
    assert.deepEqual(rows.map((row) => row.table_name).sort(), [...REPLICATED_TABLES].sort());
    assert.ok(rows.every((row) => row.data_type === 'xid8'));
    const triggers = await pool.query<{ table: string }>(
      `SELECT event_object_table AS table FROM information_schema.triggers
        WHERE action_statement LIKE '%anochat_touch_rev%' AND event_manipulation = 'UPDATE'`,
    );
    assert.deepEqual(triggers.rows.map((row) => row.table).sort(), [...REPLICATED_TABLES].sort());
  });

  it('store no plaintext message content: envelopes are bytea', async () => {
    const { rows } = await pool.query<{
      table_name: string;
      column_name: string;
      udt_name: string;
    }>(
      `SELECT table_name, column_name, udt_name FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name IN ('messages', 'key_envelopes', 'conversations')
          AND udt_name IN ('text', 'varchar', 'json', 'jsonb')`,
    );
    assert.deepEqual(rows, [
      { table_name: 'conversations', column_name: 'kind', udt_name: 'text' },
    ]);
  });

  it('bump rev on update, and a pull below the snapshot xmin never skips a late commit', async () => {
    const user = await pool.query<{ id: string; rev: string }>(
      `INSERT INTO users (username, display_name, auth_hash) VALUES ('rev_probe', 'r', '$argon2id$x')
       RETURNING id, rev::text`,
    );
    const first = user.rows[0] as { id: string; rev: string };
    const updated = await pool.query<{ rev: string }>(
      "UPDATE users SET display_name = 'r2' WHERE id = $1 RETURNING rev::text",
      [first.id],
    );
    assert.ok(BigInt(updated.rows[0]?.rev ?? 0) > BigInt(first.rev));

    // Transaction `slow` gets its id first, then `fast` commits with a larger id.
    const slow = await pool.connect();
    try {
      await slow.query('BEGIN');
      await slow.query("UPDATE users SET display_name = 'slow' WHERE id = $1", [first.id]);
      await pool.query(
        `INSERT INTO users (username, display_name, auth_hash) VALUES ('rev_fast', 'f', '$argon2id$x')`,
      );
      const pull = `SELECT username FROM users
                     WHERE rev < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY rev, id`;
      // `rev_fast` is committed and visible, yet while `slow` is open the pull stops below it (and
      // shows rev_probe's committed version), so no checkpoint handed out can pass `slow`.
      const visible = await pool.query("SELECT 1 FROM users WHERE username = 'rev_fast'");
      assert.equal(visible.rowCount, 1);
      assert.deepEqual((await pool.query(pull)).rows, [{ username: 'rev_probe' }]);
      await slow.query('COMMIT');
      assert.deepEqual(
        (await pool.query(pull)).rows.map((row) => row.username),
        ['rev_probe', 'rev_fast'],
      );
    } finally {
      slow.release();
    }
  });

  it('refuse to start when an applied migration was edited', async () => {
    const edited = (await readMigrations()).map((migration, index) =>
      index === 0 ? { ...migration, checksum: 'edited' } : migration,
    );
    await assert.rejects(migrate(pool, logger, edited), /changed after it was applied/);
  });

  it('roll a failing migration back entirely and record nothing', async () => {
    const broken = {
      version: 9999,
      name: 'broken',
      checksum: 'x',
      sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();',
    };
    await assert.rejects(
      migrate(pool, logger, [...(await readMigrations()), broken]),
      /9999_broken failed/,
    );
    const table = await pool.query("SELECT to_regclass('half_done') AS name");
    assert.equal(table.rows[0]?.name, null);
    const recorded = await pool.query('SELECT 1 FROM schema_migrations WHERE version = 9999');
    assert.equal(recorded.rowCount, 0);
  });
});

describe('migrations started by several instances at once', () => {
  it('apply each migration exactly once', async () => {
    const database = await createTestDatabase();
    const pools = Array.from(
      { length: 4 },
      () => new pg.Pool({ connectionString: database.url, max: 1 }),
    );
    try {
      const results = await Promise.all(pools.map((pool) => migrate(pool, logger)));
      const applied = results.flatMap((result) => result.applied).sort((a, b) => a - b);
      assert.deepEqual(
        applied,
        (await readMigrations()).map((migration) => migration.version),
      );
      const { rows } = await (pools[0] as pg.Pool).query(
        'SELECT count(*)::int AS n FROM schema_migrations',
      );
      assert.equal(rows[0]?.n, applied.length);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await database.drop();
    }
  });
});

describe('the migrate command', () => {
  const run = promisify(execFile);
  const serverRoot = fileURLToPath(new URL('..', import.meta.url));

  it('migrates DATABASE_URL and exits 0, twice', async () => {
    const database = await createTestDatabase();
    try {
      for (let i = 0; i < 2; i += 1) {
        await run(process.execPath, ['--import', 'tsx', 'src/database/migrate-command.ts'], {
          cwd: serverRoot,
          env: { ...process.env, DATABASE_URL: database.url },
        });
      }
      const pool = new pg.Pool({ connectionString: database.url });
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM schema_migrations');
      await pool.end();
      assert.equal(rows[0]?.n, (await readMigrations()).length);
    } finally {
      await database.drop();
    }
  });

  it('exits 2 without DATABASE_URL', async () => {
    const { DATABASE_URL: _unset, ...env } = process.env;
    await assert.rejects(
      run(process.execPath, ['--import', 'tsx', 'src/database/migrate-command.ts'], {
        cwd: serverRoot,
        env,
      }),
      (error: { code?: number }) => error.code === 2,
    );
  });
});

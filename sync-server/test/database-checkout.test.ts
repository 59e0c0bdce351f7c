import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@anochat/test-support/database';
import pg from 'pg';
import { DatabaseUnavailableError, withClient } from '../src/database/checkout.ts';
import { migrate } from '../src/database/migrate.ts';
import { createPool } from '../src/database/pool.ts';
import { inTransaction } from '../src/database/transaction.ts';
import { createLogger } from '../src/logging/logger.ts';

const logger = createLogger('silent');

describe('a database connection dropped while it is checked out (pg_terminate_backend)', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let admin: pg.Client;

  /** Terminates the backend of the pool's connection that is waiting in pg_sleep. */
  async function killSleeper(): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const { rows } = await admin.query<{ killed: boolean }>(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
          WHERE datname = $1 AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()
            AND state = 'active'`,
        [database.name],
      );
      if (rows.some((row) => row.killed)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.fail('no sleeping backend to terminate');
  }

  before(async () => {
    database = await createTestDatabase();
    pool = createPool(database.url, { max: 2, idleTimeoutMs: 10_000 }, logger);
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await pool.query('CREATE TABLE work (id int)');
  });
  after(async () => {
    await admin.end();
    await pool.end();
    await database.drop();
  });

  it('fails the transaction with DatabaseUnavailableError, writes nothing, and the pool serves the next one', async () => {
    // Settled into a value at once: its rejection may come while the test is still killing.
    const outcome = inTransaction(pool, async (client) => {
      await client.query('INSERT INTO work VALUES (1)');
      await client.query('SELECT pg_sleep(30)');
    }).then(
      () => 'committed',
      (error: unknown) => error,
    );
    await killSleeper();
    assert.ok((await outcome) instanceof DatabaseUnavailableError);
    // Had the 'error' event found no listener, this process would have ended before here.
    await inTransaction(pool, (client) => client.query('INSERT INTO work VALUES (2)'));
    const { rows } = await pool.query<{ id: number }>('SELECT id FROM work ORDER BY id');
    assert.deepEqual(rows, [{ id: 2 }]);
  });

  it('fails a checkout whose connection drops between two queries, and discards that connection', async () => {
    let pid = 0;
    await assert.rejects(
      withClient(pool, async (client) => {
        pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]
          ?.pid as number;
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        // The 'error' arrives while no query runs; the next query learns of it.
        await new Promise((resolve) => setTimeout(resolve, 200));
        await client.query('SELECT 1');
      }),
      DatabaseUnavailableError,
    );
    const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    assert.notEqual(rows[0]?.pid, pid);
  });

  it('fails a migration whose connection drops, and applies it on the next attempt', async () => {
    const migrations = [
      {
        version: 1,
        name: 'slow',
        sql: 'CREATE TABLE slow (id int); SELECT pg_sleep(30);',
        checksum: 'first',
      },
    ];
    const attempt = migrate(pool, logger, migrations).then(
      () => 'applied',
      (error: unknown) => error,
    );
    await killSleeper();
    assert.ok((await attempt) instanceof DatabaseUnavailableError);
    const quick = [{ ...migrations[0], sql: 'CREATE TABLE slow (id int);', checksum: 'second' }];
    assert.deepEqual(await migrate(pool, logger, quick as typeof migrations), { applied: [1] });
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { frontend } from '../src/embedded/pg-wire.ts';
import { type SessionBroker, startSessionBroker } from '../src/embedded/session-broker.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles within `ms`, or reports that it is still waiting. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const waiting = new Promise<'still waiting'>((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), ms);
  });
  return Promise.race([promise, waiting]).finally(() => clearTimeout(timer));
}

describe('the embedded database: every connection behaves as if it had its own PostgreSQL backend', () => {
  let folder: string;
  let db: PGlite;
  let broker: SessionBroker;
  let url: string;
  const warnings: string[] = [];
  const clients: pg.Client[] = [];

  async function client(options: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
    const next = new pg.Client({ connectionString: url, ...options });
    // A client the test cuts off reports it here instead of crashing the run.
    next.on('error', () => undefined);
    await next.connect();
    clients.push(next);
    return next;
  }

  /** A raw wire connection, past the startup, for what `pg` never sends (cut frames, no Sync). */
  async function rawConnection(): Promise<Socket> {
    const socket = connect(join(folder, '.s.PGSQL.5432'));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const readyForQuery = new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        if (chunk.includes(Buffer.from([0x5a, 0, 0, 0, 5, 0x49]))) resolve();
      });
    });
    socket.write(frontend.startup({ user: 'postgres', database: 'postgres' }));
    await readyForQuery;
    return socket;
  }

  async function count(table: string): Promise<number> {
    const reader = await client();
    const { rows } = await reader.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    await reader.end();
    return rows[0]?.n ?? -1;
  }

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'anochat-sessions-'));
    db = await PGlite.create();
    broker = await startSessionBroker({
      db,
      path: join(folder, '.s.PGSQL.5432'),
      maxConnections: 24,
      onWarning: (message) => warnings.push(message),
    });
    url = `postgres://postgres@localhost:5432/postgres?host=${encodeURIComponent(folder)}`;
  });
  after(async () => {
    // A client whose connection the test cut never finishes end(): do not wait on it.
    await Promise.all(
      clients.map((each) =>
        within(
          each.end().catch(() => undefined),
          500,
        ),
      ),
    );
    await broker.stop();
    await db.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('lets a pool that closed its idle connection prepare its named statements again (42P05 before)', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 50 });
    try {
      const named = (value: number) =>
        pool.query<{ value: number }>({
          name: 'named-after-idle',
          text: 'SELECT $1::int AS value',
          values: [value],
        });
      assert.deepEqual((await named(1)).rows, [{ value: 1 }]);
      await sleep(200);
      assert.equal(pool.totalCount, 0, 'the idle connection was closed');
      assert.deepEqual((await named(2)).rows, [{ value: 2 }]);
      await sleep(200);
      assert.deepEqual((await named(3)).rows, [{ value: 3 }]);
    } finally {
      await pool.end();
    }
  });

  it('gives several pooled connections the same statement names at the same time', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    try {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          pool.query<{ value: number }>({
            name: index % 2 === 0 ? 'shared-name' : 'other-name',
            text: index % 2 === 0 ? 'SELECT $1::int AS value' : 'SELECT $1::int + 1000 AS value',
            values: [index],
          }),
        ),
      );
      assert.ok(pool.totalCount > 1, `${pool.totalCount} connections were opened`);
      answers.forEach((answer, index) => {
        assert.deepEqual(answer.rows, [{ value: index % 2 === 0 ? index : index + 1000 }]);
      });
    } finally {
      await pool.end();
    }
  });

  it('rolls back the transaction of a connection that drops inside it, before anyone else goes on', async () => {
    const setup = await client();
    await setup.query('CREATE TABLE dropped_inside (id int)');
    const dropping = await client();
    await dropping.query('BEGIN');
    await dropping.query('INSERT INTO dropped_inside VALUES (1)');
    const other = await client();
    const waiting = other.query<{ n: number }>('SELECT count(*)::int AS n FROM dropped_inside');
    assert.equal(await within(waiting, 150), 'still waiting', 'never inside another transaction');
    (dropping as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
    assert.deepEqual((await waiting).rows, [{ n: 0 }]);
    await other.query('INSERT INTO dropped_inside VALUES (2)');
    assert.equal(await count('dropped_inside'), 1, 'the next write committed on its own');
  });

  it('never runs a message cut in the middle of its frame, and finishes a half-sent exchange', async () => {
    const setup = await client();
    await setup.query('CREATE TABLE cut_frames (id int)');
    const cut = await rawConnection();
    const insert = frontend.query('INSERT INTO cut_frames VALUES (1)');
    cut.write(insert.subarray(0, insert.length - 3));
    await sleep(50);
    cut.destroy();

    const halfSent = await rawConnection();
    halfSent.write(frontend.query('BEGIN'));
    halfSent.write(frontend.query('INSERT INTO cut_frames VALUES (2)'));
    // A Parse of broken SQL without its Sync: the session skips everything up to a Sync.
    halfSent.write(
      Buffer.from([0x50, 0, 0, 0, 15, 0, 0x53, 0x45, 0x4c, 0x45, 0x43, 0x54, 0x20, 0x28, 0, 0, 0]),
    );
    await sleep(100);
    halfSent.destroy();

    assert.equal(await count('cut_frames'), 0);
    const after = await client();
    assert.deepEqual((await after.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  });

  it('keeps a connection’s settings, startup options and session state from the others, and resets them when it closes', async () => {
    const tuned = await client({ options: '-c enable_bitmapscan=off -c statement_timeout=4321' });
    const plain = await client();
    const show = async (who: pg.Client, setting: string) =>
      (await who.query<{ value: string }>('SELECT current_setting($1) AS value', [setting])).rows[0]
        ?.value;
    assert.equal(await show(tuned, 'enable_bitmapscan'), 'off');
    assert.equal(await show(plain, 'enable_bitmapscan'), 'on');
    assert.equal(await show(tuned, 'statement_timeout'), '4321ms');
    assert.equal(await show(plain, 'statement_timeout'), '0');

    const stateful = await client();
    await stateful.query("SET application_name = 'stateful'");
    await stateful.query('CREATE TEMP TABLE scratch (id int)');
    await stateful.query('PREPARE from_sql AS SELECT 1');
    await stateful.query('LISTEN somewhere');
    assert.equal(await show(stateful, 'application_name'), 'stateful');
    const meanwhile = show(plain, 'application_name');
    assert.equal(await within(meanwhile, 150), 'still waiting', 'its session state is its own');
    await stateful.end();
    assert.equal(await meanwhile, '');
    const { rows } = await plain.query<{ temps: number; prepared: number; channels: number }>(
      `SELECT (SELECT count(*)::int FROM pg_class WHERE relpersistence = 't') AS temps,
              (SELECT count(*)::int FROM pg_prepared_statements WHERE from_sql) AS prepared,
              (SELECT count(*)::int FROM pg_listening_channels()) AS channels`,
    );
    assert.deepEqual(rows, [{ temps: 0, prepared: 0, channels: 0 }]);
  });

  it('holds an advisory lock for its connection only, and lets the others go on once it is released', async () => {
    const locker = await client();
    await locker.query('SELECT pg_advisory_lock(42)');
    const other = await client();
    const attempt = other.query<{ got: boolean }>('SELECT pg_try_advisory_lock(42) AS got');
    assert.equal(await within(attempt, 150), 'still waiting', 'never granted the same lock');
    await locker.query('SELECT pg_advisory_unlock(42)');
    assert.deepEqual((await attempt).rows, [{ got: true }]);
    await other.query('SELECT pg_advisory_unlock(42)');
    // The locker's connection no longer holds the session: it and the other take turns again.
    await Promise.all([locker.query('SELECT 1'), other.query('SELECT 1')]);
  });

  it('deallocates the named statements of a connection that ends', async () => {
    const statements = async () => {
      const reader = await client();
      const { rows } = await reader.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_prepared_statements',
      );
      await reader.end();
      return rows[0]?.n;
    };
    const before = await statements();
    const user = await client();
    for (const name of ['one', 'two', 'three']) {
      await user.query({ name, text: 'SELECT $1::text AS name', values: [name] });
    }
    assert.equal(await statements(), (before ?? 0) + 3);
    await user.end();
    assert.equal(await statements(), before);
  });

  it('refuses connections beyond its limit the way PostgreSQL does (53300), and serves again after', async () => {
    const open = broker.connectionCount();
    const extra: pg.Client[] = [];
    for (let index = open; index < 24; index += 1) extra.push(await client());
    await assert.rejects(client(), (error: Error & { code?: string }) => error.code === '53300');
    await Promise.all(extra.map((each) => each.end()));
    const next = await client();
    assert.deepEqual((await next.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    assert.deepEqual(warnings, []);
  });
});

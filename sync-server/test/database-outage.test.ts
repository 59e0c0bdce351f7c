import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { assertError, request } from '@anochat/test-support/api';
import { type ChildSyncServer, spawnSyncServer } from '@anochat/test-support/child-sync-server';
import { startTestCryptoServer } from '@anochat/test-support/crypto-server';
import {
  createPrivatePostgres,
  type PrivatePostgres,
} from '@anochat/test-support/private-postgres';
import {
  connectSocket,
  createGroup,
  emit,
  messageDoc,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import pg from 'pg';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventuallyAsync(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

const alive = (child: ChildSyncServer) =>
  child.process.exitCode === null && child.process.signalCode === null;

/** A handshake's outcome: 'connected', or the connect_error's code. */
async function handshake(baseUrl: string, token: string): Promise<string> {
  try {
    const socket = await connectSocket(baseUrl, { token });
    socket.close();
    return 'connected';
  } catch (error) {
    return (error as { data?: { code?: string } }).data?.code ?? String(error);
  }
}

describe('a sync server whose PostgreSQL goes away (a cluster of the test’s own)', () => {
  let postgres: PrivatePostgres;
  let crypto: Awaited<ReturnType<typeof startTestCryptoServer>>;
  let server: ChildSyncServer;
  let alice: SyncClient;
  let group: string;

  before(async () => {
    postgres = await createPrivatePostgres();
    crypto = await startTestCryptoServer();
  });
  after(async () => {
    alice?.socket.close();
    await server?.stop().catch(() => undefined);
    await crypto?.cleanup();
    await postgres?.destroy();
  });

  it('starts while the database is still down: waits with backoff, then serves once it is up', async () => {
    await postgres.stop();
    let waited: () => void = () => undefined;
    const waiting = new Promise<void>((resolve) => {
      waited = resolve;
    });
    let listening = false;
    const starting = spawnSyncServer(postgres.url, crypto.address, {}, (output) => {
      if (/waiting for the database \(unavailable at startup\)/.test(output)) waited();
    }).then((started) => {
      listening = true;
      return started;
    });
    // The child says it waits (however slowly it starts on a busy machine), and does not listen
    // while the database is away.
    await Promise.race([waiting, starting]);
    assert.equal(listening, false, 'it listened without a database');
    await sleep(1_000);
    assert.equal(listening, false, 'it listened without a database');
    await postgres.start();
    server = await starting;
    const ready = await request(server.baseUrl, 'GET', '/api/ready');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    alice = await syncUser(server.baseUrl);
    group = await createGroup(alice, []);
  });

  it('answers NOT_READY (HTTP 503 with Retry-After, socket NOT_READY), never an authentication failure, and recovers by itself', async () => {
    await postgres.stop('fast');

    const ready = await request(server.baseUrl, 'GET', '/api/ready');
    assertError(ready, 503, 'NOT_READY');
    assert.match(JSON.stringify(ready.body), /database: unavailable/);
    assert.ok(Number(ready.headers.get('retry-after')) > 0);

    const devices = await request(server.baseUrl, 'GET', '/api/devices', { token: alice.token });
    assertError(devices, 503, 'NOT_READY');
    assert.ok(Number(devices.headers.get('retry-after')) > 0);

    assert.equal(await handshake(server.baseUrl, alice.token), 'NOT_READY');

    const message = messageDoc(alice, group);
    const refused = await emit<{ error?: { code: string } }>(alice.socket, 'push', {
      collection: 'messages',
      rows: [{ assumedMasterState: null, newDocumentState: message }],
    });
    assert.equal(refused.error?.code, 'NOT_READY');
    const pulled = await emit<{ error?: { code: string } }>(alice.socket, 'pull', {
      collection: 'messages',
      checkpoint: null,
      batchSize: 10,
    });
    assert.equal(pulled.error?.code, 'NOT_READY');
    assert.ok(alive(server), server.output());

    await postgres.start();
    await eventuallyAsync(
      async () => (await request(server.baseUrl, 'GET', '/api/ready')).status === 200,
      15_000,
    );
    assert.equal(await handshake(server.baseUrl, alice.token), 'connected');
    const accepted = await emit<{ rejected: unknown[]; conflicts: unknown[] }>(
      alice.socket,
      'push',
      { collection: 'messages', rows: [{ assumedMasterState: null, newDocumentState: message }] },
    );
    assert.deepEqual([accepted.rejected, accepted.conflicts], [[], []]);
    assert.equal(
      (await request(server.baseUrl, 'GET', '/api/devices', { token: alice.token })).status,
      200,
    );
  });

  it('survives a connection killed inside a push transaction: the push answers NOT_READY and its retry is stored once', async () => {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    try {
      const message = messageDoc(alice, group);
      // An uncommitted row with the same id: the push's insert waits on it, inside its transaction.
      await admin.query('BEGIN');
      await admin.query(
        `INSERT INTO messages (id, conversation_id, sender_device_id, envelope)
         VALUES ($1, $2, $3, '\\x00')`,
        [message.id, group, alice.deviceId],
      );
      const push = () =>
        emit<{ error?: { code: string }; rejected?: unknown[]; conflicts?: unknown[] }>(
          alice.socket,
          'push',
          {
            collection: 'messages',
            rows: [{ assumedMasterState: null, newDocumentState: message }],
          },
        );
      const blocked = push();
      let terminated = 0;
      await eventuallyAsync(async () => {
        const { rows } = await admin.query<{ killed: boolean }>(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        terminated = rows.filter((row) => row.killed).length;
        return terminated > 0;
      }, 10_000);
      assert.equal((await blocked).error?.code, 'NOT_READY');
      await admin.query('ROLLBACK');
      await sleep(200);
      assert.ok(alive(server), server.output());

      const retried = await push();
      assert.deepEqual([retried.error, retried.rejected, retried.conflicts], [undefined, [], []]);
      const { rows } = await admin.query('SELECT id FROM messages WHERE id = $1', [message.id]);
      assert.equal(rows.length, 1);
    } finally {
      await admin.end();
    }
  });

  it('stops gracefully (exit 0) while the database is away', async () => {
    await postgres.stop('immediate');
    // Requests are in flight against the missing database when the signal arrives.
    const inFlight = request(server.baseUrl, 'GET', '/api/devices', { token: alice.token }).catch(
      () => null,
    );
    await sleep(100);
    const exited = once(server.process, 'exit');
    const stopping = Date.now();
    server.process.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, server.output());
    assert.ok(Date.now() - stopping < 10_000, `stop took ${Date.now() - stopping} ms`);
    await inFlight;
    await postgres.start();
  });
});

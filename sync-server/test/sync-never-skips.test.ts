import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Checkpoint, WireDocument } from '@anochat/schemas/rxdb/sync';
import { StreamConsumer } from '@anochat/test-support/stream-consumer';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  assertAccepted,
  create,
  createGroup,
  eventually,
  messageDoc,
  pull,
  push,
  resealed,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import { pullParams, pullSql } from '../src/replication/pull/pull-queries.ts';

// Every push transaction sleeps 0-50 ms after its writes, holding its transaction id open, so
// smaller ids keep committing after larger ones.
const suite = useSyncServer({ DATABASE_POOL_MAX: '16', SYNC_TEST_PUSH_DELAY_MAX_MS: '50' });
const clients: SyncClient[] = [];
after(() => {
  for (const client of clients) client.socket.close();
});
async function user(): Promise<SyncClient> {
  const client = await syncUser(suite.server.baseUrl);
  clients.push(client);
  return client;
}

/**
 * Six rounds of one to three new messages, each round editing its first one: every reader must
 * end with the edited version.
 */
async function pushAndEditRounds(pusher: SyncClient, group: string): Promise<void> {
  for (let round = 0; round < 6; round += 1) {
    const batch = Array.from({ length: 1 + (round % 3) }, () => messageDoc(pusher, group));
    await create(pusher, 'messages', batch);
    const edited = batch[0] as WireDocument;
    const { rows } = await suite.server.pool.query<{ rev: string }>(
      'SELECT rev::text FROM messages WHERE id = $1',
      [edited.id],
    );
    const answer = await push(pusher, 'messages', [
      {
        assumedMasterState: { ...edited, rev: rows[0]?.rev as string },
        newDocumentState: resealed(pusher, edited, `edited ${round}`),
      },
    ]);
    assertAccepted(answer);
  }
}

describe('sync pulls never skip a row', () => {
  it('8 concurrent pushers with slow transactions, 3 pullers: each puller gets every version once', async () => {
    const pushers = await Promise.all(Array.from({ length: 8 }, user));
    const pullers = await Promise.all(Array.from({ length: 3 }, user));
    const admin = pushers[0] as SyncClient;
    const group = await createGroup(admin, [...pushers.slice(1), ...pullers]);

    let pushing = true;
    const pushed = Promise.all(pushers.map((pusher) => pushAndEditRounds(pusher, group))).finally(
      () => {
        pushing = false;
      },
    );

    const received = pullers.map(async (puller) => {
      const versions = new Set<string>();
      const latest = new Map<string, WireDocument>();
      let checkpoint: Checkpoint | null = null;
      let drained = false;
      while (!drained) {
        const wasPushing = pushing;
        const page = await pull(puller, 'messages', checkpoint, 7);
        for (const document of page.documents) {
          const version = `${document.id}@${document.rev}`;
          assert.ok(!versions.has(version), `version ${version} received twice`);
          versions.add(version);
          latest.set(document.id, document);
        }
        checkpoint = page.checkpoint;
        // Done once a page is empty after every pusher had finished before it was asked.
        if (page.documents.length === 0) {
          if (!wasPushing) drained = true;
          else await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      return latest;
    });

    await pushed;
    const results = await Promise.all(received);
    const { rows } = await suite.server.pool.query<{ id: string; envelope: Buffer; rev: string }>(
      'SELECT id, envelope, rev::text FROM messages WHERE conversation_id = $1',
      [group],
    );
    assert.equal(rows.length, 8 * (1 + 2 + 3 + 1 + 2 + 3));
    for (const latest of results) {
      assert.equal(latest.size, rows.length);
      for (const row of rows) {
        const document = latest.get(row.id);
        assert.equal(document?.rev, row.rev, `message ${row.id} not at its latest version`);
        assert.equal(document?.envelope, row.envelope.toString('base64'));
      }
    }
  });
});

describe('the live stream never skips a row either', () => {
  it('8 concurrent pushers with slow transactions, 3 replicas fed by the stream: all at the latest state', async () => {
    const pushers = await Promise.all(Array.from({ length: 8 }, user));
    const readers = await Promise.all(Array.from({ length: 3 }, user));
    const admin = pushers[0] as SyncClient;
    const group = await createGroup(admin, [...pushers.slice(1), ...readers]);
    const replicas = readers.map((reader) => new StreamConsumer(reader, 'messages', 7));
    await Promise.all(replicas.map((replica) => replica.start()));

    await Promise.all(pushers.map((pusher) => pushAndEditRounds(pusher, group)));
    const { rows } = await suite.server.pool.query<{ id: string; envelope: Buffer; rev: string }>(
      'SELECT id, envelope, rev::text FROM messages WHERE conversation_id = $1',
      [group],
    );
    assert.equal(rows.length, 8 * (1 + 2 + 3 + 1 + 2 + 3));
    const atLatest = (replica: StreamConsumer) =>
      rows.every((row) => replica.documents.get(row.id)?.rev === row.rev);
    // No pull after the pushes: only what the stream sends brings the replicas up to date.
    await eventually(() => replicas.every(atLatest), 10_000);
    for (const replica of replicas) {
      await replica.idle();
      assert.equal(replica.documents.size, rows.length);
      for (const row of rows) {
        assert.equal(replica.documents.get(row.id)?.envelope, row.envelope.toString('base64'));
      }
      assert.ok(replica.arrivals.some((arrival) => arrival.via === 'stream'));
    }
  });
});

describe('sync pull query plan', () => {
  it('pulls messages through the indexes, not a sequential scan, among 200k messages', async () => {
    const pool = suite.server.pool;
    const reader = await user();
    const mine = await createGroup(reader, []);
    await create(reader, 'messages', [messageDoc(reader, mine)]);
    await pool.query(
      `
      WITH c AS (
        INSERT INTO conversations (id, kind, created_by)
        SELECT gen_random_uuid(), 'group', $1 FROM generate_series(1, 2000) RETURNING id)
      INSERT INTO messages (id, conversation_id, sender_device_id, envelope)
      SELECT gen_random_uuid(), c.id, $2, '\\x01'::bytea FROM c, generate_series(1, 100)`,
      [reader.userId, reader.deviceId],
    );
    // The reader belongs to a handful of those conversations (and accepted them).
    await pool.query(
      `INSERT INTO members (conversation_id, user_id, role, accepted_at)
       SELECT id, $1, 'member', now() FROM conversations WHERE id <> $2 LIMIT 5`,
      [reader.userId, mine],
    );
    await pool.query('ANALYZE');
    const { rows: counted } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM messages',
    );
    assert.ok((counted[0]?.n ?? 0) >= 200_000);

    for (const from of [
      { rev: '0', id: '00000000-0000-0000-0000-000000000000' },
      { rev: '999999999', id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' },
    ]) {
      const params = pullParams({
        userId: reader.userId,
        deviceId: reader.deviceId,
        rev: from.rev,
        key: [from.id],
        limit: 100,
      });
      const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN ${pullSql('messages')}`,
        params,
      );
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      assert.doesNotMatch(plan, /Seq Scan on messages/, plan);
      assert.match(plan, /Index (Only )?Scan using messages_conversation_(rev_)?id_idx/, plan);
    }
    // And it returns the right page: the reader's 501 messages, first page of 100.
    const page = await pull(reader, 'messages', null, 100);
    assert.equal(page.documents.length, 100);
  });
});
